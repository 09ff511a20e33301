/**
 * WASI preview1 for a guest: node:wasi (Node, Deno) or @bjorn3/browser_wasi_shim (browsers,
 * wasi-shim.ts) does arguments, environment, clocks and exit; the file calls are the container's
 * filesystem through the live bridge (wasi-fs.ts: `/` preopened as descriptor 3) on every host;
 * stdin, stdout and stderr go through the guest's worker instead of the process's own descriptors;
 * entropy is seeded when asked, and every system call is a checkpoint (pause, scan).
 */
import type { WorkerGuest } from "../worker.js";
import { WasiFiles } from "./wasi-fs.js";
import { shimWasi, type WasiBase } from "./wasi-shim.js";

const ESUCCESS = 0;

export interface GuestWasi {
  /** Imports for `wasi_snapshot_preview1`. */
  imports: WebAssembly.ModuleImports;
  /** Runs a command module's `_start`; returns its exit status. */
  start(instance: WebAssembly.Instance): number;
  /** Initialises a reactor module (ruby.wasm). */
  initialize(instance: WebAssembly.Instance): void;
  /** Tells the layer where the guest's memory is (for stdio, files and entropy). */
  setMemory(memory: WebAssembly.Memory): void;
}

export async function guestWasi(g: WorkerGuest, args: string[]): Promise<GuestWasi> {
  const nodeWasi = await import("node:wasi").catch(() => null);
  if (!nodeWasi) return wrap(g, await shimWasi(args, g.start.env));
  // No preopens: node:wasi never touches the host's files; wasi-fs.ts answers every file call.
  const wasi = new nodeWasi.WASI({ version: "preview1", args, env: g.start.env, returnOnExit: true });
  return wrap(g, { wasiImport: wasi.wasiImport as Record<string, (...a: number[]) => number>, start: (i) => wasi.start(i) ?? 0, initialize: (i) => wasi.initialize(i) });
}

/** The guest's layer over a WASI implementation (node:wasi, or the shim where it is absent) and the bridged files. */
function wrap(g: WorkerGuest, wasi: WasiBase): GuestWasi {
  let memory: WebAssembly.Memory | null = null;
  const view = () => new DataView(memory!.buffer);
  const files = new WasiFiles(g.files, () => memory!);
  const base = { ...wasi.wasiImport, ...(files.imports() as Record<string, (...a: number[]) => number>) };
  const imports: Record<string, (...a: number[]) => number> = {};
  for (const [name, fn] of Object.entries(base)) {
    imports[name] = (...a: number[]) => {
      g.control.checkpoint();
      return fn(...a);
    };
  }
  imports.fd_write = (fd: number, iovs: number, count: number, written: number) => {
    g.control.checkpoint();
    if (fd !== 1 && fd !== 2) return base.fd_write(fd, iovs, count, written);
    const v = view();
    let total = 0;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const ptr = v.getUint32(iovs + i * 8, true);
      const len = v.getUint32(iovs + i * 8 + 4, true);
      parts.push(new Uint8Array(memory!.buffer, ptr, len).slice());
      total += len;
    }
    const joined = new Uint8Array(total);
    let off = 0;
    for (const p of parts) joined.set(p, (off += p.byteLength) - p.byteLength);
    g.write(fd === 1 ? "stdout" : "stderr", joined);
    v.setUint32(written, total, true);
    return ESUCCESS;
  };
  imports.fd_read = (fd: number, iovs: number, count: number, read: number) => {
    g.control.checkpoint();
    if (fd !== 0) return base.fd_read(fd, iovs, count, read);
    const v = view();
    let n = 0;
    if (count > 0) {
      const ptr = v.getUint32(iovs, true);
      const len = v.getUint32(iovs + 4, true);
      n = g.control.readStdin(new Uint8Array(memory!.buffer, ptr, len));
    }
    view().setUint32(read, n, true);
    return ESUCCESS;
  };
  if (g.random) {
    const random = g.random;
    imports.random_get = (buf: number, len: number) => {
      random(new Uint8Array(memory!.buffer, buf, len));
      return ESUCCESS;
    };
  }
  return {
    imports,
    start: (instance) => wasi.start(instance),
    initialize: (instance) => wasi.initialize(instance),
    setMemory: (m) => void (memory = m),
  };
}

/** The exit status a trapped guest gets, as a Linux process killed by the matching signal would. */
export function trapStatus(error: unknown): number {
  const message = String((error as Error)?.message ?? error);
  if (/unreachable/.test(message)) return 134; // abort(): SIGABRT
  if (/out of bounds|memory access/.test(message)) return 139; // SIGSEGV
  return 1;
}

/** A program file the guest's command names (`ruby /app/main.rb`), read from the container's filesystem; null when it is not there. */
export function programText(g: WorkerGuest, path: string): string | null {
  const abs = path.startsWith("/") ? path : `${g.start.workingDir.replace(/\/$/, "")}/${path}`;
  try {
    return g.files ? new TextDecoder().decode(g.files.readFile(abs)) : null;
  } catch {
    return null;
  }
}
