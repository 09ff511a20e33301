// The same random operations on a VCH over the wasm cores and one over the reference models give the
// same observable state: containers, placement, memory counters, events, errors.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { openVch } from "./fixtures/vch-helpers.js";

const IMAGES = ["busybox", "nginx", "redis"];
const COMMANDS: (string[] | undefined)[] = [undefined, ["sleep", "20"], ["sh", "-c", "echo x; exit 2"], ["sleep", "600"]];
const POLICIES = ["no", "always", "on-failure"];

type Op =
  | { k: "create"; image: number; cmd: number; policy: number; memoryMiB: number }
  | { k: "start" | "stop" | "kill" | "pause" | "unpause" | "remove" | "restart"; i: number; force: boolean }
  | { k: "advance"; ms: number }
  | { k: "fail" | "recover" | "maintenance" | "exitMaintenance"; host: number }
  | { k: "drs" | "tps" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant("create" as const), image: fc.nat(2), cmd: fc.nat(3), policy: fc.nat(2), memoryMiB: fc.constantFrom(512, 1024, 2048) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constantFrom("start" as const, "stop" as const, "kill" as const, "pause" as const, "unpause" as const, "remove" as const, "restart" as const), i: fc.nat(15), force: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 400_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom("fail" as const, "recover" as const, "maintenance" as const, "exitMaintenance" as const), host: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom("drs" as const, "tps" as const) }) },
);

/** Applies one operation; returns what happened as text (an error's kind and message included). */
async function apply(vch: VirtualContainerHost, ids: string[], o: Op): Promise<string> {
  try {
    switch (o.k) {
      case "create": {
        const c = vch.createContainer({
          Image: IMAGES[o.image], Cmd: COMMANDS[o.cmd],
          HostConfig: { Memory: o.memoryMiB * 1024 * 1024, RestartPolicy: { Name: POLICIES[o.policy] as "no" } },
        });
        ids.push(c.id);
        return `created ${c.id}`;
      }
      case "advance":
        vch.advance(o.ms);
        return "ok";
      case "fail":
        return JSON.stringify(vch.failHost(o.host));
      case "recover":
        vch.recoverHost(o.host);
        return "ok";
      case "maintenance":
        return JSON.stringify(vch.enterMaintenance(o.host));
      case "exitMaintenance":
        vch.exitMaintenance(o.host);
        return "ok";
      case "drs":
        return JSON.stringify(vch.drsNow());
      case "tps":
        return JSON.stringify(vch.tpsNow());
      default: {
        if (!ids.length) return "no container";
        const id = ids[o.i % ids.length];
        if (o.k === "start") await vch.start(id);
        else if (o.k === "stop") await vch.stop(id, { timeout: 1 });
        else if (o.k === "restart") await vch.restart(id, { timeout: 1 });
        else if (o.k === "kill") vch.kill(id, o.force ? "SIGKILL" : "SIGTERM");
        else if (o.k === "pause") vch.pause(id);
        else if (o.k === "unpause") vch.unpause(id);
        else vch.remove(id, { force: o.force });
        return "ok";
      }
    }
  } catch (e) {
    return `error ${(e as { kind?: string }).kind ?? "plain"}: ${(e as Error).message}`;
  }
}

/** Everything observable from outside. */
function observe(vch: VirtualContainerHost) {
  const list = vch.listContainers({ all: true });
  return {
    info: vch.info(),
    containers: list.map((c) => ({ id: c.id, state: c.state, host: c.host, vm: c.vm, restarts: c.restartCount, status: c.statusText })),
    memory: list.filter((c) => c.state.Running).map((c) => vch.statsSample(c.id).vm),
  };
}

describe("wasm cores and reference models through the VCH", () => {
  it("agree on every observable after random operation sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const cluster = { hosts: 3, hostCpuMHz: 8000, hostMemoryMiB: 16384, drs: { threshold: 4 as const } };
        const wasm = await openVch({ cluster, pull: IMAGES });
        const ref = await openVch({ cluster, pull: IMAGES, reference: true });
        const events: [string[], string[]] = [[], []];
        wasm.subscribe((e) => events[0].push(JSON.stringify(e)));
        ref.subscribe((e) => events[1].push(JSON.stringify(e)));
        const idsW: string[] = [];
        const idsR: string[] = [];
        try {
          for (const o of ops) {
            const a = await apply(wasm, idsW, o);
            const b = await apply(ref, idsR, o);
            expect(b, JSON.stringify(o)).toBe(a);
            expect(observe(ref)).toEqual(observe(wasm));
          }
          expect(events[1]).toEqual(events[0]);
        } finally {
          await wasm.close();
          await ref.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
