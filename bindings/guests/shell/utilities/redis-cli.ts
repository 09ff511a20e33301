/**
 * `redis-cli [-h host] [-p port] [cmd args…]` as the redis image ships it: the command goes over the
 * container network in RESP, and the reply prints as redis-cli prints it when stdout is not a
 * terminal (raw: `PONG`, `OK`, an integer, the bare string, an empty line for nil). Without a
 * command it sends each line of stdin. An error reply exits 1, as redis-cli 7 does.
 */
import type { Utility } from "../context.js";
import { readAll } from "../streams.js";
import { out } from "./common.js";

const enc = new TextEncoder();

export const redisCli: Utility = async (ctx) => {
  let host = "127.0.0.1";
  let port = "6379";
  const cmd: string[] = [];
  const argv = ctx.argv.slice(1);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (cmd.length === 0 && (a === "-h" || a === "-p" || a === "-n" || a === "-a")) {
      const v = argv[++i] ?? "";
      if (a === "-h") host = v;
      if (a === "-p") port = v;
    } else if (cmd.length === 0 && (a === "--raw" || a === "--no-raw" || a === "--no-auth-warning")) continue;
    else cmd.push(a);
  }
  const commands = cmd.length ? [cmd] : new TextDecoder().decode(await readAll(ctx.stdin)).split("\n").filter((l) => l.trim()).map((l) => l.trim().split(/\s+/));
  const fail = async (why: string) => { await ctx.stderr.write(enc.encode(`Could not connect to Redis at ${host}:${port}: ${why}\n`)); return 1; };
  if (!ctx.system.net) return fail("Name or service not known");
  let status = 0;
  for (const c of commands) {
    const body = enc.encode(`*${c.length}\r\n${c.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join("")}`);
    let reply: string;
    try { reply = new TextDecoder().decode((await ctx.system.net({ url: `tcp://${host}:${port}`, method: "TCP", headers: {}, body })).body); } catch (e) {
      const msg = (e as Error).message;
      return fail(msg.startsWith("bad address") ? "Name or service not known" : msg);
    }
    const { text, error } = formatRaw(reply);
    await out(ctx, text + "\n");
    status = error ? 1 : 0;
  }
  return status;
};

/** One RESP reply as redis-cli's raw output (arrays one element a line). */
function formatRaw(reply: string): { text: string; error: boolean } {
  const lines = reply.split("\r\n");
  let i = 0;
  const one = (): string => {
    const l = lines[i++] ?? "";
    switch (l[0]) {
      case "+": case "-": case ":": return l.slice(1);
      case "$": return Number(l.slice(1)) < 0 ? "" : (lines[i++] ?? "");
      case "*": { const n = Number(l.slice(1)); const items: string[] = []; for (let k = 0; k < n; k++) items.push(one()); return items.join("\n"); }
      default: return l;
    }
  };
  return { text: one(), error: reply.startsWith("-") };
}
