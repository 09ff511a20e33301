// Bad input: at least 10,000 malformed requests. Every answer is a 4xx/5xx in Docker's error shape,
// the server stays up, and the containers that existed are all still there, unchanged.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, routePatterns, type DockerHandler } from "../bindings/docker/index.js";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
let server: DockerServer;
let before: string;

/** Deterministic PRNG (mulberry32) so a failure replays. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Bad {
  method: string;
  path: string;
  body?: string;
}

/** Ids and names that can never resolve: a `z` is not hex, and no container is named like this. */
const bogusIds = ["zzz", "nope-1", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%00", "a%2Fb", "NOTHEX" + "f".repeat(60), "g".repeat(64), "%F0%9F%90%B3", "' OR 1=1 --", "%25%25", "con:tainer"];
const badJson = ["{", "[", "nul", '{"Image":', "\u0000", '{"Image":"busybox",}', "}{", '"str"', "1e999999", "{".repeat(5000)];
const wrongTypes: Record<string, unknown>[] = [
  { Image: 42 },
  { Image: "busybox", Cmd: { a: 1 } },
  { Image: "busybox", Env: [1, 2] },
  { Image: "busybox", Tty: "true" },
  { Image: "busybox", HostConfig: "big" },
  { Image: "busybox", HostConfig: { Memory: "1g" } },
  { Image: "busybox", HostConfig: { RestartPolicy: { Name: 7 } } },
  { Image: "busybox", HostConfig: { PortBindings: { "80/tcp": "8080" } } },
  { Image: "busybox", Labels: ["a=b"] },
  { Image: "busybox", ExposedPorts: { "http": {} } },
  { Image: "../../etc/passwd" },
  { Image: "" },
];

function generate(next: () => number): Bad {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const id = pick(bogusIds);
  const version = pick(["/v1.50", "", "/v1.24", "/v1.41"]);
  switch (Math.floor(next() * 9)) {
    case 0: // bad JSON to every endpoint that reads a body
      return { method: "POST", path: version + pick(["/containers/create", "/networks/create", "/volumes/create", "/containers/zzz/exec", "/networks/bridge/connect"]), body: pick(badJson) };
    case 1: // wrong types in the create body
      return { method: "POST", path: `${version}/containers/create`, body: JSON.stringify(pick(wrongTypes)) };
    case 2: { // a real route with an id that resolves to nothing
      const routes = routePatterns().filter((r) => r.pattern.includes("{"));
      const r = pick(routes);
      const path = r.pattern.replace(/\{(\w+)\*?\}/g, () => id);
      const body = r.method === "POST" ? pick(['{"Cmd":["true"]}', '{"Container":"zzz"}', "{}", ""]) : undefined;
      return { method: r.method, path: version + path, body };
    }
    case 3: // unknown paths, random bytes
      return { method: pick(["GET", "POST", "DELETE", "PUT", "PATCH"]), path: `${version}/${Array.from({ length: 1 + Math.floor(next() * 4) }, () => Math.floor(next() * 1e9).toString(36)).join("/")}` };
    case 4: // versions no daemon speaks
      return { method: "GET", path: `/v${pick(["0.1", "1.0", "1.23", "1.51", "2.0", "99.99"])}/info` };
    case 5: // bad query values on real endpoints
      return {
        method: pick(["GET", "POST"]) === "GET" ? "GET" : "POST",
        path: pick([
          `${version}/containers/json?limit=ten`,
          `${version}/containers/json?filters=%7Bbad`,
          `${version}/containers/json?filters=${encodeURIComponent('{"status":5}')}`,
          `${version}/containers/json?filters=${encodeURIComponent('{"colour":["red"]}')}`,
          `${version}/events?since=yesterday`,
          `${version}/events?since=20&until=10`,
          `${version}/images/json?filters=${encodeURIComponent("[1,2]")}`,
          `${version}/containers/zzz/wait?condition=soon`,
          `${version}/containers/zzz/stop?t=abc`,
          `${version}/containers/zzz/logs?stdout=0&stderr=0`,
          `${version}/containers/zzz/resize?h=-1&w=x`,
          `${version}/images/create`,
          `${version}/images/create?fromImage=..%2F..%2Fetc`,
          `${version}/containers/zzz/rename?name=..%2Fetc`,
        ]).replace(/^(GET|POST) /, ""),
      };
    case 6: // wrong methods on known paths
      return { method: pick(["PUT", "PATCH", "DELETE"]), path: `${version}${pick(["/containers/json", "/images/json", "/info", "/version", "/networks/create"])}` };
    case 7: // path traversal and odd encodings in names
      return { method: "GET", path: `${version}/${pick(["containers", "images", "networks", "volumes", "exec"])}/${pick(["..%2F..%2F..%2Fetc%2Fshadow", "%2e%2e%2f%2e%2e%2f", "..%5C..%5Cwindows", "%E0%A4%A", "%c0%ae%c0%ae", "%"])}/json` };
    default: // names that dockerd refuses at create
      return { method: "POST", path: `${version}/containers/create?name=${encodeURIComponent(pick(["../x", "/", "-lead", "a b", "x".repeat(300) + "/", "é", ".."]))}`, body: '{"Image":"busybox"}' };
  }
}

async function snapshot(): Promise<string> {
  const r = await h(new Request("http://localhost/containers/json?all=1"));
  const rows = (await r.json()) as { Id: string; Names: string[]; State: string }[];
  return JSON.stringify(rows.map((c) => [c.Id, c.Names, c.State]).sort());
}

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 } });
  h = createDockerHandler(vch);
  await (await h(new Request("http://localhost/images/create?fromImage=busybox&tag=latest", { method: "POST" }))).text();
  for (const [name, cmd, start] of [["keep-running", ["sleep", "1000000"], true], ["keep-created", ["true"], false], ["keep-exited", ["true"], true]] as const) {
    const c = (await (await h(new Request(`http://localhost/containers/create?name=${name}`, { method: "POST", body: JSON.stringify({ Image: "busybox", Cmd: cmd }) }))).json()) as { Id: string };
    if (start) {
      await h(new Request(`http://localhost/containers/${c.Id}/start`, { method: "POST" }));
      if (name === "keep-exited") await (await h(new Request(`http://localhost/containers/${c.Id}/wait`, { method: "POST" }))).text();
    }
  }
  before = await snapshot();
  server = await serveDocker(h, { listen: "tcp://127.0.0.1:0" });
});
afterAll(async () => {
  await server?.close();
  await vch?.close();
});

