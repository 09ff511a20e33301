// Regression tests of defects found in the VCH: each states what a user saw and now sees instead.
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../bindings/store/memory.js";
import type { StoreBatch } from "../bindings/store/types.js";
import type { OutputChunk } from "../bindings/vch/types.js";
import { openVch, scratchStates } from "./fixtures/vch-helpers.js";
import { dockerStats } from "../bindings/docker/stats.js";

const { stateDir, track } = scratchStates("vicsim-defects-");
const vchWith = async (options: Parameters<typeof openVch>[0] = {}) => {
  const v = await openVch(options);
  track(v);
  return v;
};
const GiB = 1024 ** 3;

describe("restore registers the same container VM as create (one spec)", () => {
  it("HA admission control refuses after a reopen what it refused before (MemoryReservation kept)", async () => {
    const dir = stateDir();
    const cluster = { hosts: 2, hostMemoryMiB: 4096, ha: { kind: "slots" as const, failuresToTolerate: 1 } };
    const a = await vchWith({ stateDir: dir, cluster });
    a.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"], HostConfig: { Memory: 3 * GiB, MemoryReservation: 3 * GiB, RestartPolicy: { Name: "always" } } }, "reserved");
    await a.start("reserved");
    a.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"] }, "second");
    await expect(a.start("second")).rejects.toThrow(/HA admission control/);
    await a.close();

    const b = await vchWith({ stateDir: dir, cluster, pull: [] });
    expect(b.getContainer("reserved").state.Running).toBe(true);
    await expect(b.start("second")).rejects.toThrow(/HA admission control/);
  });
});

describe("runUntilIdle", () => {
  it("treats sleep infinity and a sleep longer than the limit as idle: virtual time does not run a day", async () => {
    const vch = await vchWith();
    const forever = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"] });
    await vch.start(forever.id);
    const long = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "200000"] });
    await vch.start(long.id);
    const t0 = vch.now();
    vch.runUntilIdle();
    expect(vch.now() - t0).toBe(0);
    const short = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "45"] });
    await vch.start(short.id);
    vch.runUntilIdle();
    expect(vch.now() - t0).toBe(45_000);
    expect(vch.getContainer(short.id).state.Status).toBe("exited");
    expect(vch.getContainer(forever.id).state.Running).toBe(true);
  });
});

describe("stats", () => {
  it("reading never mutates: two reads at the same virtual time are identical", async () => {
    const vch = await vchWith();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"] });
    await vch.start(c.id);
    vch.advance(25_000);
    const first = dockerStats(vch.statsSample(c.id));
    const second = dockerStats(vch.statsSample(c.id));
    expect(second).toEqual(first);
  });

  it("reports zero network counters (the emulated guest sends nothing), never invented traffic", async () => {
    const vch = await vchWith();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"] });
    await vch.start(c.id);
    vch.advance(600_000);
    const eth0 = dockerStats(vch.statsSample(c.id)).networks.eth0;
    expect(eth0).toEqual({ rx_bytes: 0, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0 });
  });
});

describe("faults are reported, never swallowed", () => {
  it("a subscriber that throws is counted and becomes a subscriber-error event; the others still get every event", async () => {
    const vch = await vchWith();
    const seen: string[] = [];
    vch.subscribe(() => {
      throw new Error("listener broke");
    });
    vch.subscribe((e) => seen.push(`${e.Type} ${e.Action}`));
    vch.createContainer({ Image: "busybox" }, "one");
    expect(seen).toEqual(["container create", "cluster subscriber-error"]);
    expect(vch.info().faults.subscriberErrors).toBe(2); // the create, then the fault event itself
    const kept = [];
    for await (const e of vch.events({ since: 0, until: vch.now() })) kept.push(e);
    expect(kept.find((e) => e.Action === "subscriber-error")!.Actor.Attributes.error).toBe("listener broke");
  });

  it("guest writes a full host refuses become guest-write-failed events and a counter", async () => {
    const vch = await vchWith({ pull: ["mysql"], cluster: { hosts: 1, hostMemoryMiB: 1024 } });
    const failed: string[] = [];
    vch.subscribe((e) => {
      if (e.Action === "guest-write-failed") failed.push(e.Actor.ID);
    });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = vch.createContainer({ Image: "mysql", HostConfig: { Memory: 512 * 1024 ** 2 } });
      try {
        await vch.start(c.id);
        ids.push(c.id);
      } catch {
        break; // no room to power on another: the ones running fill the host
      }
    }
    vch.advance(1_200_000);
    expect(vch.info().faults.guestWriteFailures).toBeGreaterThan(0);
    expect(failed.length).toBe(vch.info().faults.guestWriteFailures);
    expect(ids).toContain(failed[0]);
  });
});

