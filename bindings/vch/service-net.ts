/**
 * The container network as wget, curl and nslookup in a container's shell see it: a name resolves as
 * Docker's embedded DNS (127.0.0.11) resolves it (on a user-defined network: container names, aliases,
 * hostnames and short ids of the containers on a network the caller shares, and the caller's own link
 * aliases; `name.network` on that network only; everywhere: IP addresses), and a request reaches the
 * peer's emulated service. A web server (nginx, httpd) serves the files of its document root from the
 * peer's own filesystem; redis answers its protocol on 6379 (a `tcp:` request); any other port or a
 * stopped peer refuses the connection. Answers and refusals carry the peer's `ip:port`.
 */
import type { ContainerFs } from "../fs/index.js";
import type { NameServer, NetRequest, NetResponse, Network } from "../guests/shell/index.js";
import type { Container } from "./container.js";
import type { EndpointRecord } from "./types.js";
import { redisReply } from "./service-redis.js";

/** Web servers of the catalogue: their port, document root and Server header. */
const WEB_SERVERS: Record<string, { port: number; root: string; server: string }> = {
  nginx: { port: 80, root: "/usr/share/nginx/html", server: "nginx/1.27.3" },
  httpd: { port: 80, root: "/usr/local/apache2/htdocs", server: "Apache/2.4.62 (Unix)" },
};

const NGINX_404 = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n";

export interface ServiceNetDeps {
  /** Every container of the VCH. */
  containers(): Iterable<Container>;
  /** The repository of a container's image (`nginx`), to know what it serves. */
  repoOf(c: Container): string;
  /** A container's filesystem. */
  filesOf(c: Container): ContainerFs;
  /** Virtual ms since the epoch (the Date header). */
  now(): number;
}

/** Who sends: a container, or a build step's container (`docker build --network`: endpoints only, serving nothing). */
export type Sender = Container | { rec: { networks: Record<string, EndpointRecord> } };

/** The network of `self`: resolves a URL's host and asks the peer's service; `dns` is its embedded DNS server, `ping` its echo replies. */
export function serviceNetwork(self: Sender, deps: ServiceNetDeps): Network {
  const fetch = async (req: NetRequest): Promise<NetResponse> => {
    const url = new URL(req.url);
    const host = url.hostname;
    const found = resolve(self, host, deps);
    if (!found) throw new Error(`bad address '${host}'`);
    const { peer, ip } = found;
    const port = Number(url.port || (url.protocol === "https:" ? 443 : url.protocol === "redis:" ? 6379 : 80));
    const address = `${ip}:${port}`;
    if (!("rt" in peer)) throw Object.assign(new Error("Connection refused"), { address });
    const repo = deps.repoOf(peer);
    const web = WEB_SERVERS[repo];
    const serving = peer.rec.state.Running && !peer.rec.state.Paused && (peer.rt.process?.activity() ?? 0) >= 1;
    if (serving && url.protocol === "tcp:" && repo === "redis" && port === 6379) return { ...redisReply(peer, req.body ?? new Uint8Array()), address };
    if (!web || !serving || port !== web.port || url.protocol !== "http:") throw Object.assign(new Error("Connection refused"), { address });
    return { ...serveFile(deps.filesOf(peer), web, decodeURIComponent(url.pathname), req.method, deps.now()), address };
  };
  return Object.assign(fetch, { dns: embeddedDns(self, deps), ping: (address: string) => echo(self, address, deps) });
}

/**
 * An echo request to `address`: the sender's own addresses, a network's gateway and running peers on a
 * network it shares answer (a paused one too: its kernel replies); nothing else is reachable from a
 * VCH's container network, and a sender on no network has no route at all.
 */
function echo(self: Sender, address: string, deps: ServiceNetDeps): "answers" | "silent" | "unreachable" {
  // The host's network reaches every bridge; a build step's endpoint has its network's gateway but no address.
  const onHost = "host" in self.rec.networks;
  const mine = Object.values(self.rec.networks).filter((ep) => ep.IPAddress || ep.Gateway);
  if (!mine.length && !onHost) return "unreachable";
  if (mine.some((ep) => ep.IPAddress === address || ep.Gateway === address)) return "answers";
  for (const c of deps.containers()) {
    if (c.removed || !c.rec.state.Running) continue;
    for (const ep of Object.values(c.rec.networks)) {
      if (ep.IPAddress === address && (onHost || mine.some((m) => m.NetworkID !== "" && m.NetworkID === ep.NetworkID))) return "answers";
    }
  }
  return "silent";
}

function resolve(self: Sender, host: string, deps: ServiceNetDeps): { peer: Container | Sender; ip: string } | null {
  if (host === "localhost" || host === "127.0.0.1") return { peer: self, ip: "127.0.0.1" };
  for (const { peer, ep } of shared(self, deps)) if (ep.IPAddress && ep.IPAddress === host) return { peer, ip: host };
  const named = lookupName(self, host, deps)[0];
  return named ? { peer: named.peer, ip: named.ep.IPAddress } : null;
}

