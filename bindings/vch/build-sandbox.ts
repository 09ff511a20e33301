/**
 * The network sandbox of a build's RUN step (`docker build --network MODE --add-host NAME:IP`), as
 * dockerd gives the classic builder's step containers: an endpoint on the named network (the
 * default bridge when none is named; none for `none`; another container's for `container:ID`), an
 * /etc/hosts of the loopback names, the extra hosts and its own address, and the resolv.conf every
 * container gets. The address is the lowest free one of the network's pool, as its IPAM would give
 * it, but not reserved: a step holds it only while it runs, and no peer asks for it.
 */
import type { Network } from "../guests/shell/index.js";
import type { Container } from "./container.js";
import { extraHostLines } from "./extra-hosts.js";
import { LOOPBACK_HOSTS, RESOLV_CONF } from "./filesystems.js";
import { parseIpv4 } from "./ip.js";
import { endpointRecord } from "./networks.js";
import { type ServiceNetDeps, serviceNetwork } from "./service-net.js";
import type { EndpointRecord, NetworkRecord } from "./types.js";

export interface BuildSandbox {
  net: Network;
  /** /etc/hosts without the step's own line (`address\thostname`, added per step). */
  hosts: string;
  resolvConf: string;
  /** The step's address on its network (none on `none` and `host`). */
  address?: string;
}

/**
 * The sandbox for `mode` (`""`/`default`/`bridge`, `host`, `none`, a network's name or id,
 * `container:NAME`). An unknown network is dockerd's `network X not found`; a malformed extra host
 * is dockerd's `bad format for add-host` or `invalid IP address in add-host` (extra-hosts.ts).
 */
export function buildSandbox(
  o: { networkMode: string; extraHosts: string[] },
  find: { network(ref: string): NetworkRecord; container(ref: string): Container },
  deps: ServiceNetDeps,
): BuildSandbox {
  const mode = o.networkMode === "" || o.networkMode === "default" ? "bridge" : o.networkMode;
  const hosts = LOOPBACK_HOSTS + extraHostLines(o.extraHosts);
  let networks: Record<string, EndpointRecord> = {};
  let address: string | undefined;
  if (mode.startsWith("container:")) {
    networks = find.container(mode.slice("container:".length)).rec.networks;
    address = Object.values(networks).find((ep) => ep.IPAddress)?.IPAddress;
  } else {
    const n = find.network(mode);
    address = n.Driver === "null" || n.Driver === "host" ? undefined : freeAddress(n);
    if (n.Driver !== "null") networks = { [n.Name]: { ...endpointRecord(n.Id, undefined), Gateway: n.IPAM.Config[0]?.Gateway ?? "", IPAddress: address ?? "" } };
  }
  return { net: serviceNetwork({ rec: { networks } }, deps), hosts, resolvConf: RESOLV_CONF, address };
}

/** The lowest host number from .2 on that no endpoint holds and is not the gateway, as the network's IPAM picks it. */
function freeAddress(n: NetworkRecord): string | undefined {
  const pool = n.IPAM.Config.find((c) => parseIpv4(c.Subnet.split("/")[0]) !== null);
  if (!pool) return undefined;
  const bits = Number(pool.Subnet.split("/")[1]);
  const base = parseIpv4(pool.Subnet.split("/")[0])!;
  const taken = new Set([pool.Gateway, ...Object.values(n.Containers).map((c) => c.IPv4Address.split("/")[0])].map((ip) => parseIpv4(ip)));
  for (let k = 2; k < 2 ** (32 - bits) - 1; k++) {
    if (!taken.has(base + k)) return [24, 16, 8, 0].map((sh) => Math.floor((base + k) / 2 ** sh) % 256).join(".");
  }
  return undefined;
}