describe("bounded memory", () => {
  it("a logs -f reader that never reads holds at most a log ring's worth; the rest is counted as dropped", async () => {
    const vch = await vchWith();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["cat"], OpenStdin: true });
    await vch.start(c.id);
    const follow = vch.logs(c.id, { follow: true })[Symbol.asyncIterator]();
    for (let i = 0; i < 5000; i++) vch.writeStdin(c.id, new TextEncoder().encode(`line ${i}\n`));
    expect(vch.info().faults.outputDropped).toBe(3000);
    const first = await follow.next();
    expect(new TextDecoder().decode(first.value!.data)).toBe("line 3000\n");
    await follow.return!();
    // The log ring keeps the last 2,000 chunks.
    const kept: string[] = [];
    for await (const chunk of vch.logs(c.id)) kept.push(new TextDecoder().decode(chunk.data));
    expect(kept.length).toBe(2000);
    expect(kept[0]).toBe("line 3000\n");
  });

  it("an events reader that never reads holds at most 1,024 events; the rest is counted as dropped", async () => {
    const vch = await vchWith();
    const reader = vch.events({})[Symbol.asyncIterator]();
    for (let i = 0; i < 1500; i++) vch.tagImage("busybox", "copy", `t${i}`);
    expect(vch.info().faults.eventsDropped).toBe(1500 - 1024);
    const first = await reader.next();
    expect(first.value!.Actor.Attributes.name).toBe("copy:t0");
    await reader.return!();
  });
});

describe("commands outside the emulated guest's vocabulary", () => {
  // A program the image lacks: runc refuses the start (exit code 127); inside a shell or an exec it is the shell's "not found".

  it("a program missing from the image: runc's refusal at start, exit code 127, --rm removes it; exec ends 127 with runc's message; the image's service command still serves", async () => {
    const vch = await vchWith({ pull: ["busybox", "redis"] });
    const ls = vch.createContainer({ Image: "busybox", Cmd: ["python3", "-V"], HostConfig: { AutoRemove: true } });
    const removed = vch.wait(ls.id, "removed");
    await expect(vch.start(ls.id)).rejects.toThrow(`error during container init: exec: "python3": executable file not found in $PATH: unknown`);
    await expect(removed).resolves.toMatchObject({ StatusCode: 127 });
    expect(vch.listContainers({ all: true }).map((c) => c.id)).not.toContain(ls.id);

    const redis = vch.createContainer({ Image: "redis" });
    await vch.start(redis.id);
    vch.advance(60_000);
    expect(vch.getContainer(redis.id).state.Running).toBe(true);
    const exec = vch.createExec(redis.id, { Cmd: ["python", "-c", "print(1)"], AttachStderr: true, AttachStdout: true });
    const run = vch.startExec(exec);
    // An exec's program the container has not got is not run: runc's message and 127, as dockerd 28 ends such an exec.
    await expect(run.done).resolves.toBe(127);
    const said = [];
    for await (const chunk of run.output) said.push(new TextDecoder().decode(chunk.data));
    expect(said.join("")).toBe(`OCI runtime exec failed: exec failed: unable to start container process: exec: "python": executable file not found in $PATH: unknown\r\n`);
    // Under a busybox container the service command of redis is missing too: the start is refused.
    const other = vch.createContainer({ Image: "busybox", Cmd: ["redis-server"] });
    await expect(vch.start(other.id)).rejects.toThrow(`exec: "redis-server": executable file not found in $PATH`);
    expect(vch.getContainer(other.id).state).toMatchObject({ Status: "created", ExitCode: 127 });
  });

  it("a container labelled vicsim.guest.service=true may run any command as a service", async () => {
    const vch = await vchWith();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["myserver", "--port", "80"], Labels: { "vicsim.guest.service": "true" } });
    await vch.start(c.id);
    vch.advance(600_000);
    expect(vch.getContainer(c.id).state.Running).toBe(true);
    await vch.stop(c.id);
    expect(vch.getContainer(c.id).state.ExitCode).toBe(0);
  });
});

