/**
 * busybox's `ping [-c CNT] [-s SIZE] [-i SECS] [-W SEC] [-w SEC] [-q] [-4] HOST`: the name resolves
 * as the C library resolves it (the container's /etc/hosts first, then its DNS server, Docker's
 * embedded DNS on a user-defined network), and an echo request is answered by whatever the
 * container's network reaches (loopback always; the container itself, a running peer on a shared
 * network or a network's gateway when the network says so). The output is busybox 1.3x's, timing
 * in the guest's virtual clock; the exit status is 0 when a reply came, 1 otherwise.
 */
import type { CommandContext, Utility } from "../context.js";
import { getopt, out, UsageError, warn } from "./common.js";

const enc = new TextEncoder();
const USAGE = `BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.

Usage: ping [OPTIONS] HOST

Send ICMP ECHO_REQUESTs to HOST

\t-4,-6\t\tForce IP or IPv6 name resolution
\t-c CNT\t\tSend only CNT pings
\t-s SIZE\t\tSend SIZE data bytes in packets (default 56)
\t-i SECS\t\tInterval
\t-A\t\tPing as soon as reply is received
\t-t TTL\t\tSet TTL
\t-I IFACE/IP\tSource interface or IP address
\t-W SEC\t\tSeconds to wait for the first response (default 10)
\t\t\t(after all -c CNT packets are sent)
\t-w SEC\t\tSeconds until ping exits (default:infinite)
\t\t\t(can exit earlier with -c CNT)
\t-q\t\tQuiet, only display output at start/finish
\t-p HEXBYTE\tPayload pattern
`;

/** Round trips of the emulated paths in µs: the loopback, and a VM-to-VM hop on the cluster's network. */
const RTT_US = { loopback: 40, peer: 180 };

export const ping: Utility = async (ctx) => {
  let o;
  try { o = getopt(ctx.argv, "46c:s:i:At:I:W:w:qp:"); } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const letter = e.message.slice(-1);
    await ctx.stderr.write(enc.encode(`${e.message.startsWith("option requires") ? `ping: option requires an argument -- '${letter}'` : `ping: invalid option -- '${letter}'`}\n${USAGE}`));
    return 1;
  }
  const { flags, rest } = o;
  const host = rest[0];
  if (!host) { await ctx.stderr.write(enc.encode(USAGE)); return 1; }
  const values: Record<string, number> = {};
  for (const [f, d] of [["c", 0], ["s", 56], ["i", 1], ["W", 10], ["w", 0]] as const) {
    const v = flags.get(f)?.at(-1);
    if (v !== undefined && !/^\d+(\.\d+)?$/.test(v)) { await warn(ctx, `invalid number '${v}'`); return 1; }
    values[f] = v === undefined ? d : Number(v);
  }
  const count = values.c, size = values.s, intervalMs = values.i * 1000, waitMs = values.W * 1000, deadlineMs = values.w * 1000;
  const quiet = flags.has("q");

  const address = isIPv4(host) ? host : lookup(ctx, host);
  if (!address) { await warn(ctx, `bad address '${host}'`); return 1; }
  await out(ctx, `PING ${host} (${address}): ${size} data bytes\n`);
  const loopback = address.startsWith("127.");
  const path = loopback ? "answers" : ctx.system.net?.ping?.(address) ?? "unreachable";
  if (path === "unreachable") { await warn(ctx, "sendto: Network is unreachable"); return 1; }

  const clock = ctx.system.clock;
  const start = clock.now();
  const rtt = loopback ? RTT_US.loopback : RTT_US.peer;
  let sent = 0, received = 0;
  const times: number[] = [];
  const interrupted = () => ctx.signal.aborted;
  for (;;) {
    sent++;
    if (path === "answers") {
      received++;
      times.push(rtt);
      if (!quiet) await out(ctx, `${size + 8} bytes from ${address}: seq=${sent - 1} ttl=64${size >= 4 ? ` time=${ms(rtt)} ms` : ""}\n`);
    }
    if (count && received >= count) break;
    // The last packet sent: wait -W seconds for a late reply; otherwise the interval to the next one.
    const last = count > 0 && sent >= count;
    let pause = last ? waitMs : intervalMs;
    if (deadlineMs) pause = Math.min(pause, Math.max(0, start + deadlineMs - clock.now()));
    await clock.sleep(pause, ctx.signal);
    if (interrupted() || last || (deadlineMs && clock.now() - start >= deadlineMs)) break;
  }
  const signal = typeof ctx.signal.reason === "number" ? ctx.signal.reason : 15;
  // SIGINT (Ctrl-C) ends ping with its statistics; any other signal kills it.
  if (interrupted() && signal !== 2) return 128 + signal;
  await out(ctx, `\n--- ${host} ping statistics ---\n${sent} packets transmitted, ${received} packets received, ${Math.floor(((sent - received) * 100) / sent)}% packet loss\n`);
  if (received && size >= 4) {
    const avg = Math.floor(times.reduce((a, b) => a + b, 0) / times.length);
    await out(ctx, `round-trip min/avg/max = ${ms(Math.min(...times))}/${ms(avg)}/${ms(Math.max(...times))} ms\n`);
  }
  return received > 0 && !(deadlineMs && count && received < count) ? 0 : 1;
};

// Ctrl-C ends ping with its statistics (its SIGINT handler), not with 130.
Object.assign(ping, { trapsInterrupt: true });

/** busybox's `%u.%03u` of a time in µs. */
const ms = (us: number): string => `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, "0")}`;

function isIPv4(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) && s.split(".").every((p) => Number(p) <= 255);
}

/** A name's IPv4 address: /etc/hosts first (the first line naming it), then the container's DNS server. */
export function lookup(ctx: CommandContext, name: string): string | null {
  let hosts = "";
  try { hosts = new TextDecoder().decode(ctx.fs.readFile("/etc/hosts", ctx.user)); } catch { /* no /etc/hosts: DNS only */ }
  const wanted = name.toLowerCase().replace(/\.$/, "");
  for (const line of hosts.split("\n")) {
    const [ip, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (ip && isIPv4(ip) && names.some((n) => n.toLowerCase() === wanted)) return ip;
  }
  return ctx.system.net?.dns?.lookup(wanted)?.v4[0] ?? null;
}
