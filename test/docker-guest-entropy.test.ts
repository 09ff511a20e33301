// Real guests' entropy per image, the label vicsim.guest.entropy beside TPS salting: seeded guests of
// one image draw the same "random" numbers (their pages can be shared), guests of another image a
// different stream, random guests their own; a bad value is refused at create and changes nothing.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { call, json, output, pullImages } from "./spec/docker-client.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
const V = "/v1.50";
const PROGRAM = "import random, uuid\nprint(random.random(), uuid.uuid4(), hash('vicsim'))";

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 10 }, name: "vch-entropy" });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
  await pullImages(h, ["python:3", "python:3.12"]);
}, 60_000);
afterAll(async () => {
  await vch?.close();
});

/** Runs PROGRAM in `image` with `labels` and returns what it printed. */
async function draw(image: string, labels: Record<string, string> = {}): Promise<string> {
  const r = await json(h, "POST", `${V}/containers/create`, 201, "/containers/create", { Image: image, Cmd: ["python", "-c", PROGRAM], Labels: labels });
  expect((await call(h, "POST", `${V}/containers/${r.Id}/start`)).status).toBe(204);
  expect((await json(h, "POST", `${V}/containers/${r.Id}/wait`, 200, "/containers/{id}/wait")).StatusCode).toBe(0);
  const out = await output((await call(h, "GET", `${V}/containers/${r.Id}/logs?stdout=1&stderr=1`)).response);
  expect(out.stderr).toBe("");
  expect(out.stdout).toMatch(/^0\.\d+ [0-9a-f-]{36} -?\d+\n$/);
  return out.stdout;
}

describe("vicsim.guest.entropy", () => {
  test("a value other than seeded or random is refused at create, and no container is made", async () => {
    const before = vch.listContainers({ all: true }).length;
    const r = await call(h, "POST", `${V}/containers/create`, { Image: "python:3", Cmd: ["python", "-c", "print(1)"], Labels: { "vicsim.guest.entropy": "sometimes" } });
    expect(r.status).toBe(400);
    expect((await r.response.json()).message).toBe('label vicsim.guest.entropy must be seeded or random, got "sometimes"');
    expect(vch.listContainers({ all: true }).length).toBe(before);
  });

  test("seeded (the default): guests of one image draw the same numbers; another image draws others", async () => {
    const a = await draw("python:3");
    expect(await draw("python:3", { "vicsim.guest.entropy": "seeded" })).toBe(a);
    const other = await draw("python:3.12");
    expect(other).not.toBe(a);
    expect(await draw("python:3.12")).toBe(other);
  }, 400_000);

  test("random: every guest draws its own numbers (it boots cold, not from the template's snapshot)", async () => {
    const seeded = await draw("python:3");
    const x = await draw("python:3", { "vicsim.guest.entropy": "random" });
    const y = await draw("python:3", { "vicsim.guest.entropy": "random" });
    expect(new Set([seeded, x, y]).size).toBe(3);
  }, 400_000);
});