describe("out of memory while a container VM boots", () => {
  it("changes nothing and answers Docker's error: no placement, no memory-engine VM, rm frees everything", async () => {
    const { MemoryEngine } = await import("../bindings/core/memory.js");
    const { Cluster } = await import("../bindings/core/cluster.js");
    let mem!: ReturnType<typeof MemoryEngine.create>;
    const vch = await vchWith({
      cluster: { hosts: 1, hostMemoryMiB: 1024 },
      engines: { memory: (o) => (mem = MemoryEngine.create(o)), cluster: (o) => Cluster.create(o) },
    });
    // The template VM of busybox exists on H0 (a first container built it).
    const first = vch.createContainer({ Image: "busybox", Cmd: ["true"] });
    await vch.start(first.id);
    // Ballast: another tenant of the host leaves 40 frames free (a clone fits, its boot writes do not).
    const ballast = mem.createVm({ host: 0, memoryMiB: 1024 });
    const take = mem.hostStats(0).free - 40;
    const gpns = Uint32Array.from({ length: take }, (_, i) => i);
    const tokens = BigUint64Array.from({ length: take }, (_, i) => BigInt(i + 1) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn || 1n);
    mem.writePages(ballast, gpns, tokens);
    const freeBefore = mem.hostStats(0).free;
    expect(freeBefore).toBe(40);

    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"] }, "victim");
    const before = vch.getContainer(c.id);
    const err = await vch.start(c.id).then(() => null, (e) => e);
    expect(err).toMatchObject({ name: "VchError", kind: "unavailable" });
    expect(err.message).toMatch(/^cannot power on the container VM of victim on host H0: host 0 is out of memory/);
    expect(mem.hostStats(0).free).toBe(freeBefore);
    const after = vch.getContainer(c.id);
    expect(after.state).toEqual(before.state);
    expect(after.host).toBeNull();
    expect(after.vm).toBeNull();
    expect(vch.info().hosts[0].containers).toBe(0);
    vch.remove(c.id);
    expect(mem.hostStats(0).free).toBe(freeBefore);
  });
});

describe("DRS sees the memory engine's demand", () => {
  // Five mysql container VMs on H0 (H1 in maintenance while they start), ten minutes of guest
  // writes, then H1 comes back and DRS (threshold 4) looks at the imbalance.
  const scenario = async (mergeFirst: boolean) => {
    const vch = await vchWith({
      pull: ["mysql"],
      cluster: { hosts: 2, hostMemoryMiB: 4096, ha: { kind: "disabled" }, tps: { salting: "global", intervalMs: 1e12 }, drs: { intervalMs: 1e12, automation: "manual", threshold: 4 } },
    });
    vch.enterMaintenance("H1");
    for (let i = 0; i < 5; i++) {
      const c = vch.createContainer({ Image: "mysql", HostConfig: { Memory: 1024 ** 3 } });
      await vch.start(c.id);
    }
    vch.advance(600_000);
    vch.exitMaintenance("H1");
    let merged = 0;
    if (mergeFirst) for (let k = 0; k < 10; k++) merged += vch.tpsNow().merged;
    return { pass: vch.drsNow(), merged };
  };

  it("a balancing decision changes when TPS merges: the move DRS recommends without merging is not needed after", async () => {
    const unmerged = await scenario(false);
    expect(unmerged.pass.recommendations.map((r) => [r.from, r.to])).toEqual([["H0", "H1"]]);
    const merged = await scenario(true);
    expect(merged.merged).toBeGreaterThan(10_000);
    // Merged pages no longer count as the container VMs' own: H0's memory demand, and the imbalance, fall.
    expect(merged.pass.imbalanceBefore).toBeLessThan(unmerged.pass.imbalanceBefore);
    expect(merged.pass.recommendations).toEqual([]);
  });
});

describe("exec records are bounded", () => {
  it("at most 256 ended exec records per container are kept (the oldest go); removal drops the container's own", async () => {
    const vch = await vchWith();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"] });
    await vch.start(c.id);
    const first = vch.createExec(c.id, { Cmd: ["true"] });
    await vch.startExec(first).done;
    expect(vch.inspectExec(first).ExitCode).toBe(0);
    for (let i = 0; i < 400; i++) await vch.startExec(vch.createExec(c.id, { Cmd: ["true"] })).done;
    expect(vch.getContainer(c.id).execIds.length).toBe(256);
    expect(() => vch.inspectExec(first)).toThrow(/No such exec instance/);
    const last = vch.getContainer(c.id).execIds[255];
    expect(vch.inspectExec(last).ExitCode).toBe(0);
    vch.remove(c.id, { force: true });
    expect(() => vch.inspectExec(last)).toThrow(/No such exec instance/);
  });
});

describe("template VMs are bounded per host", () => {
  it("41 containers of 41 different -m sizes run one after another on a 1 GiB host", async () => {
    const vch = await vchWith({ cluster: { hosts: 1, hostMemoryMiB: 1024 } });
    for (let i = 0; i < 41; i++) {
      const c = vch.createContainer({ Image: "busybox", Cmd: ["true"], HostConfig: { Memory: (512 + i) * 1024 ** 2 } });
      await vch.start(c.id);
      expect(vch.getContainer(c.id).state).toMatchObject({ Status: "exited", ExitCode: 0 });
    }
    expect(vch.info().hosts[0].templates.length).toBeLessThanOrEqual(8);
  });
});

