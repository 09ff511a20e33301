/**
 * The routing table of the Docker Engine API: one dispatch on (method, path) into `parse…`
 * functions that build typed actions. Nothing here touches the Virtual Container Host.
 */
import type { Action, CreateBody, ExecBody, Filters, WaitCondition } from "./actions.js";
import { ApiError, API_VERSION, MIN_API_VERSION, badRequest, parseBool, parseFilters, parseTimeArg, queryBool, queryInt, readJson, type ApiRequest } from "./http.js";
import { FILTER_KEYS } from "../vch/filters.js";
import { parseReference, validReference } from "../vch/catalogue.js";
import { archiveRoutes } from "./archive.js";
import { absentAnswer } from "./absent.js";
import { checkCreateBody, checkExecBody, checkField, checkReference, objectBody, UPDATE_FIELDS } from "./bodies.js";

/** What a parse function sees: the path parameters, the query and the request (for its body). */
export interface RouteInput {
  params: Record<string, string>;
  query: URLSearchParams;
  request: ApiRequest;
  /** The path's API version as a number (1.44 → 1044); the newest when the path has none. */
  apiVersion: number;
}

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  names: string[];
  parse: (input: RouteInput) => Action | Promise<Action>;
}

const routes: Route[] = [];
/** Routes by their first path segment (`/containers`), so a request tries only its own family. */
const routesBySegment = new Map<string, Route[]>();

/** Adds a route; `{x}` matches one path segment, `{x*}` one or more (image names hold slashes). */
function route(method: string, pattern: string, parse: Route["parse"]): void {
  const names: string[] = [];
  const source = pattern.replace(/\{(\w+)(\*?)\}/g, (_, name: string, greedy: string) => {
    names.push(name);
    return greedy ? "(.+)" : "([^/]+)";
  });
  const r: Route = { method, pattern, regex: new RegExp(`^${source}/?$`), names, parse };
  routes.push(r);
  const first = "/" + pattern.split("/")[1];
  routesBySegment.set(first, [...(routesBySegment.get(first) ?? []), r]);
}

/** `major.minor` as one comparable number (1.50 → 1050). */
const versionNumber = (v: string): number => Number(v.split(".")[0]) * 1000 + Number(v.split(".")[1]);
const MIN_VERSION = versionNumber(MIN_API_VERSION);
const MAX_VERSION = versionNumber(API_VERSION);

/**
 * Matches a request to its route and parses it into an action. Versioned paths `/v1.24`…`/v1.50`
 * and unversioned paths are the same route; versions outside that range are refused as dockerd does.
 */
