/**
 * A layer as a JSON value (file bytes in base64), synchronously: what a VCH journal stores for a
 * container's layer or a volume in the same commit as the records that mention them, so a layer is
 * durable when the caller hears back (the OCI tar form in ./tar.ts is asynchronous).
 */
import { Layer } from "./layer.js";
import type { DirNode, Node } from "./node.js";

/** A node as the journal keeps it: [kind, mode, uid, gid, mtime, payload]. */
export type StoredNode =
  | ["f", number, number, number, number, string]
  | ["l", number, number, number, number, string]
  | ["d", number, number, number, number, Record<string, StoredNode>, boolean]
  | ["w"];

export function layerToJson(layer: Layer): StoredNode {
  return nodeToJson(layer.root);
}

export function layerFromJson(value: StoredNode): Layer {
  const root = nodeFromJson(value);
  if (root.kind !== "dir") throw new Error("a stored layer's root is a directory");
  return new Layer(root);
}

function nodeToJson(n: Node): StoredNode {
  switch (n.kind) {
    case "whiteout": return ["w"];
    case "file": return ["f", n.mode, n.uid, n.gid, n.mtime, base64(n.data)];
    case "symlink": return ["l", n.mode, n.uid, n.gid, n.mtime, n.target];
    case "dir": {
      const entries: Record<string, StoredNode> = {};
      for (const [k, v] of n.entries) entries[k] = nodeToJson(v);
      return ["d", n.mode, n.uid, n.gid, n.mtime, entries, n.opaque];
    }
  }
}

function nodeFromJson(s: StoredNode): Node {
  if (s[0] === "w") return { kind: "whiteout" };
  const [kind, mode, uid, gid, mtime, payload] = s;
  if (kind === "f") return { kind: "file", mode, uid, gid, mtime, data: unbase64(payload as string) };
  if (kind === "l") return { kind: "symlink", mode, uid, gid, mtime, target: payload as string };
  const d: DirNode = { kind: "dir", mode, uid, gid, mtime, entries: new Map(), opaque: !!s[6] };
  for (const [k, v] of Object.entries(payload as Record<string, StoredNode>)) d.entries.set(k, nodeFromJson(v));
  return d;
}

function base64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

function unbase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
