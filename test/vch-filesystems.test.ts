// The containers' filesystems at the library level: files, volumes, bind mounts, archive, diff,
// sizes, the page cache and a state folder, as a user of the VCH sees them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeHostFolders } from "../bindings/fs/hostdir.js";
import { deserializeLayer, serializeLayer } from "../bindings/fs/index.js";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { collect, openVch, scratchStates } from "./fixtures/vch-helpers.js";

const { stateDir, track } = scratchStates("vicsim-fs-");

/** The shell runs on promises (and loads on first use): lets it run, with the manual clock idle, until the container ends. */
async function settled(vch: VirtualContainerHost, id: string): Promise<void> {
  for (let i = 0; i < 500 && vch.getContainer(id).state.Running; i++) {
    await new Promise((r) => setTimeout(r, 10));
    vch.runUntilIdle();
  }
}

/** Runs a container to its end and returns its output and status. */
async function run(vch: VirtualContainerHost, cmd: string[], extra: Record<string, unknown> = {}): Promise<{ id: string; stdout: string; stderr: string; status: number }> {
  const c = vch.createContainer({ Image: "busybox", Cmd: cmd, ...extra });
  await vch.start(c.id);
  await settled(vch, c.id);
  const StatusCode = vch.getContainer(c.id).state.ExitCode;
  const out = await collect(vch.logs(c.id));
  return { id: c.id, stdout: out.stdout, stderr: out.stderr, status: StatusCode };
}