export async function parseRequest(request: ApiRequest): Promise<Action> {
  // The path and query of an absolute URL, without a URL object on every request.
  const afterHost = request.url.indexOf("/", request.url.indexOf("//") + 2);
  const target = afterHost < 0 ? "/" : request.url.slice(afterHost);
  const q = target.indexOf("?");
  let path = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
  if (path.includes("/.") || path.includes("//")) path = new URL("http://localhost" + path).pathname; // dot segments, as a URL parser resolves them
  const version = /^\/v(\d+)\.(\d+)(\/.*)$/.exec(path);
  let apiVersion = MAX_VERSION;
  if (version) {
    const v = Number(version[1]) * 1000 + Number(version[2]);
    if (v < MIN_VERSION)
      throw badRequest(`client version ${version[1]}.${version[2]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
    if (v > MAX_VERSION)
      throw badRequest(`client version ${version[1]}.${version[2]} is too new. Maximum supported API version is ${API_VERSION}`);
    path = version[3];
    apiVersion = v;
  }
  const method = request.method.toUpperCase();
  let pathMatched = false;
  const slash = path.indexOf("/", 1);
  const first = slash < 0 ? path : path.slice(0, slash);
  for (const r of routesBySegment.get(first) ?? []) {
    const m = r.regex.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      pathMatched = true;
      continue;
    }
    const params: Record<string, string> = {};
    for (let i = 0; i < r.names.length; i++) {
      let value: string;
      try {
        value = decodeURIComponent(m[i + 1]);
      } catch {
        throw badRequest(`invalid ${r.names[i]} in path: ${JSON.stringify(m[i + 1].slice(0, 100))}`);
      }
      if (value === "" || value.includes("\0")) throw badRequest(`invalid ${r.names[i]} in path`);
      params[r.names[i]] = value;
    }
    return r.parse({ params, query, request, apiVersion });
  }
  const absent = absentAnswer(method, path);
  if (absent) throw absent;
  const missing = unimplemented(method, path);
  if (missing) return { kind: "unimplemented", what: missing };
  if (pathMatched) throw new ApiError(405, `method ${method} is not allowed on ${path}`);
  throw new ApiError(404, "page not found");
}

// ── system ────────────────────────────────────────────────────────────────────────────────────
route("GET", "/_ping", () => ({ kind: "ping", head: false }));
route("HEAD", "/_ping", () => ({ kind: "ping", head: true }));
route("GET", "/version", () => ({ kind: "version" }));
route("GET", "/info", () => ({ kind: "info" }));
route("GET", "/system/df", () => ({ kind: "systemDf" }));
route("GET", "/events", ({ query }) => {
  const since = parseTimeArg(query.get("since"), "since");
  const until = parseTimeArg(query.get("until"), "until");
  if (since !== undefined && until !== undefined && until < since) throw badRequest("`since` time must be before `until`");
  return {
    kind: "events",
    since,
    until,
    filters: parseFilters(query.get("filters"), ["config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret", "service", "type", "volume"]),
  };
});

// ── images ────────────────────────────────────────────────────────────────────────────────────
route("POST", "/images/create", ({ query }) => {
  if (query.get("fromSrc")) return parseImport(query);
  let fromImage = query.get("fromImage") ?? "";
  if (fromImage === "") throw badRequest("fromImage is required: the image to pull, e.g. busybox");
  let tag = query.get("tag") ?? "";
  // `busybox@sha256:…` or `busybox:1.36` with an empty tag: the reference carries it.
  if (!tag) {
    const at = fromImage.indexOf("@");
    const colon = fromImage.lastIndexOf(":");
    if (at >= 0) {
      tag = fromImage.slice(at + 1);
      fromImage = fromImage.slice(0, at);
    } else if (colon > fromImage.lastIndexOf("/")) {
      tag = fromImage.slice(colon + 1);
      fromImage = fromImage.slice(0, colon);
    } else tag = "latest";
  }
  checkReference(fromImage, "fromImage");
  return { kind: "imagePull", fromImage, tag };
});
route("GET", "/images/json", ({ query }) => ({
  kind: "imageList",
  all: queryBool(query, "all"),
  digests: queryBool(query, "digests"),
  filters: parseFilters(query.get("filters"), ["before", "dangling", "label", "reference", "since", "until"]),
}));
route("POST", "/images/prune", ({ query }) => ({ kind: "imagePrune", filters: parseFilters(query.get("filters"), FILTER_KEYS.imagePrune) }));
route("GET", "/images/{name*}/json", ({ params }) => ({ kind: "imageInspect", name: checkReference(params.name, "image") }));
route("POST", "/images/{name*}/tag", ({ params, query }) => {
  const repo = query.get("repo") ?? "";
  if (!repo) throw badRequest("repo is required: the repository to tag in, e.g. myorg/busybox");
  return { kind: "imageTag", name: checkReference(params.name, "image"), repo: checkReference(repo, "repo"), tag: query.get("tag") || "latest" };
});
route("DELETE", "/images/{name*}", ({ params, query }) => ({
  kind: "imageRemove",
  name: checkReference(params.name, "image"),
  force: queryBool(query, "force"),
  noprune: queryBool(query, "noprune"),
}));

// ── images made here: docker build, history, save, load, import (bindings/builder) ──────────
route("POST", "/build", ({ query }) => parseBuild(query));
route("GET", "/images/{name*}/history", ({ params }) => ({ kind: "imageHistory", name: checkReference(params.name, "image") }));
route("GET", "/images/get", ({ query }) => {
  const names = query.getAll("names").flatMap((n) => n.split(",")).filter(Boolean);
  if (names.length === 0) throw badRequest("names is required: the images to save");
  return { kind: "imageSave", names: names.map((n) => checkReference(n, "names")) };
});
route("GET", "/images/{name*}/get", ({ params }) => ({ kind: "imageSave", names: [checkReference(params.name, "image")] }));
route("POST", "/images/load", ({ query }) => ({ kind: "imageLoad", quiet: queryBool(query, "quiet") }));
route("POST", "/commit", async ({ query, request }) => {
  const container = query.get("container") ?? "";
  if (!container) throw badRequest("container is required: the container to commit");
  const repo = query.get("repo") ?? "";
  const tag = query.get("tag") ?? "";
  const config = objectBody(await readJson(request, 1 << 20, {}), "commit");
  return {
    kind: "imageCommit", container, comment: query.get("comment") ?? "", author: query.get("author") ?? "", changes: query.getAll("changes"), config,
    tag: repo ? imageTag(tag && !repo.slice(repo.lastIndexOf("/")).includes(":") ? `${repo}:${tag}` : repo, "repo") : undefined,
  };
});

/** A `repo[:tag]` the way dockerd normalises it (`docker.io/library/x` → `x:latest`), or a 400. */
function imageTag(raw: string, what: string): string {
  const { repo, tag } = parseReference(raw);
  if (!validReference(repo, tag) || raw.includes("@")) throw badRequest(`invalid reference format${what ? ` for ${what}` : ""}: ${raw.slice(0, 200)}`);
  return `${repo}:${tag}`;
}

function jsonMap(raw: string | null, key: string): Record<string, string | null> {
  if (!raw) return {};
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw badRequest(`invalid ${key}: not JSON`); }
  if (!v || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => x !== null && typeof x !== "string")) throw badRequest(`invalid ${key}: a JSON object of strings is expected`);
  return v as Record<string, string | null>;
}

/** A JSON array of strings (`cachefrom`; null is none, as dockerd reads it), or a 400. */
function stringList(raw: string, key: string): string[] {
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw badRequest(`invalid ${key}: not JSON`); }
  if (v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw badRequest(`invalid ${key}: a JSON array of strings is expected`);
  return v as string[];
}

function parseBuild(query: URLSearchParams): Action {
  if (query.get("remote")) throw badRequest("remote build contexts are not supported: vicsim has no network; send the context as the request body");
  if (query.get("version") === "2") throw badRequest("BuildKit is not supported: vicsim serves the classic builder (version=1)");
  const platform = query.get("platform") ?? "";
  // wasi/wasm: the image's entrypoint is a WASI program a real guest runs (README, "Real guests").
  if (platform && !/^(linux(\/amd64)?|wasi\/wasm)$/.test(platform)) throw badRequest(`platform "${platform.slice(0, 100)}" is not supported: vicsim's container VMs are linux/amd64, or wasi/wasm for WASI programs`);
  const labels = jsonMap(query.get("labels"), "labels");
  return {
    kind: "imageBuild",
    options: {
      dockerfile: query.get("dockerfile") || undefined,
      tags: query.getAll("t").filter(Boolean).map((t) => imageTag(t, "")),
      buildArgs: jsonMap(query.get("buildargs"), "buildargs"),
      labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? ""])),
      noCache: queryBool(query, "nocache"),
      quiet: queryBool(query, "q"),
      target: query.get("target") || undefined,
      ...(query.get("cachefrom") ? { cacheFrom: stringList(query.get("cachefrom")!, "cachefrom") } : {}),
      ...(platform === "wasi/wasm" ? { platform } : {}),
      ...(query.get("networkmode") ? { networkMode: query.get("networkmode")! } : {}),
      ...(query.getAll("extrahosts").some(Boolean) ? { extraHosts: query.getAll("extrahosts").filter(Boolean) } : {}),
    },
  };
}

