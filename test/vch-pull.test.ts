// What a pull gives: an image whose id is its config document's digest, and a refusal, as a registry
// answers, for a repository no registry has.
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { openVch } from "./fixtures/vch-helpers.js";
import { IMAGES_WITH_ROOTFS } from "../bindings/fs/images.js";
import { serializeLayer } from "../bindings/fs/index.js";
import { registryHas } from "../bindings/vch/official-images.js";

let vch: VirtualContainerHost;
afterEach(async () => {
  await vch?.close();
});

describe("pulled images", () => {
  it("a pulled image's id is the sha256 of its config document, which names its layers by diff id", async () => {
    vch = await openVch({ pull: [] });
    const img = await vch.pullImage("nginx:1.27");
    const doc = JSON.parse(img.configJson!);
    expect("sha256:" + createHash("sha256").update(img.configJson!).digest("hex")).toBe(img.id);
    expect(doc).toMatchObject({ architecture: "amd64", os: "linux", config: { Cmd: ["nginx", "-g", "daemon off;"] }, rootfs: { type: "layers" } });
    // Each diff id is the sha256 of the layer tar `docker save` writes for that layer.
    const tars = await Promise.all((await vch.imageLayers(img.id)).slice().reverse().map(serializeLayer));
    expect(doc.rootfs.diff_ids).toEqual(tars.map((t) => "sha256:" + createHash("sha256").update(t).digest("hex")));
    // The same reference pulled in another VCH is the same image.
    const other = await openVch({ pull: [] });
    try {
      expect((await other.pullImage("nginx:1.27")).id).toBe(img.id);
    } finally {
      await other.close();
    }
  });

  it("a pull of a repository the registry has not (an unofficial name without a namespace) is refused and adds nothing", async () => {
    vch = await openVch({ pull: [] });
    const statuses: string[] = [];
    await expect(vch.pullImage("dockerpytest_does_not_exist", (p) => statuses.push(p.status))).rejects.toMatchObject({
      kind: "notFound",
      message: "pull access denied for dockerpytest_does_not_exist, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    });
    await expect(vch.pullImage("docker.io/library/nosuch:1")).rejects.toThrow(/^pull access denied for nosuch, /);
    expect(statuses).toEqual([]);
    expect(vch.listImages()).toEqual([]);
    // Official images, namespaced repositories and other registries are pulled.
    for (const ref of ["mongo:8", "myorg/app", "ghcr.io/org/tool:2", "localhost:5000/app"]) expect((await vch.pullImage(ref)).repoTags).toHaveLength(1);
    // Every image vicsim has a root filesystem of its own for is one the registry has.
    expect(IMAGES_WITH_ROOTFS.filter((name) => !registryHas(name))).toEqual([]);
  });
});
