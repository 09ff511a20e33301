/**
 * busybox's `nslookup [-type=T] HOST [SERVER]` (the FEATURE_NSLOOKUP_BIG applet of busybox 1.3x): it
 * asks the first nameserver of /etc/resolv.conf (or SERVER) for HOST's A and AAAA records (a PTR for an
 * address) and prints each reply in bind's format. The server that answers is the container's DNS
 * server (Docker's embedded one at 127.0.0.11); any other server is off the emulated network and never
 * replies, so busybox gives up after its 5 s timeout. An unknown name is NXDOMAIN and exits 1; a name
 * without an address of a family (no IPv6) is an empty NOERROR reply, which busybox prints as a bare
 * "Non-authoritative answer:".
 */
import type { CommandContext, NameServer, Utility } from "../context.js";
import { decode, out, warn } from "./common.js";

const USAGE = `BusyBox v1.36.1 multi-call binary.

Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]

Query DNS about HOST

QUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any
`;
/** Query types in busybox's order (several -type= options are asked in this order). */
const QTYPES = ["SOA", "NS", "A", "AAAA", "CNAME", "MX", "TXT", "SRV", "PTR", "ANY"];
const OPTIONS = new Set(["type", "querytype", "port", "retry", "debug", "t", "timeout"]);
/** busybox's default per-server timeout (G.default_timeout), in ms. */
const TIMEOUT_MS = 5000;

const usage = async (ctx: CommandContext): Promise<number> => {
  await ctx.stderr.write(new TextEncoder().encode(USAGE));
  return 1;
};

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The PTR name of an IPv4 address (`3.0.18.172.in-addr.arpa`), or null when `s` is none. */
function ptrName(s: string): string | null {
  const m = IPV4.exec(s);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return null;
  return `${m.slice(1).map(Number).reverse().join(".")}.in-addr.arpa`;
}

/** The nameservers and search domains of /etc/resolv.conf, as busybox's parse_resolvconf reads them. */
function resolvConf(ctx: CommandContext): { servers: string[]; search: string[] } {
  let text = "";
  try { text = decode(ctx.fs.readFile("/etc/resolv.conf")); } catch { /* no file: the fallbacks below */ }
  const servers: string[] = [];
  let search: string[] | undefined;
  let domain: string[] | undefined;
  for (const line of text.split("\n")) {
    const m = /^[ \t]*(\S+)[ \t]+(.+)$/.exec(line);
    if (!m) continue;
    if (m[1] === "nameserver") servers.push(m[2].trim());
    else if (m[1] === "search") search = m[2].trim().split(/\s+/);
    else if (m[1] === "domain") domain = m[2].trim().split(/\s+/);
  }
  const hostDomain = ctx.system.info.hostname.includes(".") ? [ctx.system.info.hostname.slice(ctx.system.info.hostname.indexOf(".") + 1)] : [];
  const chosen = search ?? domain ?? hostDomain;
  return { servers: servers.length ? servers : ["127.0.0.1"], search: chosen.length === 1 && chosen[0] === "." ? [] : chosen };
}

/** One reply, as send_queries prints it (and whether its rcode was an error). */
function reply(dns: NameServer, type: string, name: string): { text: string; failed: boolean } {
  const nx = { text: `** server can't find ${name}: NXDOMAIN\n\n`, failed: true };
  if (type === "PTR") {
    const ip = name.replace(/\.in-addr\.arpa$/, "").split(".").reverse().join(".");
    const host = name.endsWith(".in-addr.arpa") ? dns.reverse(ip) : null;
    return host === null ? nx : { text: `Non-authoritative answer:\n${name}\tname = ${host}\n\n`, failed: false };
  }
  const found = dns.lookup(name);
  if (!found) return nx;
  const addresses = type === "A" ? found.v4 : type === "AAAA" ? found.v6 : [];
  return { text: `Non-authoritative answer:\n${addresses.map((a) => `Name:\t${name}\nAddress: ${a}\n`).join("")}\n`, failed: false };
}

export const nslookup: Utility = async (ctx) => {
  const args = ctx.argv.slice(1);
  const types = new Set<string>();
  let port = 53;
  let timeoutMs = TIMEOUT_MS;
  while (args.length && args[0].startsWith("-")) {
    const [opt, value = ""] = args.shift()!.slice(1).split(/=(.*)/s);
    if (!OPTIONS.has(opt)) return usage(ctx);
    if (opt === "type" || opt === "querytype") {
      const t = QTYPES.find((q) => q === value.toUpperCase());
      if (!t) { await warn(ctx, `invalid query type "${value}"`); return 1; }
      types.add(t);
    } else if (opt === "port" || opt === "retry" || opt === "t" || opt === "timeout") {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1 || (opt === "port" && n > 0xffff)) { await warn(ctx, `invalid number '${value}'`); return 1; }
      if (opt === "port") port = n;
      if (opt === "t" || opt === "timeout") timeoutMs = n * 1000;
    }
  }
  const [host, server, extra] = args;
  if (host === undefined || extra !== undefined) return usage(ctx);
  const conf = resolvConf(ctx);
  const servers = server !== undefined ? [server] : conf.servers;
  for (const s of servers) {
    if (!IPV4.test(s) && !s.includes(":")) { await warn(ctx, `bad address '${s}'`); return 1; }
  }
  // The queries: a PTR for an address, else A and AAAA (or the -type= ones), each name with the search domains.
  const queries: [string, string][] = [];
  const ptr = ptrName(host);
  const withSearch = (type: string): string[] => (type === "PTR" || !conf.search.length || host.includes(".") ? [host] : conf.search.map((d) => `${host}.${d}`));
  if (!types.size) {
    if (ptr) queries.push(["PTR", ptr]);
    else for (const t of ["A", "AAAA"]) for (const n of withSearch(t)) queries.push([t, n]);
  } else {
    for (const t of QTYPES) if (types.has(t)) for (const n of withSearch(t)) queries.push([t, n]);
  }
  const dns = ctx.system.net?.dns;
  for (const s of servers) {
    if (!dns || s !== dns.address || port !== 53) {
      // Off the emulated network: no reply until busybox's timeout, then the next server.
      await ctx.system.clock.sleep(timeoutMs, ctx.signal);
      if (ctx.signal.aborted) return 128 + (typeof ctx.signal.reason === "number" ? ctx.signal.reason : 15);
      continue;
    }
    let text = `Server:\t\t${s}\nAddress:\t${s.includes(":") ? `[${s}]` : s}:${port}\n\n`;
    let failed = false;
    for (const [type, name] of queries) {
      const r = reply(dns, type, name);
      text += r.text;
      failed ||= r.failed;
    }
    await out(ctx, text);
    return failed ? 1 : 0;
  }
  await out(ctx, ";; connection timed out; no servers could be reached\n\n");
  return 1;
};