async function expectDockerError(r: Response, what: string): Promise<void> {
  if (r.status < 400 || r.status > 599) throw new Error(`${what}: answered ${r.status}: ${await r.text()}`);
  expect(r.headers.get("content-type"), what).toBe("application/json");
  expect(r.headers.get("api-version"), what).toBe("1.50");
  const body = (await r.json()) as { message?: unknown };
  expect(Object.keys(body), what).toEqual(["message"]);
  expect(typeof body.message, what).toBe("string");
  expect(String(body.message), what).not.toMatch(/\n\s+at /); // never a stack trace
}

describe("malformed requests", () => {
  test("10,000 through the handler: all 4xx/5xx in Docker's shape, nothing changed", async () => {
    const next = rng(20261125);
    for (let i = 0; i < 10_000; i++) {
      const bad = generate(next);
      let request: Request;
      try {
        request = new Request(`http://localhost${bad.path}`, { method: bad.method, body: bad.body });
      } catch {
        continue; // not even a URL the Fetch API builds: no server would see it
      }
      await expectDockerError(await h(request), `#${i} ${bad.method} ${bad.path} ${bad.body?.slice(0, 60) ?? ""}`);
    }
    expect(await snapshot()).toBe(before);
  }, 240_000);

  test("huge bodies are refused (413) without reading them whole", async () => {
    for (const path of ["/containers/create", "/networks/create", "/containers/keep-running/exec"]) {
      const huge = JSON.stringify({ Image: "busybox", Env: ["X=" + "x".repeat(6 << 20)] });
      const r = await h(new Request(`http://localhost${path}`, { method: "POST", body: huge }));
      expect(r.status).toBe(413);
      await expectDockerError(r, path);
    }
    expect(await snapshot()).toBe(before);
  }, 120_000);

  test("600 through the socket, plus broken HTTP: the server answers each and stays up", async () => {
    const next = rng(7);
    const base = `http://127.0.0.1:${server.port}`;
    for (let i = 0; i < 600; i++) {
      const bad = generate(next);
      const r = await fetch(base + bad.path, { method: bad.method, body: bad.body });
      if (bad.method === "HEAD") {
        // HTTP gives a HEAD answer no body: the status and Docker's headers say it all.
        expect(r.status, `socket #${i} HEAD ${bad.path}`).toBeGreaterThanOrEqual(400);
        expect(r.headers.get("content-type"), `socket #${i} HEAD ${bad.path}`).toBe("application/json");
        expect(await r.text()).toBe("");
        continue;
      }
      await expectDockerError(r, `socket #${i} ${bad.method} ${bad.path}`);
    }
    // Headers over Node's limit, and bytes that are not HTTP at all.
    const raw = async (payload: string): Promise<string> =>
      new Promise((resolve) => {
        const s = connect(server.port, "127.0.0.1", () => s.write(payload));
        let got = "";
        s.on("data", (d) => (got += d.toString()));
        s.on("close", () => resolve(got));
        s.on("error", () => resolve(got));
        setTimeout(() => s.destroy(), 3000);
      });
    const bigHeader = await raw(`GET /info HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`);
    expect(bigHeader).toMatch(/^HTTP\/1\.1 431 /);
    expect(bigHeader).toContain('{"message":"request headers are too large"}');
    const garbage = await raw("\x16\x03\x01\x02\x00 not http at all\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage).toContain("Content-Type: application/json");
    const ping = await fetch(`${base}/_ping`);
    expect(await ping.text()).toBe("OK");
    expect(await snapshot()).toBe(before);
  }, 240_000);
});