describe("a chatty container with a state folder", () => {
  it("costs one journal commit a virtual second, not one per output line; the journal trails by at most a second and close writes the rest", async () => {
    const store = new CountingStore();
    const vch = await vchWith({ store });
    const script = Array.from({ length: 450 }, (_, i) => `echo line${i}; sleep 0.01`).join("; ");
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sh", "-c", script] }, "chatty");
    await vch.start(c.id);
    const before = store.commits;
    for (let i = 0; i < 400; i++) vch.advance(10); // a line every step: 4 virtual seconds, 400 settles
    expect(store.commits - before).toBeLessThanOrEqual(5);
    const live = await collectText(vch.logs(c.id));
    expect(live).toContain("line399\n");
    const last = await collectText(vch.logs(c.id, { tail: 1 }));
    const journaled = (store.load().records.container.get(c.id) as { logs: { t: number; d: string }[] }).logs;
    expect(vch.now() - journaled.at(-1)!.t).toBeLessThanOrEqual(1000);
    await vch.close();
    const again = await vchWith({ store, pull: [] });
    expect(await collectText(again.logs("chatty", { tail: 1 }))).toBe(last);
  });
});

describe("a restart policy's power-on that fails is reported, never swallowed", () => {
  it("becomes a restart-failed event and a counter (the container stays exited with the reason)", async () => {
    const vch = await vchWith({ cluster: { hosts: 1 } });
    const seen: string[] = [];
    vch.subscribe((e) => {
      if (e.Action === "restart-failed") seen.push(`${e.Actor.Attributes.name}: ${e.Actor.Attributes.reason}`);
    });
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "exit 3"], HostConfig: { RestartPolicy: { Name: "always" } } }, "crashy");
    await vch.start(c.id);
    expect(vch.getContainer(c.id).state.Restarting).toBe(true);
    vch.failHost("H0"); // the only host: the backoff's power-on has nowhere to go
    vch.advance(1_000);
    const s = vch.getContainer(c.id).state;
    expect(s.Status).toBe("exited");
    expect(s.Error).toMatch(/no host of the cluster can run container crashy/);
    expect(seen).toEqual([`crashy: ${s.Error}`]);
    expect(vch.info().faults.restartFailures).toBe(1);
  });
});

describe("health checks across a reopened state folder", () => {
  it("before the first probe, inspect shows the journaled probes with status starting (dockerd keeps the log when a check restarts)", async () => {
    const dir = stateDir();
    const a = await vchWith({ stateDir: dir });
    const c = a.createContainer({
      Image: "busybox", Cmd: ["sleep", "infinity"],
      Healthcheck: { Test: ["CMD", "true"], Interval: 5e9, Retries: 1 }, HostConfig: { RestartPolicy: { Name: "always" } },
    }, "checked");
    await a.start(c.id);
    a.advance(11_000); // two probes
    const before = a.getContainer(c.id).state.Health!;
    expect(before.Status).toBe("healthy");
    expect(before.Log).toHaveLength(2);
    await a.close();

    const b = await vchWith({ stateDir: dir, pull: [] });
    const restored = b.getContainer("checked");
    expect(restored.state.Running).toBe(true);
    expect(restored.state.Health).toEqual({ Status: "starting", FailingStreak: 0, Log: before.Log });
    expect(restored.statusText).toMatch(/\(health: starting\)$/);
    b.advance(5_000);
    const after = b.getContainer("checked").state.Health!;
    expect(after.Status).toBe("healthy");
    expect(after.Log.slice(0, 2)).toEqual(before.Log);
    expect(after.Log).toHaveLength(3);
  });
});

/** A journal in memory that counts the commits that wrote something. */
class CountingStore extends MemoryStore {
  commits = 0;
  override commit(batch: StoreBatch): void {
    if (batch.put.length || batch.delete.length || batch.events.length) this.commits++;
    super.commit(batch);
  }
}

async function collectText(chunks: AsyncIterable<OutputChunk>): Promise<string> {
  let text = "";
  for await (const c of chunks) text += new TextDecoder().decode(c.data);
  return text;
}

describe("events are published once journaled, at the end of a settle", () => {
  it("an events reader with until gets every event stamped before until, also those of timers in the same settle", async () => {
    const vch = await vchWith();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "3"] });
    await vch.start(c.id);
    const started = vch.now();
    const reader = vch.events({ until: started + 5000, filters: { container: [c.id] } });
    vch.advance(10_000); // the exit at +3 s and the reader's end at +5 s come in the same settle
    const got: string[] = [];
    for await (const e of reader) got.push(`${e.Action} @${e.timeNano / 1e6 - started}`);
    expect(got).toEqual(["die @3000"]);
  });
});
