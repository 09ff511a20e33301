// --cpus below 1 throttles a real guest in virtual time: it runs its share of every 1 s period and
// is held for the rest (not Docker's pause: the container stays running); without a limit it runs on.
// A manual clock makes the periods exact: virtual time moves only when the test advances it.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { call, json, output, pullImages } from "./spec/docker-client.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
const V = "/v1.50";
const COUNTER = "n = 0\nwhile True:\n    n += 1\n    if n % 20000 == 0: print(n, flush=True)";

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ clock: { mode: "manual" }, name: "vch-cpus" });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
  await pullImages(h, ["python:3"]);
}, 60_000);
afterAll(async () => {
  await vch?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function printed(id: string): Promise<number> {
  return (await output((await call(h, "GET", `${V}/containers/${id}/logs?stdout=1`)).response)).stdout.length;
}

/** Waits (wall time) until the container's output grows past `than`. */
async function grows(id: string, than: number, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await printed(id)) <= than) {
    if (Date.now() > end) throw new Error(`container ${id} printed nothing more in ${ms} ms`);
    await sleep(100);
  }
}

async function start(nanoCpus?: number): Promise<string> {
  const r = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: "python:3", Cmd: ["python", "-c", COUNTER], HostConfig: nanoCpus ? { NanoCpus: nanoCpus } : {} });
  expect((await call(h, "POST", `${V}/containers/${r.Id}/start`)).status).toBe(204);
  return r.Id as string;
}

describe("--cpus on a real guest", () => {
  test("--cpus 0.5 holds the guest for the second half of each virtual second; an unlimited one runs on", async () => {
    const half = await start(0.5e9);
    const free = await start();
    await grows(half, 0);
    await grows(free, 0);
    vch.advance(600); // past the half's 500 ms share: held
    await sleep(1_000); // its next checkpoint is a few bytecodes away
    const heldAt = await printed(half);
    const freeAt = await printed(free);
    await sleep(1_500);
    expect(await printed(half)).toBe(heldAt);
    await grows(free, freeAt); // the same 600 ms do not hold a container without a limit
    const state = (await json(h, "GET", `${V}/containers/${half}/json`, 200, "/containers/{id}/json")).State;
    expect([state.Status, state.Paused]).toEqual(["running", false]); // throttled, not paused
    vch.advance(400); // the next period begins: it runs again
    await grows(half, heldAt);
    for (const id of [half, free]) expect((await call(h, "POST", `${V}/containers/${id}/kill`)).status).toBe(204);
  }, 240_000);
});
