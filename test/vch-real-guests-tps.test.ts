// Ten Python containers with seeded entropy on one host of a VCH: instant clone of the runtime's
// template plus transparent page sharing save at least 70 % of their non-zero pages, measured from
// the memory engine's counters as the VCH reports them (info, statsSample) and checked against an
// independent hash (node:crypto sha1) of the memories the guests wrote to their container VMs.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { EmulatedGuest } from "../bindings/guests/emulated.js";
import type { Guest, GuestContext, GuestIo } from "../bindings/guests/guest.js";
import { RealGuestAdapter } from "../bindings/guests/real-adapter.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { call, json, output, pullImages } from "./spec/docker-client.js";

const GUESTS = 10;
const PAGE = 4096;
const V = "/v1.50";

/** The VCH's own guest, watched: the last memory each container's guest wrote, and the templates' images. */
class Watched implements Guest {
  readonly memories = new Map<string, Uint8Array>();
  readonly templates = new Map<string, Uint8Array>();
  private readonly inner = new RealGuestAdapter(new EmulatedGuest());
  spawn(argv: string[], ctx: GuestContext, io: GuestIo) {
    const m = io.memory;
    return this.inner.spawn(argv, ctx, {
      ...io,
      ...(m ? {
        memory: {
          cloneFrom: (key: string, image: Uint8Array) => (this.templates.set(key, image), m.cloneFrom(key, image)),
          write: (memory: Uint8Array) => (this.memories.set(ctx.containerId, memory), m.write(memory)),
        },
      } : {}),
    });
  }
}

/** sha1 of every non-zero page of a memory (zero pages left out). */
function digests(memory: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at < memory.byteLength; at += PAGE) {
    const page = memory.subarray(at, at + PAGE);
    if (page.some((b) => b !== 0)) out.push(createHash("sha1").update(page).digest("hex"));
  }
  return out;
}

let vch: VirtualContainerHost;
let h: DockerHandler;
const watched = new Watched();

beforeAll(async () => {
  // One host; TPS salting `image` lets container VMs of one image share (the default `vm` keeps each VM's pages to itself).
  vch = await VirtualContainerHost.open({
    clock: { mode: "realtime", speed: 10 }, name: "vch-tps", guest: watched,
    cluster: { hosts: 1, hostMemoryMiB: 65_536, tps: { salting: "image" } },
  });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
  await pullImages(h, ["python:3"]);
}, 60_000);
afterAll(async () => {
  await vch?.close();
});

async function run(cmd: string[]): Promise<string> {
  const r = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "python:3", Cmd: cmd });
  expect((await call(h, "POST", `${V}/containers/${r.Id}/start`)).status).toBe(204);
  return r.Id as string;
}

async function stdout(id: string): Promise<string> {
  return (await output((await call(h, "GET", `${V}/containers/${id}/logs?stdout=1&stderr=1`)).response)).stdout;
}

describe("ten python containers on one host", () => {
  test("save at least 70 % of their non-zero pages through clone and TPS; the engine agrees with sha1 of their memories", async () => {
    // A first container boots the runtime's template and the image's template VM: a one-time cost of the host.
    const first = await run(["python", "-c", "print(1)"]);
    expect((await vch.wait(first)).StatusCode).toBe(0);
    vch.remove(first);
    while (vch.tpsNow().merged > 0); // the templates' own duplicate pages merged before counting
    const before = vch.info().hosts[0].memory.used;

    const ids: string[] = [];
    for (let i = 0; i < GUESTS; i++) {
      ids.push(await run(["python", "-c", "import time\nprint('ready', flush=True)\nwhile True: time.sleep(0.05)"]));
    }
    const end = Date.now() + 240_000;
    for (const id of ids) {
      while (!(await stdout(id)).includes("ready")) {
        if (Date.now() > end) throw new Error(`container ${id} never printed ready: ${JSON.stringify(await stdout(id))}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    // A 20 s scan (2 s of wall time) after every guest is ready; then they hold still and TPS runs to the end.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const id of ids) vch.pause(id);
    while (vch.tpsNow().merged > 0);

    const host = vch.info().hosts[0].memory;
    const frames = host.used - before;
    const seen = ids.map((id) => watched.memories.get(id));
    expect(seen.every((m) => m !== undefined)).toBe(true);
    const pages = seen.map((m) => digests(m!));
    const nonZero = pages.reduce((n, p) => n + p.length, 0);
    const saving = 1 - frames / nonZero;
    console.log(`ten python containers: ${nonZero} non-zero pages on ${frames} new host frames (${(saving * 100).toFixed(1)} % saved); host used ${host.used}, shared saved ${host.sharedSaved}`);
    expect(saving).toBeGreaterThanOrEqual(0.7);

    // Independent check: every content the ten hold that their template does not needs a frame of its own.
    const [template] = [...watched.templates.values()];
    const inTemplate = new Set(digests(template));
    const fresh = new Set(pages.flat().filter((d) => !inTemplate.has(d)));
    expect(frames).toBeGreaterThanOrEqual(fresh.size);
    // And each container VM maps exactly its guest's non-zero pages (statsSample is the engine's per-VM
    // counters; a page the guest zeroed where its template had content is granted as the shared zero page).
    ids.forEach((id, i) => {
      const vm = vch.statsSample(id).vm!;
      expect(vm.granted - vm.sharedCommon).toBe(pages[i].length);
    });
    for (const id of ids) vch.remove(id, { force: true });
  }, 400_000);
});