describe("a container's files", () => {
  it("writes a file in a volume and reads it back (the issue's example)", async () => {
    const vch = track(await openVch());
    const r = await run(vch, ["sh", "-c", "echo x > /data/f && cat /data/f"], { HostConfig: { Binds: ["data:/data"] } });
    expect(r).toMatchObject({ stdout: "x\n", stderr: "", status: 0 });
  });

  it("pipes echo into tr, and a command outside the vocabulary is the shell's 'not found'", async () => {
    const vch = track(await openVch());
    expect(await run(vch, ["sh", "-c", "echo a | tr a b"])).toMatchObject({ stdout: "b\n", status: 0 });
    expect(await run(vch, ["sh", "-c", "nosuch; echo $?"])).toMatchObject({ stdout: "127\n", stderr: "sh: nosuch: not found\n", status: 0 });
  });

  it("shares a named volume between two containers", async () => {
    const vch = track(await openVch());
    await run(vch, ["sh", "-c", "echo shared > /v/note"], { HostConfig: { Binds: ["vol1:/v"] } });
    expect((await run(vch, ["cat", "/w/note"], { HostConfig: { Binds: ["vol1:/w"] } })).stdout).toBe("shared\n");
    expect(vch.diskUsage().Volumes.find((v) => v.Name === "vol1")!.UsageData.Size).toBe(7);
  });

  it("prunes reclaim the bytes of the containers' layers and of the volumes", async () => {
    const vch = track(await openVch());
    await run(vch, ["sh", "-c", "echo 12345 > /v/f; echo abc > /tmp/t"], { HostConfig: { Binds: ["gone:/v"] } });
    expect(vch.pruneContainers()).toMatchObject({ spaceReclaimed: 4 });
    expect(vch.pruneVolumes({ all: true })).toEqual({ deleted: ["gone"], spaceReclaimed: 6 });
  });

  it("refuses writes into a read-only volume with busybox's message", async () => {
    const vch = track(await openVch());
    const r = await run(vch, ["sh", "-c", "echo x > /ro/f"], { HostConfig: { Binds: ["rov:/ro:ro"] } });
    expect(r).toMatchObject({ stderr: "sh: can't create /ro/f: Read-only file system\n", status: 1 });
  });

  it("reports the container layer's changes, sizes and archive; extracts a tar", async () => {
    const vch = track(await openVch());
    const r = await run(vch, ["sh", "-c", "mkdir /tmp/d && echo hello > /tmp/d/f && rm /etc/motd 2>/dev/null; echo 1234 > /etc/hostname.bak"]);
    expect(vch.containerChanges(r.id)).toEqual([
      { Path: "/etc", Kind: 0 }, { Path: "/etc/hostname.bak", Kind: 1 }, { Path: "/tmp", Kind: 0 }, { Path: "/tmp/d", Kind: 1 }, { Path: "/tmp/d/f", Kind: 1 },
    ]);
    const view = vch.getContainer(r.id);
    expect(view.sizeRw).toBe(11);
    expect(view.sizeRootFs).toBe(vch.getImage("busybox").size + 11);
    const { stat, tar } = await vch.getArchive(r.id, "/tmp/d");
    expect(stat).toMatchObject({ name: "d", mode: (0x80000000 | 0o755) >>> 0 });
    const layer = await deserializeLayer(tar);
    expect(layer.get(["d", "f"])).toMatchObject({ kind: "file", mode: 0o644 });
    await vch.putArchive(r.id, "/", await serializeLayer(layer));
    expect((await run(vch, ["cat", "/d/f"])).stdout).toBe(""); // another container: its own layer
    const again = await deserializeLayer((await vch.getArchive(r.id, "/d/f")).tar);
    expect(new TextDecoder().decode((again.get(["f"]) as { data: Uint8Array }).data)).toBe("hello\n");
    expect(() => vch.statPath(r.id, "/nope")).toThrow(`Could not find the file /nope in container ${r.id}`);
    await expect(vch.putArchive(r.id, "/tmp", new TextEncoder().encode("hello\n"))).rejects.toThrow("Error processing tar file(exit status 1): unexpected EOF");
    await expect(vch.putArchive(r.id, "/tmp/d/f", await serializeLayer(layer))).rejects.toThrow("extraction point is not a directory");
  });

  it("maps a host folder with a bind mount in Node, and refuses it where there is none", async () => {
    const host = mkdtempSync(join(tmpdir(), "vicsim-bind-"));
    try {
      writeFileSync(join(host, "in.txt"), "from host\n");
      const vch = track(await openVch({ hostFolders: nodeHostFolders }));
      const r = await run(vch, ["sh", "-c", "cat /h/in.txt; echo back > /h/out.txt"], { HostConfig: { Binds: [`${host}:/h`] } });
      expect(r).toMatchObject({ stdout: "from host\n", status: 0 });
      expect(readFileSync(join(host, "out.txt"), "utf8")).toBe("back\n");
      const file = await run(vch, ["sh", "-c", "cat /etc/motd; echo appended >> /etc/motd"], { HostConfig: { Binds: [`${host}/in.txt:/etc/motd`] } });
      expect(file).toMatchObject({ stdout: "from host\n", status: 0 });
      expect(readFileSync(join(host, "in.txt"), "utf8")).toBe("from host\nappended\n");
      const exported = await deserializeLayer(await vch.exportContainer(file.id));
      expect(exported.get(["etc", "motd"])).toMatchObject({ kind: "file", data: new Uint8Array(0) }); // a mount's contents are not exported
      const ro = await run(vch, ["sh", "-c", "echo x > /h/x"], { HostConfig: { Binds: [`${host}:/h:ro`] } });
      expect(ro.stderr).toBe("sh: can't create /h/x: Read-only file system\n");
      const browser = track(await openVch());
      const c = browser.createContainer({ Image: "busybox", Cmd: ["true"], HostConfig: { Binds: [`${host}:/h`] } });
      await expect(browser.start(c.id)).rejects.toThrow(`invalid mount config for type "bind": bind source path does not exist: ${host}`);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it("dirties page-cache pages of the container VM when a file is written", async () => {
    const vch = track(await openVch());
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "sleep 1; seq 1 20000 > /tmp/big; sleep 100"] });
    await vch.start(c.id);
    const before = vch.vmMemory(c.id)!.consumed;
    await new Promise((r) => setTimeout(r, 500)); // the shell loads and sleeps
    vch.advance(1000);
    for (let i = 0; i < 100 && vch.getContainer(c.id).sizeRw === 0; i++) await new Promise((r) => setTimeout(r, 10));
    // seq 1 20000 is 108,894 bytes: 27 pages of page cache the container VM now backs alone.
    expect(vch.vmMemory(c.id)!.consumed - before).toBe(27);
  });

  it("keeps a container's layer and its volumes in the state folder", async () => {
    const dir = stateDir();
    const a = await openVch({ stateDir: dir });
    const r = await run(a, ["sh", "-c", "echo kept > /data/f; echo mine > /root/f"], { HostConfig: { Binds: ["keep:/data"] } });
    await a.close();
    const b = track(await openVch({ stateDir: dir }));
    expect((await run(b, ["cat", "/data/f"], { HostConfig: { Binds: ["keep:/data"] } })).stdout).toBe("kept\n");
    expect(b.containerChanges(r.id)).toContainEqual({ Path: "/root/f", Kind: 1 });
    for (const c of b.listContainers({ all: true })) b.remove(c.id);
    b.removeVolume("keep", false); // the container that used it went with it
  });
});
