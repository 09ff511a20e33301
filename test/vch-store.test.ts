// Durability: what the VCH acknowledged is in the state folder, across close/reopen and a SIGKILL.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../bindings/store/memory.js";
import { collect, openVch, scratchStates } from "./fixtures/vch-helpers.js";

const { stateDir, track } = scratchStates("vicsim-vch-");
const openAt = async (dir: string, pull: string[] = ["busybox"]) => {
  const v = await openVch({ stateDir: dir, pull });
  track(v);
  return v;
};

describe("state folder", () => {
  it("keeps images, containers, names, states, exit codes, logs, networks, volumes and events across a reopen", async () => {
    const dir = stateDir();
    const a = await openAt(dir);
    const stopped = a.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "echo saved; exit 3"], Labels: { k: "v" } }, "stopped");
    await a.start("stopped");
    const created = a.createContainer({ Image: "busybox" }, "created");
    const gone = a.createContainer({ Image: "busybox" }, "gone");
    a.remove("gone");
    const sleeper = a.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"] }, "sleeper");
    await a.start("sleeper");
    await a.stop("sleeper");
    a.createNetwork({ Name: "backend" });
    a.createVolume({ Name: "data", Labels: { x: "y" } });
    a.tagImage("busybox", "mybox", "v1");
    a.setDrs({ threshold: 4 });
    const before = a.listContainers({ all: true });
    const events = [] as unknown[];
    for await (const e of a.events({ since: 0, until: a.now() })) events.push(e);
    await a.close();

    const b = await openAt(dir, []);
    const after = b.listContainers({ all: true });
    expect(after.map((c) => [c.id, c.name, c.state.Status, c.state.ExitCode, c.config.Labels])).toEqual(
      before.map((c) => [c.id, c.name, c.state.Status, c.state.ExitCode, c.config.Labels]),
    );
    expect(b.getContainer("stopped").state.ExitCode).toBe(3);
    expect(b.getContainer(created.id).state.Status).toBe("created");
    expect(() => b.getContainer(gone.id)).toThrow("No such container");
    expect(b.getContainer(sleeper.id).state.ExitCode).toBe(143);
    expect((await collect(b.logs("stopped"))).stdout).toBe("saved\n");
    expect(b.getImage("mybox:v1").repoTags).toEqual(["busybox:latest", "mybox:v1"]);
    expect(b.getNetwork("backend").Name).toBe("backend");
    expect(b.getVolume("data").Labels).toEqual({ x: "y" });
    expect(b.info().drs.threshold).toBe(4);
    const replay = [] as unknown[];
    for await (const e of b.events({ since: 0, until: b.now() })) replay.push(e);
    expect(replay.slice(0, events.length)).toEqual(events);
    // The names stay taken, and new ids never collide with the old ones.
    expect(() => b.createContainer({ Image: "busybox" }, "stopped")).toThrow(/already in use/);
    const fresh = b.createContainer({ Image: "busybox" });
    expect(before.map((c) => c.id)).not.toContain(fresh.id);
    expect(stopped.id).toBe(b.getContainer("stopped").id);
  });

  it("brings running containers back per restart policy, re-cloning their container VMs", async () => {
    const dir = stateDir();
    const a = await openAt(dir);
    const ids: Record<string, string> = {};
    for (const policy of ["no", "always", "unless-stopped", "on-failure"] as const) {
      const c = a.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"], HostConfig: { RestartPolicy: { Name: policy } } }, `p-${policy}`);
      await a.start(c.id);
      ids[policy] = c.id;
    }
    const rm = a.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"], HostConfig: { AutoRemove: true } }, "rm");
    await a.start(rm.id);
    const stoppedAlways = a.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"], HostConfig: { RestartPolicy: { Name: "unless-stopped" } } }, "stopped-us");
    await a.start(stoppedAlways.id);
    await a.stop(stoppedAlways.id);
    await a.close();
    const b = await openAt(dir, []);
    for (const policy of ["always", "unless-stopped"]) {
      const c = b.getContainer(ids[policy]);
      expect(c.state.Status, policy).toBe("running");
      expect(c.vm).not.toBeNull();
      expect(c.host).not.toBeNull();
      expect(b.statsSample(c.id).vm!.private).toBeGreaterThan(0);
    }
    for (const policy of ["no", "on-failure"]) {
      expect(b.getContainer(ids[policy]).state).toMatchObject({ Status: "exited", ExitCode: 255 });
    }
    expect(b.getContainer("stopped-us").state.Status).toBe("exited");
    expect(() => b.getContainer("rm")).toThrow("No such container: rm"); // --rm applies to a run the restart ended
    expect(b.info().hosts.reduce((s, h) => s + h.containers, 0)).toBe(2);
  });

  it("keeps host states: a failed host stays failed, a host in maintenance stays there", async () => {
    const dir = stateDir();
    const a = await openVch({ stateDir: dir, cluster: { hosts: 4 } });
    a.failHost("H1");
    a.enterMaintenance("H2");
    await a.close();
    const b = await openVch({ stateDir: dir, cluster: { hosts: 4 }, pull: [] });
    track(b);
    expect(b.info().hosts.map((h) => h.state)).toEqual(["connected", "failed", "maintenance", "connected"]);
    const c = b.createContainer({ Image: "busybox", Cmd: ["sleep", "100"] });
    await b.start(c.id);
    expect(["H0", "H3"]).toContain(b.getContainer(c.id).host!.name);
  });

  it("a host failed but not yet declared dead when the VCH closed: after reopening, HA restarts its container VMs when the declaration is due", async () => {
    const dir = stateDir();
    const cluster = { hosts: 3, hostCpuMHz: 8000, hostMemoryMiB: 32768 };
    const a = await openVch({ stateDir: dir, cluster, pull: ["busybox", "alpine", "debian"] });
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const c = a.createContainer({ Image: ["busybox", "alpine", "debian"][i % 3], Cmd: ["sleep", "100000"] });
      await a.start(c.id);
      ids.push(c.id);
    }
    const [startedByClient, ...victims] = a.failHost("H1").stopped;
    expect(victims.length).toBeGreaterThan(0);
    await a.start(startedByClient); // on its reserved failover placement: no longer HA's to restart
    a.advance(5_000);
    await a.close();

    const b = await openVch({ stateDir: dir, cluster, pull: [] });
    track(b);
    expect(b.info().hosts.map((h) => h.state)).toEqual(["connected", "failed", "connected"]);
    for (const id of victims) expect(b.getContainer(id).state).toMatchObject({ Running: false, ExitCode: 255, Error: "host H1 failed" });
    const restarts: string[] = [];
    b.subscribe((e) => {
      if (e.Type === "cluster" && e.Action === "ha-restart") restarts.push(e.Actor.ID);
    });
    b.advance(15_000);
    expect(restarts.sort()).toEqual([...victims].sort());
    // It ended with the VCH (restart policy "no"): HA leaves it as it is.
    expect(b.getContainer(startedByClient).state).toMatchObject({ Running: false, ExitCode: 255 });
    for (const id of victims) {
      const c = b.getContainer(id);
      expect(c.state.Running).toBe(true);
      expect(["H0", "H2"]).toContain(c.host!.name);
    }
    await b.close();
    // Declared once: a third opening has nothing left to restart.
    const d = await openVch({ stateDir: dir, cluster, pull: [] });
    track(d);
    const again: string[] = [];
    d.subscribe((e) => {
      if (e.Action.startsWith("ha-")) again.push(e.Action);
    });
    d.advance(30_000);
    expect(again).toEqual([]);
  });

  it("runs without a state folder in memory only, or on an injected store", async () => {
    const store = new MemoryStore();
    const a = await openVch({ store });
    a.createContainer({ Image: "busybox" }, "kept");
    await a.close();
    const b = await openVch({ store, pull: [] });
    track(b);
    expect(b.getContainer("kept").name).toBe("/kept");
    const c = await openVch();
    track(c);
    expect(() => c.getContainer("kept")).toThrow("No such container: kept");
  });

  it("refuses a foreign state folder with a clear error", async () => {
    const dir = stateDir();
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "vicsim.db"), "garbage ".repeat(1000));
    await expect(openVch({ stateDir: dir })).rejects.toThrow(/^state folder .*: vicsim.db is not a vicsim state database \(file is not a database\)$/);
  });

  it("every create acknowledged before a SIGKILL is there after reopening", async () => {
    const dir = stateDir();
    const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/vch-create-loop.ts", dir], { stdio: ["ignore", "pipe", "pipe"] });
    const acknowledged: string[] = [];
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      let buffer = "";
      child.stdout.on("data", (d: Buffer) => {
        buffer += d.toString();
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (/^[0-9a-f]{64}$/.test(line)) acknowledged.push(line);
          if (acknowledged.length >= 40 && !child.killed) {
            child.kill("SIGKILL");
            resolve();
          }
        }
      });
      child.on("exit", () => (acknowledged.length >= 40 ? resolve() : reject(new Error(`child exited early: ${stderr}`))));
    });
    await new Promise((r) => child.once("close", r));
    const b = await openAt(dir, []);
    const all = new Set(b.listContainers({ all: true }).map((c) => c.id));
    for (const id of acknowledged) expect(all.has(id), id).toBe(true);
    // Running ones with restart policy "always" came back.
    const always = b.listContainers({ all: true }).filter((c) => c.hostConfig.RestartPolicy?.Name === "always" && c.state.StartedAt !== "0001-01-01T00:00:00Z");
    for (const c of always) expect(c.state.Status).toBe("running");
  });
});
