// Ten Python guests with seeded entropy on one host: instant clone of the booted template plus
// transparent page sharing save most of their non-zero pages, measured from the memory engine's
// counters and checked against an independent hash (node:crypto sha1) of the guests' memories.
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryEngine } from "../bindings/core/memory.js";
import { RealGuests, type GuestOnHost } from "../bindings/guests/real/guests.js";

const GUESTS = 10;
const PAGE = 4096;

/** sha1 of every non-zero page (index = gpn; null for a zero page). */
function pageDigests(memory: Uint8Array): (string | null)[] {
  const out: (string | null)[] = [];
  for (let at = 0; at < memory.byteLength; at += PAGE) {
    const page = memory.subarray(at, at + PAGE);
    out.push(isZero(page) ? null : createHash("sha1").update(page).digest("hex"));
  }
  return out;
}

function isZero(page: Uint8Array): boolean {
  const words = new Uint32Array(page.buffer, page.byteOffset, PAGE / 4);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
}

describe("ten python guests on one host", () => {
  const engine = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 4096 });
  const guests = new RealGuests({ engine, host: 0, salt: 11 });
  const ran: GuestOnHost[] = [];

  beforeAll(async () => {
    const tvm = await guests.template("python");
    // two at a time: the machine is shared
    for (let i = 0; i < GUESTS; i += 2) {
      const pair = [0, 1].map(() => guests.start(tvm, { argv: ["python", "-c", "print(sum(range(10)))"], entropy: "seeded" }));
      for (const g of pair) expect((await g.exited).exitCode).toBe(0);
      ran.push(...pair);
    }
    while (engine.tpsScan(0, 1 << 20).merged > 0);
  }, 300_000);

  it("save at least 70 % of their non-zero pages through clone and TPS (engine counters)", async () => {
    const nonZero = (await Promise.all(ran.map((g) => g.exited))).reduce((n, r) => n + r.lastScan!.nonZero, 0);
    const host = engine.hostStats(0);
    // every frame in use counts against the guests, the template's included
    const saving = 1 - host.used / nonZero;
    expect(saving).toBeGreaterThanOrEqual(0.7);
    expect(host.sharedSaved).toBeGreaterThan(0);
  });

  it("the engine's tokens agree with sha1 of the real pages: equal tokens exactly where bytes are equal", async () => {
    const tokenToDigest = new Map<bigint, string>();
    const digestToToken = new Map<string, bigint>();
    const distinct = new Set<string>();
    let nonZero = 0;
    const disagreements: string[] = [];
    for (const g of ran) {
      const memory = g.guest.lastMemory!;
      const digests = pageDigests(memory);
      const tokens = engine.readPages(g.vm.vm, Uint32Array.from(digests.keys()));
      digests.forEach((d, gpn) => {
        const t = tokens[gpn];
        if (d === null) {
          if (t !== 0n) disagreements.push(`VM ${g.vm.vm} page ${gpn}: zero bytes, token ${t}`);
          return;
        }
        nonZero++;
        distinct.add(d);
        if ((tokenToDigest.get(t) ?? d) !== d) disagreements.push(`VM ${g.vm.vm} page ${gpn}: token ${t} names two contents`);
        if ((digestToToken.get(d) ?? t) !== t) disagreements.push(`VM ${g.vm.vm} page ${gpn}: one content under two tokens`);
        tokenToDigest.set(t, d);
        digestToToken.set(d, t);
      });
    }
    expect(disagreements).toEqual([]);
    // no allocation can beat one frame per distinct content (the template's own pages on top)
    const host = engine.hostStats(0);
    expect(host.used).toBeGreaterThanOrEqual(distinct.size);
    // the ideal saving by content, as an independent hash sees it, is at least what the engine reports
    expect(1 - distinct.size / nonZero).toBeGreaterThanOrEqual(1 - host.used / nonZero - 1e-9);
  });
});
