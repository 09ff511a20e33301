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
import { extraHostLines } from "./extra-hosts.js";
import { LOOPBACK_HOSTS, RESOLV_CONF } from "./filesystems.js";
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
  if (mode.startsWith("container:")) networks = find.container(mode.slice("container:".length)).rec.networks;
  else {
    const n = find.network(mode);
    if (n.Driver !== "null") networks = { [n.Name]: { ...endpointRecord(n.Id, undefined), Gateway: n.IPAM.Config[0]?.Gateway ?? "" } };
  }
  return { net: serviceNetwork({ rec: { networks } }, deps), hosts, resolvConf: RESOLV_CONF };
}
