// Regression tests of defects found in the VCH: each states what a user saw and now sees instead.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { openVch } from "./fixtures/vch-helpers.js";

let open: VirtualContainerHost[] = [];
const dirs: string[] = [];
const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), "vicsim-defects-"));
  dirs.push(d);
  return join(d, "state");
};
afterEach(async () => {
  for (const v of open) await v.close();
  open = [];
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const vchWith = async (options: Parameters<typeof openVch>[0] = {}) => {
  const v = await openVch(options);
  open.push(v);
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
    open = [];

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
    const first = vch.stats(c.id);
    const second = vch.stats(c.id);
    expect(second).toEqual(first);
  });

  it("reports zero network counters (the emulated guest sends nothing), never invented traffic", async () => {
    const vch = await vchWith();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "infinity"] });
    await vch.start(c.id);
    vch.advance(600_000);
    const eth0 = vch.stats(c.id).networks.eth0;
    expect(eth0).toEqual({ rx_bytes: 0, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0 });
  });
});
