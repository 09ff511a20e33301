/**
 * Networks with IPAM: the network records, their subnets, and the addresses handed to container
 * endpoints. The facade journals and emits around these calls: every method returns what it
 * changed (a record, an endpoint attached or detached) and never calls back into the VCH.
 */
import { conflict, invalid, notFound, VchError } from "./errors.js";
import { checkFilterKeys, createdBefore, FILTER_KEYS, filterBool, labelsMatch, untilCutoff, type Filters } from "./filters.js";
import { flat, parseTime, rfc3339 } from "./format.js";
import type { Rng } from "./rng.js";
import { firstHost, parseSubnet, subnetHolds } from "./ip.js";
import type { EndpointConfig, EndpointRecord, NetworkCreate, NetworkRecord } from "./types.js";

/** Docker's networks every VCH has; they cannot be removed. */
export const PREDEFINED_NETWORKS = ["bridge", "host", "none"];

/** Addresses in use on one network, by host number, with a hint at the lowest free one. */
interface IpAllocation {
  used: Set<number>;
  hint: number;
}

export class Networks {
  private readonly byId = new Map<string, NetworkRecord>();
  private readonly ipAlloc = new Map<string, IpAllocation>();

  /** Every network (filters: name, id, driver, label, type); `inUse` names the networks with an endpoint. */
  list(filters: Record<string, string[]>, inUse: Set<string>): NetworkRecord[] {
    checkFilterKeys(filters, FILTER_KEYS.networkList);
    const dangling = (filters.dangling ?? []).map((v) => filterBool("dangling", v));
    return [...this.byId.values()]
      .filter((n) =>
        (!filters.scope?.length || filters.scope.includes(n.Scope)) &&
        dangling.every((want) => want === (!PREDEFINED_NETWORKS.includes(n.Name) && !inUse.has(n.Name))) &&
        (!filters.name?.length || filters.name.some((v) => n.Name.includes(v))) &&
        (!filters.id?.length || filters.id.some((v) => n.Id.startsWith(v))) &&
        (!filters.driver?.length || filters.driver.includes(n.Driver)) &&
        (!filters.type?.length || filters.type.includes(PREDEFINED_NETWORKS.includes(n.Name) ? "builtin" : "custom")) &&
        (filters.label ?? []).every((v) => (v.includes("=") ? n.Labels[v.split("=")[0]] === v.slice(v.indexOf("=") + 1) : v in n.Labels)))
      .map((n) => this.view(n));
  }

