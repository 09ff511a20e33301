/**
 * Images (API.md §6): uploads are kept as metadata with the file's size (the bytes are counted, not
 * stored); the fleet scheduler charges a host that lacks the image its size in its transfer score.
 */
import { ApiError } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import { byName, checkName, created, ok, type Route } from "./route.js";
import { filterTasks } from "./tenants.js";
import type { ImageDoc } from "./types.js";

export function imageJson(i: ImageDoc, origin: string): Record<string, unknown> {
  return {
    id: i.id,
    selfLink: `${origin}/images/${i.id}`,
    kind: "image",
    name: i.name,
    tags: i.tags,
    state: i.state,
    size: i.size,
    replicationType: i.replicationType,
    settings: [],
    replicationProgress: i.state === "READY" ? "100.0%" : "0.0%",
    seedingProgress: i.state === "READY" ? "100.0%" : "0.0%",
  };
}
export function image(p: PhotonPlatform, id: string): ImageDoc {
  return p.get("image", id, "ImageNotFound", "Image");
}
/** An image READY for a VM: 404 ImageNotFound, 400 InvalidImageState. */
export function readyImage(p: PhotonPlatform, id: string): ImageDoc {
  const i = image(p, id);
  if (i.state !== "READY") throw new ApiError(400, "InvalidImageState", `Image ${id} is in ${i.state} state`, { id, state: i.state });
  return i;
}
/** Adds an image (upload finished): READY with `size` bytes. */
export function addImage(p: PhotonPlatform, name: string, size: number, replicationType: ImageDoc["replicationType"]): ImageDoc {
  const i: ImageDoc = { id: crypto.randomUUID(), name, state: "CREATING", size, replicationType, tags: [], seq: p.nextImageSeq() };
  p.put("image", i);
  return i;
}

/** Reads the multipart upload: the replication field must come before the file part. */
async function readUpload(req: Request): Promise<{ name: string; size: number; replication: ImageDoc["replicationType"] }> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) throw new ApiError(400, "ImageUploadError", "Image upload must be multipart/form-data");
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    throw new ApiError(400, "ImageUploadError", "The image upload is not valid multipart/form-data");
  }
  let replication: string | null = null;
  let file: File | null = null;
  for (const [k, v] of form.entries()) {
    if (typeof v === "string") {
      if (k.toLowerCase() === "imagereplication") {
        if (file) throw new ApiError(400, "ImageUploadError", "imageReplication must come before the image file");
        replication = v.toUpperCase();
      }
    } else if (!file) file = v as File;
  }
  if (!file) throw new ApiError(400, "ImageUploadError", "The upload holds no image file");
  const r = replication ?? "EAGER";
  if (r !== "EAGER" && r !== "ON_DEMAND") throw new ApiError(400, "ImageUploadError", `Image replication type ${r} is not EAGER or ON_DEMAND`);
  const base = (file.name || "image").replace(/^.*[\\/]/, "");
  return { name: base, size: file.size, replication: r };
}

export const imageRoutes: Route[] = [
  {
    method: "POST",
    path: "/images",
    async run({ p, request, origin }) {
      const up = await readUpload(request);
      const i = addImage(p, up.name, up.size, up.replication);
      const t = p.tasks.queue("CREATE_IMAGE", { kind: "image", id: i.id }, [
        ["UPLOAD_IMAGE", () => void p.put("image", { ...image(p, i.id), state: "READY" })],
      ], {}, () => void p.put("image", { ...image(p, i.id), state: "ERROR" }));
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "GET",
    path: "/images",
    run({ p, query, origin }) {
      return ok(p.pages.page("/images", query, (q) => byName(p.docs.image.values(), q).map((i) => imageJson(i, origin))));
    },
  },
  {
    method: "GET",
    path: "/images/:id",
    run({ p, params, origin }) {
      return ok(imageJson(image(p, params.id), origin));
    },
  },
  {
    method: "DELETE",
    path: "/images/:id",
    run({ p, params, origin }) {
      const i = image(p, params.id);
      const used = [...p.docs.vm.values()].some((v) => v.sourceImageId === i.id);
      if (used) p.put("image", { ...i, state: "PENDING_DELETE" });
      else p.remove("image", i.id);
      return created(p.tasks.json(p.tasks.completed("DELETE_IMAGE", { kind: "image", id: i.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/images/:id/tasks",
    run({ p, params, query, origin }) {
      const i = image(p, params.id);
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.entity.id === i.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
  {
    method: "POST",
    path: "/vms/:id/create_image",
    async run({ p, params, body, origin }) {
      const vm = p.get("vm", params.id, "VmNotFound", "Vm");
      const b = await body();
      const name = checkName(b.name);
      const src = image(p, vm.sourceImageId);
      const rt = String(b.replicationType ?? "EAGER").toUpperCase();
      const i = addImage(p, name, src.size, rt === "ON_DEMAND" ? "ON_DEMAND" : "EAGER");
      const t = p.tasks.queue("CREATE_VM_IMAGE", { kind: "image", id: i.id }, [["CREATE_VM_IMAGE", () => void p.put("image", { ...image(p, i.id), state: "READY" })]], { projectId: vm.projectId });
      return created(p.tasks.json(t, origin));
    },
  },
];