function parseImport(query: URLSearchParams): Action {
  if (query.get("fromSrc") !== "-") throw badRequest("importing from a URL is not supported: vicsim has no network; send the tar as the request body (fromSrc=-)");
  const repo = query.get("repo") ?? "";
  const tag = query.get("tag") ?? "";
  return {
    kind: "imageImport",
    tag: repo ? imageTag(tag && !repo.slice(repo.lastIndexOf("/")).includes(":") ? `${repo}:${tag}` : repo, "repo") : undefined,
    changes: query.getAll("changes"),
    message: query.get("message") ?? "",
  };
}

// ── containers ────────────────────────────────────────────────────────────────────────────────
route("GET", "/containers/json", ({ query }) => {
  const limit = queryInt(query, "limit", undefined);
  return {
    kind: "containerList",
    all: queryBool(query, "all"),
    // dockerd treats 0 and negative limits (docker-py sends -1) as no limit.
    limit: limit !== undefined && limit > 0 ? limit : undefined,
    size: queryBool(query, "size"),
    filters: parseFilters(query.get("filters"), FILTER_KEYS.containerList),
  };
});
route("POST", "/containers/create", async ({ query, request }) => {
  // dockerode copies every body field into the query: only `name` and `platform` count here.
  const rawName = query.get("name");
  let name: string | undefined;
  if (rawName != null && rawName !== "") {
    if (!/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(rawName)) throw badRequest(`Invalid container name (${rawName.slice(0, 200)}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    name = rawName.replace(/^\//, "");
  }
  const body = await readJson(request);
  return { kind: "containerCreate", name, config: checkCreateBody(body) };
});
route("POST", "/containers/prune", ({ query }) => ({ kind: "containerPrune", filters: parseFilters(query.get("filters"), FILTER_KEYS.containerPrune) }));
route("GET", "/containers/{id}/json", ({ params, query, apiVersion }) => ({ kind: "containerInspect", id: params.id, size: queryBool(query, "size"), shortIdAlias: apiVersion < 1045 }));
route("POST", "/containers/{id}/start", ({ params, query }) => {
  if (query.get("checkpoint")) return { kind: "unimplemented", what: "checkpoints" };
  return { kind: "containerStart", id: params.id };
});
route("POST", "/containers/{id}/stop", ({ params, query }) => ({ kind: "containerStop", id: params.id, timeout: queryInt(query, "t", undefined), signal: signalArg(query.get("signal")) }));
route("POST", "/containers/{id}/restart", ({ params, query }) => ({ kind: "containerRestart", id: params.id, timeout: queryInt(query, "t", undefined), signal: signalArg(query.get("signal")) }));
route("POST", "/containers/{id}/kill", ({ params, query }) => ({ kind: "containerKill", id: params.id, signal: signalArg(query.get("signal")) ?? "SIGKILL" }));
route("POST", "/containers/{id}/pause", ({ params }) => ({ kind: "containerPause", id: params.id }));
route("POST", "/containers/{id}/unpause", ({ params }) => ({ kind: "containerUnpause", id: params.id }));
route("POST", "/containers/{id}/wait", ({ params, query }) => {
  const condition = query.get("condition") || "not-running";
  if (condition !== "not-running" && condition !== "next-exit" && condition !== "removed")
    throw badRequest(`invalid condition: ${JSON.stringify(condition.slice(0, 100))}, expected not-running, next-exit or removed`);
  return { kind: "containerWait", id: params.id, condition: condition as WaitCondition };
});
// A legacy link is removed by its name, PARENT/ALIAS, with link=1 (`docker rm --link`).
route("DELETE", "/containers/{parent}/{alias}", ({ params, query }) => {
  if (!queryBool(query, "link")) throw new ApiError(404, "page not found");
  return { kind: "containerRemoveLink", parent: params.parent, alias: params.alias };
});
route("DELETE", "/containers/{id}", ({ params, query }) => ({
  kind: "containerRemove",
  id: params.id,
  force: queryBool(query, "force"),
  volumes: queryBool(query, "v"),
  link: queryBool(query, "link"),
}));
route("GET", "/containers/{id}/logs", ({ params, query }) => {
  const stdout = queryBool(query, "stdout");
  const stderr = queryBool(query, "stderr");
  if (!stdout && !stderr) throw badRequest("Bad parameters: you must choose at least one stream");
  const tailRaw = query.get("tail");
  let tail: number | undefined;
  if (tailRaw != null && tailRaw !== "" && tailRaw !== "all") {
    tail = queryInt(query, "tail", undefined);
    if (tail !== undefined && tail < 0) tail = undefined;
  }
  return {
    kind: "containerLogs",
    id: params.id,
    stdout,
    stderr,
    follow: queryBool(query, "follow"),
    since: parseTimeArg(query.get("since"), "since") || undefined,
    until: parseTimeArg(query.get("until"), "until") || undefined,
    tail,
    timestamps: queryBool(query, "timestamps"),
  };
});
archiveRoutes(route); // container files: archive (docker cp), export, changes
/** An attach's query, the same for the hijacked and the WebSocket attach. */
const attachAction = ({ params, query }: RouteInput, raw?: true): Action => ({
  kind: "containerAttach",
  id: params.id,
  stream: queryBool(query, "stream"),
  logs: queryBool(query, "logs"),
  stdin: queryBool(query, "stdin"),
  stdout: queryBool(query, "stdout"),
  stderr: queryBool(query, "stderr"),
  detachKeys: query.get("detachKeys") ?? undefined,
  ...(raw ? { raw } : {}),
});
route("POST", "/containers/{id}/attach", (input) => attachAction(input));
// dockerd's WebSocket attach: the same attach, raw output whatever the TTY (websocket.ts).
route("GET", "/containers/{id}/attach/ws", (input) => attachAction(input, true));
route("GET", "/containers/{id}/stats", ({ params, query }) => ({
  kind: "containerStats",
  id: params.id,
  stream: queryBool(query, "stream", true),
  oneShot: queryBool(query, "one-shot"),
}));
route("POST", "/containers/{id}/rename", ({ params, query }) => {
  const name = query.get("name") ?? "";
  if (!/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) throw badRequest(`Invalid container name (${name.slice(0, 200)}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return { kind: "containerRename", id: params.id, name: name.replace(/^\//, "") };
});
route("GET", "/distribution/{name*}/json", ({ params }) => ({ kind: "distributionInspect", name: checkReference(params.name, "name") }));
route("POST", "/containers/{id}/update", async ({ params, request }) => {
  const b = objectBody(await readJson(request, 1 << 20, {}), "container update");
  for (const [k, t] of UPDATE_FIELDS) checkField(b, k, t, "container update");
  if (b.RestartPolicy != null) {
    const r = b.RestartPolicy as Record<string, unknown>;
    checkField(r, "Name", "string", "container update RestartPolicy");
    checkField(r, "MaximumRetryCount", "integer", "container update RestartPolicy");
  }
  for (const k of ["Memory", "MemoryReservation", "NanoCpus", "CpuShares"]) if (typeof b[k] === "number" && (b[k] as number) < 0) throw badRequest(`invalid ${k}: must not be negative`);
  return { kind: "containerUpdate", id: params.id, update: b };
});
route("GET", "/containers/{id}/top", ({ params, query }) => ({ kind: "containerTop", id: params.id, psArgs: query.get("ps_args") ?? "-ef" }));
route("POST", "/containers/{id}/resize", ({ params, query }) => ({ kind: "containerResize", id: params.id, ...terminalSize(query) }));

// ── exec ──────────────────────────────────────────────────────────────────────────────────────
route("POST", "/containers/{id}/exec", async ({ params, request }) => ({ kind: "execCreate", id: params.id, config: checkExecBody(await readJson(request)) }));
route("POST", "/exec/{id}/start", async ({ params, request }) => {
  const body = (await readJson(request, 1 << 20, {})) as unknown;
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("invalid exec start body: expected a JSON object");
  const b = body as Record<string, unknown>;
  checkField(b, "Detach", "boolean", "exec start");
  checkField(b, "Tty", "boolean", "exec start");
  return { kind: "execStart", id: params.id, detach: b.Detach === true, tty: b.Tty === true };
});
route("GET", "/exec/{id}/json", ({ params }) => ({ kind: "execInspect", id: params.id }));
route("POST", "/exec/{id}/resize", ({ params, query }) => ({ kind: "execResize", id: params.id, ...terminalSize(query) }));

// ── networks ──────────────────────────────────────────────────────────────────────────────────
route("GET", "/networks", ({ query }) => ({ kind: "networkList", filters: parseFilters(query.get("filters"), FILTER_KEYS.networkList) }));
route("POST", "/networks/create", async ({ request }) => {
  const body = await readJson(request);
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("invalid network create body: expected a JSON object with Name");
  const b = body as Record<string, unknown>;
  for (const [k, t] of [["Name", "string"], ["Driver", "string"], ["Internal", "boolean"], ["Attachable", "boolean"], ["EnableIPv6", "boolean"], ["Labels", "stringMap"], ["Options", "stringMap"], ["IPAM", "object"]] as const)
    checkField(b, k, t, "network create");
  if (typeof b.Name !== "string" || b.Name === "") throw badRequest("network name is required (Name)");
  // dockerd takes any name, spaces too ("test 01"); control characters would corrupt listings.
  if (/[\x00-\x1f\x7f]/.test(b.Name)) throw badRequest(`invalid network name ${JSON.stringify(b.Name.slice(0, 200))}: control characters are not allowed`);
  return { kind: "networkCreate", config: b as Record<string, unknown> & { Name: string } };
});
route("POST", "/networks/prune", ({ query }) => ({ kind: "networkPrune", filters: parseFilters(query.get("filters"), FILTER_KEYS.networkPrune) }));
route("GET", "/networks/{id}", ({ params, query }) => ({ kind: "networkInspect", id: params.id, verbose: queryBool(query, "verbose") }));
route("DELETE", "/networks/{id}", ({ params }) => ({ kind: "networkRemove", id: params.id }));
route("POST", "/networks/{id}/connect", async ({ params, request }) => {
  const b = objectBody(await readJson(request), "network connect");
  checkField(b, "Container", "string", "network connect");
  checkField(b, "EndpointConfig", "object", "network connect");
  if (!b.Container) throw badRequest("Container is required: the container to connect");
  return { kind: "networkConnect", id: params.id, container: b.Container as string, endpoint: (b.EndpointConfig as Record<string, unknown>) ?? undefined };
});
route("POST", "/networks/{id}/disconnect", async ({ params, request }) => {
  const b = objectBody(await readJson(request), "network disconnect");
  checkField(b, "Container", "string", "network disconnect");
  checkField(b, "Force", "boolean", "network disconnect");
  if (!b.Container) throw badRequest("Container is required: the container to disconnect");
  return { kind: "networkDisconnect", id: params.id, container: b.Container as string, force: b.Force === true };
});

// ── volumes ───────────────────────────────────────────────────────────────────────────────────
route("GET", "/volumes", ({ query }) => ({ kind: "volumeList", filters: parseFilters(query.get("filters"), FILTER_KEYS.volumeList) }));
route("POST", "/volumes/create", async ({ request }) => {
  const b = objectBody(await readJson(request, 1 << 20, {}), "volume create");
  for (const [k, t] of [["Name", "string"], ["Driver", "string"], ["DriverOpts", "stringMap"], ["Labels", "stringMap"]] as const) checkField(b, k, t, "volume create");
  if (b.Name && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(b.Name as string))
    throw badRequest(`"${(b.Name as string).slice(0, 200)}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  return { kind: "volumeCreate", config: b as { Name?: string } };
});
route("POST", "/volumes/prune", ({ query }) => ({ kind: "volumePrune", filters: parseFilters(query.get("filters"), FILTER_KEYS.volumePrune) }));
route("GET", "/volumes/{name}", ({ params }) => ({ kind: "volumeInspect", name: params.name }));
route("DELETE", "/volumes/{name}", ({ params, query }) => ({ kind: "volumeRemove", name: params.name, force: queryBool(query, "force") }));

// vicsim has no plugins: the list is empty and a named one does not exist (absent.ts); `docker
// inspect NAME` tries plugins after containers, images, networks and volumes, and only a 404 lets it
// say "No such object".
route("GET", "/plugins", () => ({ kind: "pluginList" }));

// ── what vicsim does not serve ───────────────────────────────────────────────────────────────
/** Endpoints of API 1.50 that vicsim does not implement, by path prefix: answered 501. */
const UNIMPLEMENTED: [RegExp, string][] = [
  [/^\/session$/, "build sessions"],
  [/^\/grpc$/, "BuildKit"],
  [/^\/images\/.+\/push$/, "image push"],
  [/^\/images\/search$/, "registry search"],
  [/^\/auth$/, "registry login"],
  [/^\/containers\/[^/]+\/changes$/, "container changes"],
  [/^\/plugins(\/|$)/, "plugins"],
  [/^\/swarm(\/|$)/, "swarm"],
  [/^\/nodes(\/|$)/, "swarm nodes"],
  [/^\/services(\/|$)/, "swarm services"],
  [/^\/tasks(\/|$)/, "swarm tasks"],
  [/^\/secrets(\/|$)/, "swarm secrets"],
  [/^\/configs(\/|$)/, "swarm configs"],
];

function unimplemented(method: string, path: string): string | undefined {
  for (const [re, what] of UNIMPLEMENTED) if (re.test(path)) return `${what} (${method} ${path.length > 100 ? path.slice(0, 100) + "…" : path})`;
  return undefined;
}

// ── checks ────────────────────────────────────────────────────────────────────────────────────
function signalArg(raw: string | null): string | undefined {
  if (raw == null || raw === "") return undefined;
  if (!/^(SIG)?[A-Z0-9+-]{1,12}$/i.test(raw)) throw badRequest(`Invalid signal: ${raw.slice(0, 40)}`);
  return raw;
}

function terminalSize(query: URLSearchParams): { h: number; w: number } {
  const h = queryInt(query, "h", 0)!;
  const w = queryInt(query, "w", 0)!;
  if (h < 0 || w < 0 || h > 65535 || w > 65535) throw badRequest("invalid terminal size: h and w must be between 0 and 65535");
  return { h, w };
}

/** Used by fuzz tests: every route pattern, to aim malformed requests at real endpoints. */
export const routePatterns = (): { method: string; pattern: string }[] => routes.map(({ method, pattern }) => ({ method, pattern }));
export { parseBool };
