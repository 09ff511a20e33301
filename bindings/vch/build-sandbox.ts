/**
 * The network sandbox of a build's RUN step (`docker build --network MODE --add-host NAME:IP`), as
 * dockerd gives the classic builder's step containers: an endpoint on the named network (the
 * default bridge when none is named; none for `none`; another container's for `container:ID`), an
 * /etc/hosts of the loopback names and the extra hosts, and the resolv.conf every container gets.
 * The step's endpoint takes no address of the network's pool (the step is over before any peer
 * could ask for it), so its /etc/hosts has no line of its own.
 */
import type { Network } from "../guests/shell/index.js";
import type { Container } from "./container.js";
import { invalid } from "./errors.js";
import { LOOPBACK_HOSTS, RESOLV_CONF } from "./filesystems.js";
import { parseIpv4, parseIpv6 } from "./ip.js";
import { endpointRecord } from "./networks.js";
import { type ServiceNetDeps, serviceNetwork } from "./service-net.js";
import type { EndpointRecord, NetworkRecord } from "./types.js";

export interface BuildSandbox {
  net: Network;
  hosts: string;
  resolvConf: string;
}

/**
 * The sandbox for `mode` (`""`/`default`/`bridge`, `host`, `none`, a network's name or id,
 * `container:NAME`). An unknown network is dockerd's `network X not found`; a malformed extra host
 * is dockerd's `bad format for add-host` or `invalid IP address in add-host`.
 */
export function buildSandbox(
  o: { networkMode: string; extraHosts: string[] },
  find: { network(ref: string): NetworkRecord; container(ref: string): Container },
  deps: ServiceNetDeps,
): BuildSandbox {
  const mode = o.networkMode === "" || o.networkMode === "default" ? "bridge" : o.networkMode;
  const bridge = find.network("bridge");
  let hosts = LOOPBACK_HOSTS;
  for (const entry of o.extraHosts) {
    const { name, ip } = extraHost(entry, bridge.IPAM.Config[0]?.Gateway ?? "");
    hosts += `${ip}\t${name}\n`;
  }
  let networks: Record<string, EndpointRecord> = {};
  if (mode.startsWith("container:")) networks = find.container(mode.slice("container:".length)).rec.networks;
  else {
    const n = find.network(mode);
    if (n.Driver !== "null") networks = { [n.Name]: { ...endpointRecord(n.Id, undefined), Gateway: n.IPAM.Config[0]?.Gateway ?? "" } };
  }
  return { net: serviceNetwork({ rec: { networks } }, deps), hosts, resolvConf: RESOLV_CONF };
}

/** `NAME:IP` or `NAME=IP` (an IPv6 address maybe in brackets; `host-gateway`: the bridge's gateway), as dockerd's ValidateExtraHost reads it. */
function extraHost(entry: string, hostGateway: string): { name: string; ip: string } {
  let cut = entry.indexOf("=");
  if (cut < 0) cut = entry.indexOf(":");
  const name = cut < 0 ? "" : entry.slice(0, cut);
  if (!name || name.includes(":")) throw invalid(`bad format for add-host: ${JSON.stringify(entry)}`);
  let ip = entry.slice(cut + 1);
  if (ip === "host-gateway") return { name, ip: hostGateway };
  if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (parseIpv4(ip) === null && parseIpv6(ip) === null) throw invalid(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  return { name, ip };
}
