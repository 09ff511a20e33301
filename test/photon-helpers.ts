/** One-line harness for Photon Platform tests: a platform, its handler, JSON calls and task polling. */
import { PhotonPlatform, createPhotonHandler, type PhotonOptions } from "../bindings/photon/index.js";
import type { PhotonHandlerOptions } from "../bindings/photon/handler.js";

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export function photonHarness(options: PhotonOptions = {}, handlerOptions: PhotonHandlerOptions = {}) {
  const p = PhotonPlatform.open({ hosts: 64, ...options });
  const h = createPhotonHandler(p, { onInternalError: (e) => console.error("internal error:", e), ...handlerOptions });
  let token: string | null = null;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> => {
    const hs: Record<string, string> = { ...headers };
    if (token && !hs.authorization) hs.authorization = `Bearer ${token}`;
    const r = await h(new Request(`http://pc:9000${path}`, { method, headers: hs, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) }));
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  const wait = async (task: Json): Promise<Json> => {
    if (!task?.id) throw new Error(`not a task: ${JSON.stringify(task)}`);
    for (let i = 0; i < 10_000; i++) {
      const { body } = await call("GET", `/tasks/${task.id}`);
      if (body.state === "COMPLETED" || body.state === "ERROR") return body;
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error(`task ${task.id} did not end`);
  };
  /** POST then poll the task to its end. */
  const run = async (path: string, body?: unknown): Promise<Json> => {
    const r = await call("POST", path, body);
    if (r.status !== 201 && r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return wait(r.body);
  };
  const upload = async (name: string, bytes: number): Promise<string> => {
    const fd = new FormData();
    fd.append("ImageReplication", "EAGER");
    fd.append("file", new Blob([new Uint8Array(bytes)]), name);
    const r = await h(new Request("http://pc:9000/images", { method: "POST", body: fd, headers: token ? { authorization: `Bearer ${token}` } : {} }));
    const t = await wait(await r.json());
    return t.entity.id;
  };
  /** Tenant acme, ticket gold, project dev (subdivide 50 %), flavors small/eph/pd, an image. */
  const tenantStory = async (limits = [{ key: "vm.memory", value: 1000, unit: "GB" }, { key: "vm", value: 500, unit: "COUNT" }, { key: "vm.cpu", value: 1000, unit: "COUNT" }]) => {
    const tenant = (await run("/tenants", { name: "acme" })).entity.id;
    await run(`/tenants/${tenant}/resource-tickets`, { name: "gold", limits });
    const project = (await run(`/tenants/${tenant}/projects`, { name: "dev", resourceTicket: { name: "gold", limits: [{ key: "subdivide.percent", value: 50, unit: "COUNT" }] } })).entity.id;
    await run("/flavors", { name: "small", kind: "vm", cost: [{ key: "vm.memory", value: 2, unit: "GB" }, { key: "vm", value: 1, unit: "COUNT" }, { key: "vm.cpu", value: 1, unit: "COUNT" }] });
    await run("/flavors", { name: "eph", kind: "ephemeral-disk", cost: [{ key: "ephemeral-disk", value: 1, unit: "COUNT" }] });
    await run("/flavors", { name: "pd", kind: "persistent-disk", cost: [{ key: "persistent-disk", value: 1, unit: "COUNT" }] });
    const image = await upload("kube.ova", 4096);
    return { tenant, project, image };
  };
  const vmSpec = (image: string, extra: Record<string, unknown> = {}) => ({ name: "web", flavor: "small", sourceImageId: image, attachedDisks: [{ name: "boot", kind: "ephemeral-disk", flavor: "eph", bootDisk: true }], ...extra });
  return { p, h, call, wait, run, upload, tenantStory, vmSpec, setToken: (t: string | null) => (token = t) };
}
