/**
 * IP addresses as a network's IPAM reads them: IPv4 and IPv6 text forms, subnets (CIDR) and
 * membership, in plain numbers (IPv4) and bigints (IPv6), with no host library (the VCH runs in
 * browsers too).
 */

/** An IPv4 address as a number, or null when `ip` is not one. */
export function parseIpv4(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((x) => x > 255)) return null;
  return parts.reduce((s, x) => s * 256 + x, 0);
}

/** An IPv6 address as a bigint, or null when `ip` is not one (`::`, embedded IPv4 and zones are read). */
export function parseIpv6(ip: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(ip) || ip.split("::").length > 2) return null;
  const expand = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (g.includes(".")) {
        const v4 = parseIpv4(g);
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const [head, tail] = ip.split("::");
  const a = expand(head);
  const b = tail === undefined ? [] : expand(tail);
  if (!a || !b) return null;
  const groups = tail === undefined ? a : [...a, ...new Array(8 - a.length - b.length).fill(0), ...b];
  if (groups.length !== 8 || (tail !== undefined && a.length + b.length > 7)) return null;
  return groups.reduce((s, g) => (s << 16n) | BigInt(g), 0n);
}

export type Subnet = { family: 4; base: number; bits: number } | { family: 6; base: bigint; bits: number };

/** A subnet in CIDR form (`172.28.0.0/16`, `2001:389::/64`), or null when it is not one. */
export function parseSubnet(cidr: string): Subnet | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return null;
  const bits = Number(m[2]);
  const v4 = parseIpv4(m[1]);
  if (v4 !== null) return bits <= 32 ? { family: 4, base: v4, bits } : null;
  const v6 = parseIpv6(m[1]);
  return v6 !== null && bits <= 128 ? { family: 6, base: v6, bits } : null;
}

/** Is `ip` inside `subnet`? */
export function subnetHolds(subnet: Subnet, ip: string): boolean {
  if (subnet.family === 4) {
    const v = parseIpv4(ip);
    const size = 2 ** (32 - subnet.bits);
    return v !== null && Math.floor(v / size) === Math.floor(subnet.base / size);
  }
  const v = parseIpv6(ip);
  const shift = BigInt(128 - subnet.bits);
  return v !== null && v >> shift === subnet.base >> shift;
}

/** The subnet's first host address (its usual gateway), in text form. */
export function firstHost(subnet: Subnet): string {
  if (subnet.family === 4) {
    const size = 2 ** (32 - subnet.bits);
    const n = Math.floor(subnet.base / size) * size + 1;
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
  }
  const shift = BigInt(128 - subnet.bits);
  const n = ((subnet.base >> shift) << shift) + 1n;
  const groups = [...Array(8)].map((_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::").replace(/^:::/, "::");
}
