/**
 * A layer: one tree of a container's root filesystem. Image layers are read-only lowers shared by
 * every container of the image; each container has one upper layer it writes (copy-on-write).
 */
import { type DirNode, type FileNode, type Meta, type Node, newDir } from "./node.js";

/** The root directory's metadata in every layer (root-owned 0755, the epoch until written). */
export const ROOT_META: Meta = { mode: 0o755, uid: 0, gid: 0, mtime: 0 };

export class Layer {
  readonly root: DirNode;
  constructor(root?: DirNode) {
    this.root = root ?? newDir(ROOT_META);
  }

  /** The node at `parts` in this layer alone (no merging, no symlinks); null when absent. */
  get(parts: readonly string[]): Node | null {
    let n: Node = this.root;
    for (const c of parts) {
      if (n.kind !== "dir") return null;
      const next = n.entries.get(c);
      if (!next) return null;
      n = next;
    }
    return n;
  }

  /** Bytes this layer holds: file contents and symlink targets (Docker's SizeRw for an upper layer). */
  size(): number {
    let total = 0;
    const walk = (d: DirNode): void => {
      for (const n of d.entries.values()) {
        if (n.kind === "file") total += n.data.length;
        else if (n.kind === "symlink") total += n.target.length;
        else if (n.kind === "dir") walk(n);
      }
    };
    walk(this.root);
    return total;
  }

  /** True when the layer holds nothing but its root. */
  isEmpty(): boolean {
    return this.root.entries.size === 0;
  }
}

/** Builds an image layer from a compact description (used by the image catalogue and tests). */
export class LayerBuilder {
  readonly layer = new Layer();
  constructor(private readonly mtime: number) {}

  /** A directory and its missing parents (0755 root:root unless `meta` says otherwise). */
  dir(path: string, meta: Partial<Meta> = {}): this {
    const [parent, name] = this.parentOf(path + "/x");
    void name;
    Object.assign(parent, meta);
    return this;
  }

  file(path: string, content: string | Uint8Array, meta: Partial<Meta> = {}): this {
    const [parent, name] = this.parentOf(path);
    const data = typeof content === "string" ? new TextEncoder().encode(content) : content;
    const node: FileNode = { kind: "file", data, mode: 0o644, uid: 0, gid: 0, mtime: this.mtime, ...meta };
    parent.entries.set(name, node);
    return this;
  }

  symlink(path: string, target: string): this {
    const [parent, name] = this.parentOf(path);
    parent.entries.set(name, { kind: "symlink", target, mode: 0o777, uid: 0, gid: 0, mtime: this.mtime });
    return this;
  }

  /** Marks `path` deleted relative to the layers below. */
  whiteout(path: string): this {
    const [parent, name] = this.parentOf(path);
    parent.entries.set(name, { kind: "whiteout" });
    return this;
  }

  private parentOf(path: string, meta: Partial<Meta> = {}): [DirNode, string] {
    const parts = path.split("/").filter(Boolean);
    const name = parts.pop()!;
    let d = this.layer.root;
    for (const c of parts) {
      let next = d.entries.get(c);
      if (!next || next.kind !== "dir") {
        next = newDir({ mode: 0o755, uid: 0, gid: 0, mtime: this.mtime, ...meta });
        d.entries.set(c, next);
      }
      d = next;
    }
    return [d, name];
  }
}
