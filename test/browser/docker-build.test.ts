// `docker build` in headless Chromium: a page imports dist/browser.js and dist/docker.js, POSTs a tar
// build context to the Docker handler's /build, reads the classic builder's stream, and runs a
// container of the image it made. The Dockerfile parser (dockerfile-ast) runs without Node's Buffer.
import { packTar } from "modern-tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveEntrySite, type EntrySite } from "./fixtures/entry-site.js";

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { VirtualContainerHost } from "./dist/browser.js";
import { createDockerHandler } from "./dist/docker.js";
const vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "page" });
const docker = createDockerHandler(vch);
globalThis.build = async (query, tar) => {
  const r = await docker(new Request("http://localhost/v1.50/build?" + query, { method: "POST", body: new Uint8Array(tar), headers: { "Content-Type": "application/x-tar" } }));
  return { status: r.status, text: await r.text() };
};
globalThis.run = async (image, cmd) => {
  const c = vch.createContainer({ Image: image, Cmd: cmd });
  await vch.start(c.id);
  const { StatusCode } = await vch.wait(c.id);
  let stdout = "";
  for await (const chunk of vch.logs(c.id, { stdout: true })) stdout += new TextDecoder().decode(chunk.data);
  return { StatusCode, stdout };
};
document.title = "ready";
</script>`;

type Site = {
  build(query: string, tar: number[]): Promise<{ status: number; text: string }>;
  run(image: string, cmd: string[]): Promise<{ StatusCode: number; stdout: string }>;
};

let site: EntrySite;
beforeAll(async () => {
  site = await serveEntrySite(PAGE);
}, 60_000);
afterAll(async () => {
  await site?.close();
});
const open = (errors: string[]) => site.open(errors);

/** A build context: the files as a tar, as `docker build` sends it. */
async function context(files: Record<string, string>): Promise<number[]> {
  const entries = Object.entries(files).map(([name, text]) => {
    const body = new TextEncoder().encode(text);
    return { header: { name, size: body.byteLength, type: "file" as const, mode: 0o644 }, body };
  });
  return [...(await packTar(entries))];
}

describe("docker build in a browser page", () => {
  it("builds FROM busybox with COPY and RUN, tags the image, and a container of it reads the file RUN wrote", async () => {
    const errors: string[] = [];
    const page = await open(errors);
    const tar = await context({
      Dockerfile: 'FROM busybox\nCOPY hello.txt /\nRUN cat /hello.txt > /copy.txt\nCMD ["cat", "/copy.txt"]\n',
      "hello.txt": "hello from the build context\n",
    });
    const built = await page.evaluate(([q, t]) => (globalThis as unknown as Site).build(q, t), ["t=page-hello:1", tar] as [string, number[]]);
    expect(built.status, built.text).toBe(200);
    expect(built.text).toContain("Step 1/4 : FROM busybox");
    expect(built.text).toContain("Step 3/4 : RUN cat /hello.txt > /copy.txt");
    expect(built.text).toMatch(/Successfully built [0-9a-f]{12}/);
    expect(built.text).toContain("Successfully tagged page-hello:1");
    // The image's CMD, then an explicit command: both read what RUN copied at build time.
    expect(await page.evaluate(() => (globalThis as unknown as Site).run("page-hello:1", []))).toEqual({ StatusCode: 0, stdout: "hello from the build context\n" });
    expect(await page.evaluate(() => (globalThis as unknown as Site).run("page-hello:1", ["cat", "/hello.txt", "/copy.txt"]))).toEqual({ StatusCode: 0, stdout: "hello from the build context\n".repeat(2) });
    expect(errors).toEqual([]);
  }, 120_000);

  it("a Dockerfile with an unknown instruction fails with dockerd's parse error and tags nothing", async () => {
    const errors: string[] = [];
    const page = await open(errors);
    const tar = await context({ Dockerfile: "FROM busybox\nFOO bar\n" });
    const built = await page.evaluate(([q, t]) => (globalThis as unknown as Site).build(q, t), ["t=page-bad:1", tar] as [string, number[]]);
    expect(built.status).toBe(400);
    expect(JSON.parse(built.text)).toEqual({ message: "dockerfile parse error on line 2: unknown instruction: FOO" });
    const r = await page.evaluate(() => (globalThis as unknown as Site).run("page-bad:1", ["true"]).then(() => "ran", (e: Error) => e.message));
    expect(r).toMatch(/No such image: page-bad:1/);
    expect(errors).toEqual([]);
  }, 120_000);
});