  /** Creates a network (bridge driver, next free 172.x.0.0/16) and returns its record. */
  create(body: NetworkCreate, rng: Rng, now: number): NetworkRecord {
    if (!body?.Name) throw invalid("network name cannot be empty");
    // dockerd takes any name (spaces too); control characters would corrupt listings.
    if (/[\x00-\x1f\x7f]/.test(body.Name)) throw invalid(`invalid network name ${JSON.stringify(body.Name)}`);
    if ([...this.byId.values()].some((n) => n.Name === body.Name)) throw conflict(`network with name ${body.Name} already exists`);
    const driver = body.Driver || "bridge";
    if (!["bridge", "overlay", "macvlan", "ipvlan"].includes(driver)) throw notFound(`plugin "${driver}" not found`);
    // Pools as given, IPv4 and IPv6 (dual stack); without an IPv4 pool the network gets the next free one.
    const config: NetworkRecord["IPAM"]["Config"] = [];
    for (const pool of body.IPAM?.Config ?? []) {
      if (!pool?.Subnet) continue;
      const s = parseSubnet(pool.Subnet);
      if (!s) throw invalid(`invalid subnet ${pool.Subnet}`);
      if (pool.Gateway && !subnetHolds(s, pool.Gateway)) throw invalid(`invalid gateway ${pool.Gateway}: not in subnet ${pool.Subnet}`);
      if (pool.IPRange && !parseSubnet(pool.IPRange)) throw invalid(`invalid ip range ${pool.IPRange}`);
      config.push({ Subnet: pool.Subnet, Gateway: pool.Gateway || firstHost(s), ...(pool.IPRange ? { IPRange: pool.IPRange } : {}), ...(pool.AuxiliaryAddresses ? { AuxiliaryAddresses: pool.AuxiliaryAddresses } : {}) });
    }
    if (!config.some((c) => parseSubnet(c.Subnet)?.family === 4)) {
      const used = new Set([...this.byId.values()].flatMap((n) => n.IPAM.Config.map((c) => c.Subnet)));
      let subnet: string | undefined;
      for (let b = 18; b < 32 && !subnet; b++) if (!used.has(`172.${b}.0.0/16`)) subnet = `172.${b}.0.0/16`;
      for (let b = 0; b < 256 && !subnet; b++) if (!used.has(`192.168.${b}.0/20`)) subnet = `192.168.${b}.0/20`;
      if (!subnet) throw new VchError("unavailable", "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
      config.unshift({ Subnet: subnet, Gateway: firstHost(parseSubnet(subnet)!) });
    }
    const n: NetworkRecord = {
      Name: body.Name, Id: rng.hex(64), Created: rfc3339(now), Scope: "local", Driver: driver, EnableIPv6: !!body.EnableIPv6,
      IPAM: { Driver: "default", Options: null, Config: config },
      Internal: !!body.Internal, Attachable: !!body.Attachable, Ingress: false, Containers: {},
      Options: body.Options ?? {}, Labels: body.Labels ?? {},
    };
    this.byId.set(n.Id, n);
    return n;
  }

  /** Removes a network and returns it; refused for predefined ones and while containers are attached. */
  remove(ref: string, inUse: Set<string>): NetworkRecord {
    const n = this.resolve(ref);
    if (PREDEFINED_NETWORKS.includes(n.Name)) throw conflict(`${n.Name} is a pre-defined network and cannot be removed`);
    if (inUse.has(n.Name)) throw conflict(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
    this.drop(n);
    return n;
  }

  /** Removes unused custom networks (filters: label, until) and returns them. */
  prune(filters: Filters, now: number, inUse: Set<string>): NetworkRecord[] {
    checkFilterKeys(filters, FILTER_KEYS.networkPrune);
    const cutoff = untilCutoff(filters.until, now);
    const deleted: NetworkRecord[] = [];
    for (const n of [...this.byId.values()]) {
      if (PREDEFINED_NETWORKS.includes(n.Name)) continue;
      if (!labelsMatch(filters, n.Labels) || !createdBefore(parseTime(n.Created), cutoff)) continue;
      if (inUse.has(n.Name)) continue;
      this.drop(n);
      deleted.push(n);
    }
    return deleted;
  }

  /**
   * Gives a container's endpoint on network `name` an address (none on host and null drivers).
   * Returns the network and whether its record changed, or null when there is no such network.
   */
  attach(containerId: string, containerName: string, name: string, ep: EndpointRecord | undefined, rng: Rng): { network: NetworkRecord; addressed: boolean } | null {
    const n = this.byName(name);
    if (!n || !ep) return null;
    ep.NetworkID = n.Id;
    if (n.Driver === "host" || n.Driver === "null") return { network: n, addressed: false };
    const cfg = v4Config(n);
    const [addr, bits] = cfg.Subnet.split("/");
    const base = ipToInt(addr);
    const size = 2 ** (32 - Number(bits));
    const alloc = this.allocation(n);
    const gateway = ipToInt(cfg.Gateway) - base;
    const wanted = ep.IPAMConfig?.IPv4Address;
    let k: number;
    if (wanted) {
      // The address the endpoint asked for, as dockerd's IPAM gives it: inside the pool and free.
      if (!subnetHolds(parseSubnet(cfg.Subnet)!, wanted)) throw invalid(`invalid endpoint settings: no configured subnet or ip-range contain the IP address ${wanted}`);
      k = ipToInt(wanted) - base;
      if (alloc.used.has(k) || k === gateway) throw conflict(`Address already in use: ${wanted}`);
    } else {
      // Lowest free host number from the hint on (.0 is the network, .1 usually the gateway).
      k = alloc.hint;
      while (k < size - 1 && (alloc.used.has(k) || k === gateway)) k++;
      if (k >= size - 1) throw new VchError("unavailable", `no available IPv4 addresses on network ${n.Name}`);
      alloc.hint = k + 1;
    }
    alloc.used.add(k);
    const ip = intToIp(base + k);
    const mac = ep.RequestedMac || flat(`02:42:${ip.split(".").map((x) => Number(x).toString(16).padStart(2, "0")).join(":")}`);
    Object.assign(ep, { EndpointID: rng.hex(64), Gateway: cfg.Gateway, IPAddress: ip, IPPrefixLen: Number(bits), MacAddress: mac });
    // IPv6: the address asked for on the network's IPv6 pool (dual stack).
    const wanted6 = ep.IPAMConfig?.IPv6Address;
    const v6 = wanted6 ? n.IPAM.Config.find((c) => parseSubnet(c.Subnet)?.family === 6) : undefined;
    if (v6 && wanted6) Object.assign(ep, { GlobalIPv6Address: wanted6, GlobalIPv6PrefixLen: Number(v6.Subnet.split("/")[1]), IPv6Gateway: v6.Gateway });
    n.Containers[containerId] = { Name: containerName, EndpointID: ep.EndpointID, MacAddress: mac, IPv4Address: flat(`${ip}/${bits}`), IPv6Address: v6 && wanted6 ? `${wanted6}/${v6.Subnet.split("/")[1]}` : "" };
    return { network: n, addressed: true };
  }

  /** Throws what `attach` would throw for the address the endpoint asked for; changes nothing. */
  checkRequested(name: string, ep: EndpointRecord | undefined): void {
    const n = this.byName(name);
    const wanted = ep?.IPAMConfig?.IPv4Address;
    if (!n || !wanted || n.Driver === "host" || n.Driver === "null") return;
    const cfg = v4Config(n);
    if (!subnetHolds(parseSubnet(cfg.Subnet)!, wanted)) throw invalid(`invalid endpoint settings: no configured subnet or ip-range contain the IP address ${wanted}`);
    const k = ipToInt(wanted) - ipToInt(cfg.Subnet.split("/")[0]);
    if (this.allocation(n).used.has(k) || ipToInt(wanted) === ipToInt(cfg.Gateway)) throw conflict(`Address already in use: ${wanted}`);
  }

  /** Releases a container's address on network `name`; returns the network, or null when there is none. */
  detach(containerId: string, name: string, ep: EndpointRecord | undefined): NetworkRecord | null {
    const n = this.byName(name);
    if (!n || !ep) return null;
    const held = n.Containers[containerId];
    if (held && n.IPAM.Config[0]) {
      const alloc = this.allocation(n);
      const k = ipToInt(held.IPv4Address.split("/")[0]) - ipToInt(v4Config(n).Subnet.split("/")[0]);
      alloc.used.delete(k);
      alloc.hint = Math.min(alloc.hint, k);
    }
    delete n.Containers[containerId];
    Object.assign(ep, { EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, MacAddress: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, IPv6Gateway: "" });
    return n;
  }

  /** A network by id, id prefix or name. */
  resolve(ref: string): NetworkRecord {
    const exact = [...this.byId.values()].find((n) => n.Id === ref || n.Name === ref);
    if (exact) return exact;
    const byPrefix = [...this.byId.values()].filter((n) => n.Id.startsWith(ref));
    if (byPrefix.length === 1 && ref.length > 0) return byPrefix[0];
    throw notFound(`network ${ref} not found`);
  }

  /** The record as journaled (by id). */
  get(id: string): NetworkRecord | undefined {
    return this.byId.get(id);
  }

  /** A copy the caller may keep. */
  view(n: NetworkRecord): NetworkRecord {
    return structuredClone(n);
  }

  /** A journaled network back (without endpoints: containers attach again when they start). */
  restore(id: string, n: NetworkRecord): void {
    n.Containers = {};
    this.byId.set(id, n);
  }

  /** Docker's bridge, host and none networks; returns their ids. */
  createDefaults(rng: Rng, now: number): string[] {
    const ids: string[] = [];
    const mk = (name: string, driver: string, subnet: string | null, options: Record<string, string>) => {
      const id = rng.hex(64);
      this.byId.set(id, {
        Name: name, Id: id, Created: rfc3339(now), Scope: "local", Driver: driver, EnableIPv6: false,
        IPAM: { Driver: "default", Options: null, Config: subnet ? [{ Subnet: subnet, Gateway: subnet.replace(/\.0\/16$/, ".1") }] : [] },
        Internal: false, Attachable: false, Ingress: false, Containers: {}, Options: options, Labels: {},
      });
      ids.push(id);
    };
    mk("bridge", "bridge", "172.17.0.0/16", {
      "com.docker.network.bridge.default_bridge": "true", "com.docker.network.bridge.enable_icc": "true",
      "com.docker.network.bridge.enable_ip_masquerade": "true", "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
      "com.docker.network.bridge.name": "docker0", "com.docker.network.driver.mtu": "1500",
    });
    mk("host", "host", null, {});
    mk("none", "null", null, {});
    return ids;
  }

  private byName(name: string): NetworkRecord | undefined {
    for (const n of this.byId.values()) if (n.Name === name) return n;
    return undefined;
  }

  private drop(n: NetworkRecord): void {
    this.byId.delete(n.Id);
    this.ipAlloc.delete(n.Id);
  }

  /** The allocation of `n`, rebuilt from its endpoints on first use. */
  private allocation(n: NetworkRecord): IpAllocation {
    let a = this.ipAlloc.get(n.Id);
    if (!a) {
      const base = ipToInt(v4Config(n).Subnet.split("/")[0]);
      a = { used: new Set(Object.values(n.Containers).map((x) => ipToInt(x.IPv4Address.split("/")[0]) - base)), hint: 2 };
      this.ipAlloc.set(n.Id, a);
    }
    return a;
  }
}

/** The network's IPv4 pool (its first; a network always has one). */
function v4Config(n: NetworkRecord): NetworkRecord["IPAM"]["Config"][number] {
  // A single pool is the answer whatever its family: parsing it is saved at every attach and detach.
  if (n.IPAM.Config.length === 1) return n.IPAM.Config[0];
  return n.IPAM.Config.find((c) => parseSubnet(c.Subnet)?.family === 4) ?? n.IPAM.Config[0];
}

/**
 * A container's endpoint on a network before it has an address, keeping what its EndpointConfig
 * asked for (aliases, addresses, MAC, driver options, links) as dockerd keeps it.
 */
export function endpointRecord(networkId: string, cfg: EndpointConfig | undefined): EndpointRecord {
  const ep: EndpointRecord = { NetworkID: networkId, EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, MacAddress: "", Aliases: (cfg?.Aliases as string[] | undefined) ?? null };
  if (!cfg) return ep;
  const ipam = cfg.IPAMConfig;
  if (ipam && (ipam.IPv4Address || ipam.IPv6Address || ipam.LinkLocalIPs?.length)) ep.IPAMConfig = { ...ipam };
  if (ipam?.IPv4Address && parseSubnet(`${ipam.IPv4Address}/32`)?.family !== 4) throw invalid(`invalid IPv4 address: ${ipam.IPv4Address}`);
  if (ipam?.IPv6Address && parseSubnet(`${ipam.IPv6Address}/128`)?.family !== 6) throw invalid(`invalid IPv6 address: ${ipam.IPv6Address}`);
  const driverOpts = cfg.DriverOpts as Record<string, string> | null | undefined;
  if (driverOpts && Object.keys(driverOpts).length) ep.DriverOpts = { ...driverOpts };
  const links = cfg.Links as string[] | null | undefined;
  if (links?.length) ep.Links = [...links];
  const mac = cfg.MacAddress as string | undefined;
  if (mac) {
    if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) throw invalid(`invalid MAC address: ${mac}`);
    ep.RequestedMac = mac.toLowerCase();
  }
  return ep;
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((s, x) => s * 256 + Number(x), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}
