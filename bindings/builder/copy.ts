/**
 * COPY and ADD: sources from the build context (or a stage's or image's filesystem with --from)
 * into the build's filesystem, with Docker's rules: wildcards, a directory copies its contents,
 * a destination ending in `/` (or an existing directory) receives the sources by name, files are
 * owned by root unless `--chown`, modes and mtimes are kept, and ADD extracts local tar archives.
 * Returns a hash of what was copied (the cache key of the step).
 */
import { ContainerFs, FsError, importTar } from "../fs/index.js";
import { gunzip, isGzip, isTar } from "./context.js";
import { BuildError } from "./errors.js";
import { hex } from "./image.js";

export interface CopyOptions {
  keyword: "COPY" | "ADD";
  /** Where the sources are (the context, or a stage's filesystem). */
  from: ContainerFs;
  /** Absolute destination, `/` at the end when it names a directory. */
  dest: string;
  owner: { uid: number; gid: number } | null;
  mode: number | null;
  /** True when the sources come from the context (errors then mention it). */
  fromContext: boolean;
}

const WILDCARD = /[*?[]/;

/** The paths `sources` name in `from`, wildcards expanded. */
function resolveSources(o: CopyOptions, sources: string[]): string[] {
  const out: string[] = [];
  for (const s of sources) {
    const abs = "/" + s.split("/").filter((c) => c && c !== ".").join("/");
    if (WILDCARD.test(abs)) {
      const matches = walk(o.from, "/").filter((p) => globMatch(abs, p));
      out.push(...matches);
      continue;
    }
    if (!o.from.exists(abs) && !lexists(o.from, abs)) {
      const where = o.fromContext ? "file not found in build context or excluded by .dockerignore: " : "";
      throw new BuildError(`${o.keyword} failed: ${where}stat ${s.replace(/^\/+/, "")}: file does not exist`);
    }
    out.push(abs);
  }
  if (out.length === 0) throw new BuildError(`${o.keyword} failed: no source files were specified`);
  return out;
}

function lexists(fs: ContainerFs, p: string): boolean {
  try { fs.lstat(p); return true; } catch { return false; }
}

function walk(fs: ContainerFs, dir: string): string[] {
  const out: string[] = [];
  for (const n of fs.readdir(dir)) {
    const p = (dir === "/" ? "" : dir) + "/" + n;
    out.push(p);
    if (fs.lstat(p).kind === "dir") out.push(...walk(fs, p));
  }
  return out;
}

/** Go's filepath.Match over whole paths (`*` does not cross `/`). */
function globMatch(pattern: string, path: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) return false;
      const cls = pattern.slice(i + 1, close);
      re += "[" + (cls.startsWith("^") || cls.startsWith("!") ? "^" + cls.slice(1) : cls).replace(/\\/g, "\\\\") + "]";
      i = close;
    } else if (c === "\\" && i + 1 < pattern.length) re += "\\" + pattern[++i];
    else re += /[.+^${}()|\]\\/]/.test(c) ? "\\" + c : c;
  }
  return new RegExp(re + "$").test(path);
}

