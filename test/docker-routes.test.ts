// The Docker API's parsing layer: routing, dockerd's query parsing, body checks, framing.
// No Virtual Container Host here: parsing never touches state.
import { describe, expect, test } from "vitest";
import { parseRequest } from "../bindings/docker/routes.js";
import { ApiError, demultiplex, errorResponse, frame, fromWebRequest, parseBool, parseFilters, parseTimeArg, rfc3339Nano, toWebResponse, type ApiRequest } from "../bindings/docker/http.js";
import { VchError } from "../bindings/vch/errors.js";

const req = (method: string, path: string, body?: unknown): ApiRequest =>
  fromWebRequest(new Request(`http://localhost${path}`, { method, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) }));

async function parseError(r: ApiRequest): Promise<ApiError> {
  try {
    await parseRequest(r);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error(`${r.method} ${r.url} parsed without error`);
}

describe("routing", () => {
  test.each([
    // [method, path, kind] — versioned and unversioned paths reach the same route
    ["HEAD", "/_ping", "ping"],
    ["GET", "/v1.50/_ping", "ping"],
    ["GET", "/v1.24/version", "version"],
    ["GET", "/info", "info"],
    ["GET", "/v1.50/containers/json?all=1", "containerList"],
    ["GET", "/v1.50/containers/web/json", "containerInspect"],
    ["GET", "/v1.50/containers/json/json", "containerInspect"], // a container named "json"
    ["POST", "/v1.50/containers/abc/wait?condition=next-exit", "containerWait"],
    ["DELETE", "/v1.50/containers/abc?force=1", "containerRemove"],
    ["GET", "/v1.50/images/docker.io/library/busybox:latest/json", "imageInspect"], // names hold slashes
    ["DELETE", "/v1.50/images/myorg/app:1.0", "imageRemove"],
    ["POST", "/v1.50/images/busybox/tag?repo=me/box&tag=v1", "imageTag"],
    ["POST", "/v1.50/exec/0123/start", "execStart"],
    ["GET", "/v1.50/networks/bridge", "networkInspect"],
    ["GET", "/v1.50/volumes/data", "volumeInspect"],
    ["POST", "/v1.50/volumes/prune", "volumePrune"],
    ["GET", "/v1.50/containers/abc/logs?stdout=1", "containerLogs"],
  ])("%s %s → %s", async (method, path, kind) => {
    expect((await parseRequest(req(method, path))).kind).toBe(kind);
  });

  test("image names keep their slashes and tags", async () => {
    const a = await parseRequest(req("GET", "/v1.50/images/docker.io/library/busybox:latest/json"));
    expect(a).toEqual({ kind: "imageInspect", name: "docker.io/library/busybox:latest" });
  });

  test("path parameters are URL-decoded", async () => {
    const a = await parseRequest(req("GET", "/containers/%2Fweb/json"));
    expect(a).toMatchObject({ kind: "containerInspect", id: "/web" });
  });

  test("versions outside 1.24…1.50 are refused as dockerd refuses them", async () => {
    expect((await parseError(req("GET", "/v1.12/info"))).message).toBe(
      "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version",
    );
    const tooNew = await parseError(req("GET", "/v1.51/info"));
    expect(tooNew.status).toBe(400);
    expect(tooNew.message).toContain("too new");
  });

  test("unknown paths are 404 page not found; a known path with the wrong method is 405", async () => {
    expect(await parseError(req("GET", "/v1.50/nothing/here"))).toMatchObject({ status: 404, message: "page not found" });
    expect((await parseError(req("PUT", "/v1.50/containers/json"))).status).toBe(405);
  });

  test.each([
    ["GET", "/v1.50/images/search", "registry search"],
    ["POST", "/v1.50/images/busybox/push", "image push"],
    ["POST", "/v1.50/auth", "registry login"],
    ["POST", "/v1.50/swarm/init", "swarm"],
    ["POST", "/v1.50/plugins/pull?remote=vieux/sshfs", "plugins"],
  ])("%s %s is a 501 naming what is missing", async (method, path, what) => {
    const a = await parseRequest(req(method, path));
    expect(a.kind).toBe("unimplemented");
    expect((a as { what: string }).what).toContain(what);
  });
});

describe("what dockerd answers on a node in no swarm and with no plugins", () => {
  const notManager = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
  test.each([
    ["POST", "/v1.44/swarm/leave?force=True", 503, "This node is not part of a swarm"],
    ["GET", "/v1.50/swarm", 503, notManager],
    ["POST", "/swarm/update?version=1", 503, notManager],
    ["GET", "/v1.50/services", 503, notManager],
    ["GET", "/v1.50/nodes/abc", 503, notManager],
    ["DELETE", "/v1.50/secrets/s1", 503, notManager],
    ["GET", "/v1.50/configs", 503, notManager],
    ["GET", "/v1.50/tasks", 503, notManager],
    ["GET", "/v1.50/plugins/vieux/sshfs:latest/json", 404, 'plugin "vieux/sshfs:latest" not found'],
    ["POST", "/v1.50/plugins/sshfs/enable", 404, 'plugin "sshfs" not found'],
    ["DELETE", "/v1.50/plugins/sshfs?force=1", 404, 'plugin "sshfs" not found'],
  ])("%s %s answers %i", async (method, path, status, message) => {
    expect(await parseError(req(method, path))).toMatchObject({ status, message });
  });

  test("the plugin list is a list, empty", async () => {
    expect(await parseRequest(req("GET", "/v1.50/plugins"))).toEqual({ kind: "pluginList" });
  });
});

describe("dockerd's query parsing", () => {
  test.each([
    // value → boolean, as dockerd's BoolValue reads it
    ["1", true], ["true", true], ["True", true], ["yes", true], ["on", true],
    ["", false], ["0", false], ["no", false], ["false", false], ["False", false], ["none", false], [" NONE ", false],
  ])("bool %j → %s", (v, want) => expect(parseBool(v as string)).toBe(want));

  test("an absent bool takes the endpoint's default: stats?stream defaults to true", async () => {
    expect(await parseRequest(req("GET", "/containers/a/stats"))).toMatchObject({ stream: true });
    expect(await parseRequest(req("GET", "/containers/a/stats?stream=0"))).toMatchObject({ stream: false });
    expect(await parseRequest(req("GET", "/containers/a/stats?stream=False"))).toMatchObject({ stream: false });
  });

  test("filters: a map of booleans, or arrays from older clients", () => {
    expect(parseFilters('{"status":{"exited":true,"running":false}}')).toEqual({ status: ["exited"] });
    expect(parseFilters('{"status":["exited","paused"]}')).toEqual({ status: ["exited", "paused"] });
    expect(parseFilters("")).toEqual({});
    expect(() => parseFilters("{not json")).toThrow(ApiError);
    expect(() => parseFilters('{"status":5}')).toThrow(/invalid filter 'status'/);
    expect(() => parseFilters('{"colour":["red"]}', ["status"])).toThrow("invalid filter 'colour'");
  });

  test("a list filter with an unknown name is a 400", async () => {
    const e = await parseError(req("GET", `/containers/json?filters=${encodeURIComponent('{"colour":["red"]}')}`));
    expect(e.status).toBe(400);
  });

  test("limit: 0 and negative (docker-py's -1) mean no limit; junk is a 400", async () => {
    expect(await parseRequest(req("GET", "/containers/json?limit=-1&all=1&size=0&trunc_cmd=0"))).toMatchObject({ limit: undefined, all: true });
    expect(await parseRequest(req("GET", "/containers/json?limit=3"))).toMatchObject({ limit: 3 });
    expect((await parseError(req("GET", "/containers/json?limit=three"))).status).toBe(400);
  });

  test("logs: tail=all, a number, and at least one stream", async () => {
    expect(await parseRequest(req("GET", "/containers/a/logs?stderr=1&stdout=1&tail=all"))).toMatchObject({ tail: undefined, stdout: true, stderr: true });
    expect(await parseRequest(req("GET", "/containers/a/logs?stdout=1&tail=5&timestamps=1&follow=1"))).toMatchObject({ tail: 5, timestamps: true, follow: true });
    expect((await parseError(req("GET", "/containers/a/logs"))).message).toContain("at least one stream");
  });

  test("times: unix seconds, fractional seconds as the CLI sends them, RFC 3339", () => {
    expect(parseTimeArg("1795626000", "since")).toBe(1795626000_000);
    expect(parseTimeArg("1795626000.500000000", "since")).toBe(1795626000_500);
    expect(parseTimeArg("2026-11-25T10:00:00Z", "since")).toBe(Date.parse("2026-11-25T10:00:00Z"));
    expect(() => parseTimeArg("yesterday", "since")).toThrow(ApiError);
  });

  test("wait conditions", async () => {
    expect(await parseRequest(req("POST", "/containers/a/wait"))).toMatchObject({ condition: "not-running" });
    expect(await parseRequest(req("POST", "/containers/a/wait?condition=removed"))).toMatchObject({ condition: "removed" });
    expect((await parseError(req("POST", "/containers/a/wait?condition=soon"))).status).toBe(400);
  });

  test("pull: fromImage with the tag apart, inside the reference, or defaulted", async () => {
    expect(await parseRequest(req("POST", "/images/create?fromImage=docker.io/library/busybox&tag=latest"))).toEqual({ kind: "imagePull", fromImage: "docker.io/library/busybox", tag: "latest" });
    expect(await parseRequest(req("POST", "/images/create?fromImage=busybox:1.36"))).toEqual({ kind: "imagePull", fromImage: "busybox", tag: "1.36" });
    expect(await parseRequest(req("POST", "/images/create?fromImage=localhost:5000/app"))).toEqual({ kind: "imagePull", fromImage: "localhost:5000/app", tag: "latest" });
    expect((await parseError(req("POST", "/images/create"))).status).toBe(400);
    expect((await parseError(req("POST", "/images/create?fromImage=../../etc/passwd"))).status).toBe(400);
  });
});

describe("create body", () => {
  test("only name (and platform) are read from the query, as dockerode copies every field there", async () => {
    const a = await parseRequest(req("POST", "/containers/create?name=web&Image=evil&Cmd=rm", { Image: "busybox", Cmd: ["sleep", "100"] }));
    expect(a).toMatchObject({ kind: "containerCreate", name: "web", config: { Image: "busybox", Cmd: ["sleep", "100"] } });
  });

  test("Cmd and Entrypoint as a string become one-element arrays (Docker's strslice)", async () => {
    const a = await parseRequest(req("POST", "/containers/create", { Image: "busybox", Cmd: "top", Entrypoint: "/bin/sh" }));
    expect(a).toMatchObject({ config: { Cmd: ["top"], Entrypoint: ["/bin/sh"] } });
  });

  test.each([
    // [body, what the 400 says]
    [{ Image: 5 }, "Image must be a string"],
    [{ Image: "busybox", Cmd: [1, 2] }, "Cmd must be a string or an array of strings"],
    [{ Image: "busybox", Env: "A=1" }, "Env must be an array of strings"],
    [{ Image: "busybox", Labels: { a: 1 } }, "Labels must be an object of strings"],
    [{ Image: "busybox", Tty: "yes" }, "Tty must be a boolean"],
    [{ Image: "busybox", HostConfig: { Memory: "1g" } }, "Memory must be an integer"],
    [{ Image: "busybox", HostConfig: { Memory: -1 } }, "must not be negative"],
    [{ Image: "busybox", HostConfig: { RestartPolicy: { Name: "sometimes" } } }, "invalid restart policy"],
    [{ Image: "busybox", HostConfig: { PortBindings: { "80/tcp": [{ HostPort: 8080 }] } } }, "PortBindings"],
    [{ Image: "busybox", ExposedPorts: { "eighty/tcp": {} } }, "invalid port specification"],
    [{ Cmd: ["true"] }, "no image specified"],
    [[], "expected a JSON object"],
    ["{", "invalid JSON body"],
  ])("%j → 400 %s", async (body, message) => {
    const e = await parseError(req("POST", "/containers/create", body));
    expect(e.status).toBe(400);
    expect(e.message).toContain(message);
  });

  test("container names follow dockerd's pattern", async () => {
    const e = await parseError(req("POST", "/containers/create?name=../etc", { Image: "busybox" }));
    expect(e.message).toBe("Invalid container name (../etc), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  });

  test("a body over the limit is a 413", async () => {
    const e = await parseError(req("POST", "/containers/create", JSON.stringify({ Image: "busybox", Env: ["X=" + "x".repeat(5 << 20)] })));
    expect(e.status).toBe(413);
  });

  test("exec create needs a command; exec start reads Detach and Tty", async () => {
    expect((await parseError(req("POST", "/containers/a/exec", { AttachStdout: true }))).message).toBe("No exec command specified");
    expect(await parseRequest(req("POST", "/exec/x/start", { Detach: false, Tty: false }))).toEqual({ kind: "execStart", id: "x", detach: false, tty: false });
    expect(await parseRequest(req("POST", "/exec/x/start"))).toEqual({ kind: "execStart", id: "x", detach: false, tty: false });
    expect((await parseError(req("POST", "/exec/x/start", { Detach: "no" }))).status).toBe(400);
  });
});

describe("wire format", () => {
  test("stdcopy frames: [stream, 0, 0, 0, size BE] payload", () => {
    const f = frame(2, new TextEncoder().encode("hi\n"));
    expect([...f]).toEqual([2, 0, 0, 0, 0, 0, 0, 3, 104, 105, 10]);
    const big = frame(1, new Uint8Array(70000));
    expect([...big.subarray(0, 8)]).toEqual([1, 0, 0, 0, 0, 1, 0x11, 0x70]);
    const both = new Uint8Array([...f, ...frame(1, new TextEncoder().encode("ok"))]);
    expect(demultiplex(both).map((x) => [x.stream, new TextDecoder().decode(x.data)])).toEqual([[2, "hi\n"], [1, "ok"]]);
  });

  test("RFC3339Nano drops trailing zeros as Go does", () => {
    expect(rfc3339Nano(Date.parse("2026-11-25T10:00:00.120Z"))).toBe("2026-11-25T10:00:00.12Z");
    expect(rfc3339Nano(Date.parse("2026-11-25T10:00:00Z"))).toBe("2026-11-25T10:00:00Z");
    expect(rfc3339Nano(Date.parse("2026-11-25T10:00:00Z") + 0.5)).toBe("2026-11-25T10:00:00.0005Z");
  });

  test("errors: Docker's shape, Content-Type exactly application/json, VCH kinds mapped", async () => {
    const cases: [unknown, number][] = [
      [new VchError("invalid", "bad"), 400],
      [new VchError("notFound", "No such container: web"), 404],
      [new VchError("conflict", "in use"), 409],
      [new VchError("internal", "oops"), 500],
      [new Error("boom"), 500],
    ];
    for (const [error, status] of cases) {
      const r = toWebResponse(errorResponse(error));
      expect(r.status).toBe(status);
      expect(r.headers.get("content-type")).toBe("application/json");
      expect(r.headers.get("api-version")).toBe("1.50");
      expect(r.headers.get("ostype")).toBe("linux");
      expect(r.headers.get("docker-experimental")).toBe("false");
      expect(r.headers.get("server")).toMatch(/^vicsim\/\S+ \(linux\)$/);
      expect(await r.json()).toEqual({ message: (error as Error).message });
    }
    const notModified = toWebResponse(errorResponse(new VchError("notModified", "already started")));
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeNull();
  });
});
