/**
 * `--add-host NAME:IP` entries (a container's HostConfig.ExtraHosts, a build's `extrahosts`) as
 * dockerd reads them (its ValidateExtraHost): `NAME:IP` or `NAME=IP`, an IPv6 address maybe in
 * brackets, `host-gateway` for the default bridge's gateway. Each becomes an `IP\tNAME` line of
 * /etc/hosts, after the loopback lines and before the container's own address.
 */
import { invalid } from "./errors.js";
import { parseIpv4, parseIpv6 } from "./ip.js";

/** The default bridge's gateway, which `host-gateway` names (networks.ts makes the bridge 172.17.0.0/16). */
export const HOST_GATEWAY = "172.17.0.1";

/** One entry as name and address; a 400 in dockerd's words when it does not parse. */
export function extraHost(entry: string): { name: string; ip: string } {
  let cut = entry.indexOf("=");
  if (cut < 0) cut = entry.indexOf(":");
  const name = cut < 0 ? "" : entry.slice(0, cut);
  if (!name || name.includes(":")) throw invalid(`bad format for add-host: ${JSON.stringify(entry)}`);
  let ip = entry.slice(cut + 1);
  if (ip === "host-gateway") return { name, ip: HOST_GATEWAY };
  if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (parseIpv4(ip) === null && parseIpv6(ip) === null) throw invalid(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  return { name, ip };
}

/** The /etc/hosts lines of the entries, in their order. */
export function extraHostLines(entries: readonly string[] | null | undefined): string {
  return (entries ?? []).map((e) => { const h = extraHost(e); return `${h.ip}\t${h.name}\n`; }).join("");
}
