/**
 * The container's files a real guest sees: the folder of the program it runs (`python /app/main.py`
 * → `/app`) is copied from the container's filesystem into a host folder mounted at the same path
 * in the guest (Pyodide's NODEFS, WASI preopens), and what the program wrote there is copied back
 * when it exits, so `docker cp` and the shell see it. Node only (a host folder); bounded in size.
 */
import type { ContainerFs } from "../fs/index.js";
import type { GuestMount } from "./real/protocol.js";

/** At most this many files and bytes are copied into a guest's folder. */
const MAX_FILES = 512;
const MAX_BYTES = 32 << 20;

export interface GuestFiles {
  mounts: GuestMount[];
  /** Container path → the bytes copied in (what copyOut compares with). */
  copied: Map<string, Uint8Array>;
  dir: string;
  host: string;
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

/** The folder of the program the argv runs (or of `program`, a WASI module's path), if the container has that program (null otherwise). */
export async function programFiles(fs: ContainerFs, argv: string[], cwd: string, program?: string): Promise<GuestFiles | null> {
  const path = program ?? programPath(argv, cwd);
  if (!path || !fs.exists(path) || fs.stat(path).kind !== "file") return null;
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  if (dir === "/") return null; // the whole root is not copied; put programs in a folder
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const host = mkdtempSync(join(tmpdir(), "vicsim-guest-"));
  return { mounts: [{ guestPath: dir, hostPath: host }], copied: new Map(), dir, host, dispose: () => rmSync(host, { recursive: true, force: true }) };
}

/** Copies the program's folder (bounded) from the container into the guest's host folder. */
export async function copyIn(fs: ContainerFs, files: GuestFiles): Promise<void> {
  const { mkdirSync, writeFileSync } = await import("node:fs");
  let count = 0;
  let bytes = 0;
  const walk = (rel: string) => {
    for (const name of fs.readdir(files.dir + rel)) {
      const inside = `${rel}/${name}`;
      const st = fs.stat(files.dir + inside);
      if (st.kind === "dir") {
        mkdirSync(files.host + inside, { recursive: true });
        walk(inside);
      } else if (st.kind === "file") {
        if (++count > MAX_FILES || (bytes += st.size) > MAX_BYTES) throw new Error(`${files.dir} holds more than ${MAX_FILES} files or ${MAX_BYTES >> 20} MiB: too much to hand a real guest`);
        const data = fs.readFile(files.dir + inside);
        writeFileSync(files.host + inside, data);
        files.copied.set(files.dir + inside, data);
      }
    }
  };
  walk("");
}

/** Writes back to the container what the guest created or changed in its folder. */
export async function copyOut(fs: ContainerFs, files: GuestFiles): Promise<void> {
  const { readdirSync, readFileSync, statSync } = await import("node:fs");
  const walk = (rel: string) => {
    for (const name of readdirSync(files.host + rel)) {
      const inside = `${rel}/${name}`;
      const st = statSync(files.host + inside);
      const path = files.dir + inside;
      if (st.isDirectory()) {
        if (!fs.exists(path)) fs.mkdir(path, { parents: true });
        walk(inside);
      } else if (st.isFile()) {
        const data = new Uint8Array(readFileSync(files.host + inside));
        const before = files.copied.get(path);
        if (!before || before.length !== data.length || before.some((b, i) => b !== data[i])) fs.writeFile(path, data);
      }
    }
  };
  walk("");
}
