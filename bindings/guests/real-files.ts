/**
 * The container's files a real guest sees: the folder of the program it runs (`python /app/main.py`
 * → `/app`) and every volume and directory bind mount (`-v data:/data`) are copied from the
 * container's filesystem into host folders mounted at the same paths in the guest (Pyodide's NODEFS,
 * WASI preopens), and what the program wrote there is copied back when it exits (read-only mounts
 * excepted), so `docker cp`, the shell and other containers on the volume see it. Node only (host
 * folders); bounded in size.
 */
import type { ContainerFs } from "../fs/index.js";
import type { GuestMount } from "./real/protocol.js";

/** At most this many files and bytes are copied into a guest's folders (all of them together). */
const MAX_FILES = 512;
const MAX_BYTES = 32 << 20;

/** One container folder handed to the guest: its path, the host folder behind it, whether it is written back. */
interface GuestDir {
  dir: string;
  host: string;
  readOnly: boolean;
}

export interface GuestFiles {
  mounts: GuestMount[];
  dirs: GuestDir[];
  /** Container path → the bytes copied in (what copyOut compares with). */
  copied: Map<string, Uint8Array>;
  dispose(): void;
}

/** The program file an argv names (`python [opts] FILE`, `node FILE`, `ruby FILE`), resolved against `cwd`. */
export function programPath(argv: string[], cwd: string): string | null {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-c" || a === "-e" || a === "--eval" || a === "-m") return null;
    if (a.startsWith("-")) continue;
    return a.startsWith("/") ? a : `${cwd.replace(/\/+$/, "")}/${a}`;
  }
  return null;
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir + "/");

/**
 * The folders the guest sees: the container's directory mounts (volumes, bind mounts) and the folder
 * of the program the argv runs (or of `program`, a WASI module's path) unless a mount holds it
 * already; null when there is none.
 */
export async function guestFiles(fs: ContainerFs, argv: string[], cwd: string, program?: string): Promise<GuestFiles | null> {
  const found: Omit<GuestDir, "host">[] = fs.mountModes().filter((m) => m.path !== "/" && fs.exists(m.path) && fs.stat(m.path).kind === "dir").map((m) => ({ dir: m.path, readOnly: m.readOnly }));
  const path = program ?? programPath(argv, cwd);
  if (path && fs.exists(path) && fs.stat(path).kind === "file") {
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    // The whole root is not copied; put programs in a folder.
    if (dir !== "/" && !found.some((m) => inside(dir, m.dir))) found.push({ dir, readOnly: false });
  }
  if (!found.length) return null;
  // Parents before the mounts inside them, so each guest mount lands on its parent's folder.
  found.sort((a, b) => a.dir.length - b.dir.length);
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dirs = found.map((d) => ({ ...d, host: mkdtempSync(join(tmpdir(), "vicsim-guest-")) }));
  return {
    mounts: dirs.map((d) => ({ guestPath: d.dir, hostPath: d.host })),
    dirs,
    copied: new Map(),
    dispose: () => { for (const d of dirs) rmSync(d.host, { recursive: true, force: true }); },
  };
}

/** A folder below `d` that another of the guest's folders covers (copied on its own). */
function covered(files: GuestFiles, d: GuestDir, path: string): boolean {
  return files.dirs.some((o) => o !== d && o.dir.length > d.dir.length && inside(path, o.dir));
}

/** Copies the guest's folders (bounded) from the container into their host folders. */
export async function copyIn(fs: ContainerFs, files: GuestFiles): Promise<void> {
  const { mkdirSync, writeFileSync } = await import("node:fs");
  let count = 0;
  let bytes = 0;
  for (const d of files.dirs) {
    const walk = (rel: string) => {
      for (const name of fs.readdir(d.dir + rel)) {
        const sub = `${rel}/${name}`;
        if (covered(files, d, d.dir + sub)) continue;
        const st = fs.stat(d.dir + sub);
        if (st.kind === "dir") {
          mkdirSync(d.host + sub, { recursive: true });
          walk(sub);
        } else if (st.kind === "file") {
          if (++count > MAX_FILES || (bytes += st.size) > MAX_BYTES) throw new Error(`${d.dir} holds more than ${MAX_FILES} files or ${MAX_BYTES >> 20} MiB: too much to hand a real guest`);
          const data = fs.readFile(d.dir + sub);
          writeFileSync(d.host + sub, data);
          files.copied.set(d.dir + sub, data);
        }
      }
    };
    walk("");
  }
}

/** Writes back to the container what the guest created, changed or removed in its writable folders. */
export async function copyOut(fs: ContainerFs, files: GuestFiles): Promise<void> {
  const { readdirSync, readFileSync, statSync } = await import("node:fs");
  for (const d of files.dirs) {
    if (d.readOnly) continue;
    const seen = new Set<string>();
    const walk = (rel: string) => {
      for (const name of readdirSync(d.host + rel)) {
        const sub = `${rel}/${name}`;
        const path = d.dir + sub;
        if (covered(files, d, path)) continue;
        const st = statSync(d.host + sub);
        if (st.isDirectory()) {
          if (!fs.exists(path)) fs.mkdir(path, { parents: true });
          walk(sub);
        } else if (st.isFile()) {
          seen.add(path);
          const data = new Uint8Array(readFileSync(d.host + sub));
          const before = files.copied.get(path);
          if (!before || before.length !== data.length || before.some((b, i) => b !== data[i])) fs.writeFile(path, data);
        }
      }
    };
    walk("");
    // A file the guest removed is removed from the container (or the volume) too.
    for (const path of files.copied.keys()) {
      if (inside(path, d.dir) && !covered(files, d, path) && !seen.has(path) && fs.exists(path)) fs.unlink(path);
    }
  }
}