/** Docker's embedded DNS server as container `self` asks it (libnetwork's Sandbox.ResolveName and ResolveIP). */
function embeddedDns(self: Sender, deps: ServiceNetDeps): NameServer {
  return {
    address: "127.0.0.11",
    lookup(name) {
      const found = lookupName(self, name, deps);
      if (!found.length) return null;
      const v4 = [...new Set(found.map((f) => f.ep.IPAddress).filter(Boolean))];
      const v6 = [...new Set(found.map((f) => f.ep.GlobalIPv6Address ?? "").filter(Boolean))];
      return { v4, v6 };
    },
    reverse(ip) {
      for (const { peer, ep, network } of shared(self, deps)) {
        if (USER_DEFINED(network) && (ep.IPAddress === ip || ep.GlobalIPv6Address === ip)) return `${peer.rec.name.slice(1)}.${network}`;
      }
      return null;
    },
  };
}

/** Docker's embedded DNS answers names on user-defined networks only, not on the default bridge. */
const USER_DEFINED = (network: string): boolean => network !== "bridge" && network !== "host" && network !== "none";

/** The endpoints of the containers on a network `self` is on (itself among them), with that network's name. */
function* shared(self: Sender, deps: ServiceNetDeps): Generator<{ peer: Container; ep: EndpointRecord; network: string }> {
  const mine = Object.entries(self.rec.networks);
  for (const c of deps.containers()) {
    if (c.removed) continue;
    for (const [name, ep] of Object.entries(c.rec.networks)) {
      if (mine.some(([n, m]) => n === name || (m.NetworkID !== "" && m.NetworkID === ep.NetworkID))) yield { peer: c, ep, network: name };
    }
  }
}

/**
 * The endpoints a name reaches, as Sandbox.ResolveName looks it up: `a.b.c` is tried as `a.b.c` on any
 * network, then `a.b` on network `c`, then `a` on network `b.c`; on each, the caller's link aliases
 * (`--link web:db`: db is web) come before the containers' names.
 */
function lookupName(self: Sender, query: string, deps: ServiceNetDeps): { peer: Container; ep: EndpointRecord }[] {
  const name = query.replace(/\.$/, "").toLowerCase();
  const tries: [string, string][] = [[name, ""]];
  for (let i = name.lastIndexOf("."); i > 0; i = name.lastIndexOf(".", i - 1)) tries.push([name.slice(0, i), name.slice(i + 1)]);
  for (const [wanted, networkName] of tries) {
    const onNetwork = (network: string) => USER_DEFINED(network) && (networkName === "" || network.toLowerCase() === networkName);
    // The caller's link aliases on its endpoints' networks.
    for (const [network, ep] of Object.entries(self.rec.networks)) {
      if (!onNetwork(network)) continue;
      const link = (ep.Links ?? []).map((l) => l.split(":")).find(([, alias]) => (alias ?? "").toLowerCase() === wanted);
      if (!link) continue;
      const target = link[0].replace(/^\//, "").toLowerCase();
      const hits = [...shared(self, deps)].filter((s) => s.network === network && namesOf(s.peer, s.ep).includes(target));
      if (hits.length) return hits;
    }
    const hits = [...shared(self, deps)].filter((s) => onNetwork(s.network) && namesOf(s.peer, s.ep).includes(wanted));
    if (hits.length) return hits;
  }
  return [];
}

/** The names a container answers to on a network: its name, hostname, short id and the endpoint's aliases (lower case). */
function namesOf(c: Container, ep: EndpointRecord): string[] {
  return [c.rec.name.slice(1), c.rec.config.Hostname, c.rec.id.slice(0, 12), ...(ep.Aliases ?? [])].map((n) => n.toLowerCase());
}

function serveFile(fs: ContainerFs, web: { root: string; server: string }, path: string, method: string, now: number): NetResponse {
  const date = new Date(now).toUTCString();
  let file = web.root + (path.endsWith("/") ? path + "index.html" : path);
  let body: Uint8Array | null = null;
  let mtime = 0;
  try {
    if (fs.stat(file).kind === "dir") file += "/index.html";
    body = fs.readFile(file);
    mtime = fs.stat(file).mtime;
  } catch {
    body = null;
  }
  if (!body) {
    const notFound = new TextEncoder().encode(NGINX_404);
    return { status: 404, statusText: "Not Found", headers: { Server: web.server, Date: date, "Content-Type": "text/html", "Content-Length": String(notFound.length), Connection: "keep-alive" }, body: method === "HEAD" ? new Uint8Array() : notFound };
  }
  const headers = {
    Server: web.server, Date: date, "Content-Type": file.endsWith(".html") || file.endsWith(".htm") ? "text/html" : "application/octet-stream",
    "Content-Length": String(body.length), "Last-Modified": new Date(mtime).toUTCString(), Connection: "keep-alive", "Accept-Ranges": "bytes",
  };
  return { status: 200, statusText: "OK", headers, body: method === "HEAD" ? new Uint8Array() : body };
}