/** Runs one COPY/ADD into `dest`; returns the hash of the copied content. */
export async function copySources(to: ContainerFs, sources: string[], o: CopyOptions): Promise<string> {
  const paths = resolveSources(o, sources);
  const dirDest = o.dest.endsWith("/");
  if (paths.length > 1 && !dirDest) {
    throw new BuildError(`When using ${o.keyword} with more than one source file, the destination must be a directory and end with a /`);
  }
  const hashInput: string[] = [];
  const hashBytes: Uint8Array[] = [];
  const record = (p: string, mode: number, extra: string | Uint8Array): void => {
    hashInput.push(`${p}\0${mode.toString(8)}\0${o.owner?.uid ?? 0}:${o.owner?.gid ?? 0}`);
    hashBytes.push(typeof extra === "string" ? new TextEncoder().encode(extra) : extra);
  };
  const destBase = o.dest.replace(/\/+$/, "") || "/";
  try {
    for (const src of paths) {
      const st = o.from.lstat(src);
      if (st.kind === "dir") {
        mkdirs(to, destBase, o);
        copyTree(o.from, src, to, destBase, o, record);
        continue;
      }
      const data = st.kind === "file" ? o.from.readFile(src) : null;
      if (o.keyword === "ADD" && data && (isTar(data) || (isGzip(data) && isTar(await gunzip(data))))) {
        mkdirs(to, destBase, o);
        await importTar(to, destBase, isGzip(data) ? await gunzip(data) : data);
        record(src, st.mode, data);
        continue;
      }
      const name = src.split("/").pop()!;
      let target = destBase;
      if (dirDest || isDir(to, destBase)) { mkdirs(to, destBase, o); target = (destBase === "/" ? "" : destBase) + "/" + name; }
      else mkdirs(to, destBase.slice(0, destBase.lastIndexOf("/")) || "/", o);
      copyEntry(o.from, src, to, target, o, record);
    }
  } catch (e) {
    if (e instanceof FsError) throw new BuildError(`${o.keyword} failed: ${e.message}`);
    throw e;
  }
  const h = new TextEncoder().encode(hashInput.join("\n"));
  const all = new Uint8Array(h.length + hashBytes.reduce((s, b) => s + b.length + 1, 0));
  all.set(h, 0);
  let off = h.length;
  for (const b of hashBytes) { all[off++] = 0; all.set(b, off); off += b.length; }
  return hex(all);
}

function isDir(fs: ContainerFs, p: string): boolean {
  try { return fs.stat(p).kind === "dir"; } catch { return false; }
}

/** mkdir -p owned by root (or --chown's owner for the directories COPY creates, as Docker does). */
function mkdirs(fs: ContainerFs, dir: string, o: CopyOptions): void {
  let prefix = "";
  for (const c of dir.split("/").filter(Boolean)) {
    prefix += "/" + c;
    if (isDir(fs, prefix)) continue;
    fs.mkdir(prefix, { mode: 0o755 });
    if (o.owner) fs.chown(prefix, o.owner.uid, o.owner.gid);
  }
}

type Record = (p: string, mode: number, extra: string | Uint8Array) => void;

function copyTree(from: ContainerFs, src: string, to: ContainerFs, dest: string, o: CopyOptions, record: Record): void {
  for (const n of from.readdir(src)) {
    const s = (src === "/" ? "" : src) + "/" + n;
    const d = (dest === "/" ? "" : dest) + "/" + n;
    copyEntry(from, s, to, d, o, record);
  }
}

function copyEntry(from: ContainerFs, src: string, to: ContainerFs, dest: string, o: CopyOptions, record: Record): void {
  const st = from.lstat(src);
  const uid = o.owner?.uid ?? 0, gid = o.owner?.gid ?? 0;
  if (st.kind === "dir") {
    if (!isDir(to, dest)) { if (lexists(to, dest)) to.removeAll(dest); to.mkdir(dest, { mode: st.mode }); }
    const mode = o.mode ?? st.mode;
    record(dest, mode, "");
    copyTree(from, src, to, dest, o, record);
    to.chmod(dest, mode);
    to.chown(dest, uid, gid);
    to.utimes(dest, st.mtime);
    return;
  }
  if (lexists(to, dest)) {
    if (to.lstat(dest).kind === "dir") throw new BuildError(`${o.keyword} failed: cannot replace directory ${dest} with a file`);
    to.unlink(dest);
  }
  if (st.kind === "symlink") {
    to.symlink(st.target!, dest);
    to.chown(dest, uid, gid, false);
    record(dest, 0o777, "->" + st.target);
    return;
  }
  const data = from.readFile(src);
  const mode = o.mode ?? st.mode;
  to.writeFile(dest, data, { mode });
  to.chmod(dest, mode);
  to.chown(dest, uid, gid);
  to.utimes(dest, st.mtime);
  record(dest, mode, data);
}
