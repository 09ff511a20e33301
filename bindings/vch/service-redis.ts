/**
 * redis as another container sees it on port 6379: the commands of a request (RESP arrays as
 * redis-cli sends them, or inline lines as `nc` would) answered in RESP. A small command set over an
 * in-memory keyspace per container (it lives as long as the VCH process; not persisted).
 */
import type { NetResponse } from "../guests/shell/index.js";
import type { Container } from "./container.js";

const keyspaces = new WeakMap<Container, Map<string, string>>();
const enc = new TextEncoder();

/** The RESP answer of `peer`'s redis to the commands in `body`. */
export function redisReply(peer: Container, body: Uint8Array): NetResponse {
  let db = keyspaces.get(peer);
  if (!db) keyspaces.set(peer, (db = new Map()));
  const out = parseCommands(new TextDecoder().decode(body)).map((argv) => answer(db, argv)).join("");
  return { status: 200, body: enc.encode(out) };
}

/** RESP arrays (`*1\r\n$4\r\nPING\r\n`) and inline commands (`PING\r\n`), in order. */
export function parseCommands(text: string): string[][] {
  const lines = text.split("\r\n").flatMap((l) => l.split("\n"));
  const cmds: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("*")) {
      const n = Number(line.slice(1));
      const argv: string[] = [];
      for (let k = 0; k < n && i + 2 < lines.length; k++) { i += 2; argv.push(lines[i] ?? ""); }
      cmds.push(argv);
    } else if (line.trim()) cmds.push(line.trim().split(/\s+/));
  }
  return cmds;
}

const bulk = (s: string | undefined) => (s === undefined ? "$-1\r\n" : `$${enc.encode(s).length}\r\n${s}\r\n`);
const int = (n: number) => `:${n}\r\n`;
const arity = (cmd: string) => `-ERR wrong number of arguments for '${cmd.toLowerCase()}' command\r\n`;

function answer(db: Map<string, string>, argv: string[]): string {
  const [name = "", ...args] = argv;
  const cmd = name.toUpperCase();
  switch (cmd) {
    case "PING": return args.length === 0 ? "+PONG\r\n" : args.length === 1 ? bulk(args[0]) : arity(cmd);
    case "ECHO": return args.length === 1 ? bulk(args[0]) : arity(cmd);
    case "SET": if (args.length < 2) return arity(cmd); db.set(args[0], args[1]); return "+OK\r\n";
    case "GET": return args.length === 1 ? bulk(db.get(args[0])) : arity(cmd);
    case "DEL": case "EXISTS": {
      if (!args.length) return arity(cmd);
      let n = 0;
      for (const k of args) if (db.has(k)) { n++; if (cmd === "DEL") db.delete(k); }
      return int(n);
    }
    case "INCR": case "DECR": {
      if (args.length !== 1) return arity(cmd);
      const v = db.get(args[0]) ?? "0";
      if (!/^-?\d+$/.test(v)) return "-ERR value is not an integer or out of range\r\n";
      const next = Number(v) + (cmd === "INCR" ? 1 : -1);
      db.set(args[0], String(next));
      return int(next);
    }
    case "DBSIZE": return int(db.size);
    case "FLUSHALL": case "FLUSHDB": db.clear(); return "+OK\r\n";
    default: {
      const begin = args.map((a) => `'${a}'`).join(" ");
      return `-ERR unknown command '${name}', with args beginning with: ${begin}${begin ? " " : ""}\r\n`;
    }
  }
}
