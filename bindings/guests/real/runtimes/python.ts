/**
 * Python guests on Pyodide (CPython 3.14 in WebAssembly), inside the guest's worker.
 *
 * Signals, pause and scans ride on CPython's periodic signal check: Pyodide reads
 * `Module.Py_EmscriptenSignalBuffer[0]` from JavaScript every few dozen bytecodes once signal
 * handling is on, so that read is replaced by the control block's checkpoint. A signal then reaches
 * Python as a real one: SIGINT raises KeyboardInterrupt, SIGTERM runs a handler the program
 * installed and is otherwise ignored, as it is for a container's PID 1 without a handler.
 */
import type { WorkerGuest } from "../worker.js";
import { importRuntime } from "../worker.js";
import { bridgeFilesystem, type EmNode, type EmscriptenFS, withErrno } from "./emscripten-fs.js";

/** The Python side: runs argv the way `python` would and returns the exit status. */
const RUNNER = `
def __vicsim_main(argv, env, cwd):
    import os, sys, runpy, traceback
    os.environ.clear()
    os.environ.update(env)
    try:
        os.chdir(cwd)
    except OSError:
        pass
    args = list(argv[1:])
    while args and args[0] in ("-u", "-B", "-E", "-s", "-S", "-I", "-q"):
        args.pop(0)
    try:
        try:
            if args and args[0] == "-c":
                sys.argv = ["-c"] + args[2:]
                code = compile(args[1] if len(args) > 1 else "", "<string>", "exec")
                exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
            elif args and args[0] == "-m":
                sys.argv = args[1:]
                runpy.run_module(args[1], run_name="__main__", alter_sys=True)
            elif args and args[0] != "-":
                sys.argv = args
                sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))  # as CPython: the script's folder first
                runpy.run_path(args[0], run_name="__main__")
            else:
                sys.argv = [""] + args[1:]
                exec(compile(sys.stdin.read(), "<stdin>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
            return 0
        except SystemExit as e:
            if e.code is None:
                return 0
            if isinstance(e.code, int):
                return e.code & 255
            print(e.code, file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            traceback.print_exc()
            return 130
        except BaseException:
            traceback.print_exc()
            return 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
__vicsim_main
`;

/**
 * Pyodide's loader and the folder it loads its wasm and stdlib from: the folder URL a Web Worker
 * host gave (spawn-web.ts), else the installed package (Node: its directory; Deno: where the
 * package's own module says).
 */
async function pyodideLoader(g: WorkerGuest): Promise<{ loadPyodide: typeof import("pyodide").loadPyodide; indexURL?: string }> {
  const web = g.start.assets?.pyodide;
  const load = () => (web ? import(/* @vite-ignore */ `${web}pyodide.mjs`) : import("pyodide")) as Promise<typeof import("pyodide")>;
  const { loadPyodide } = await importRuntime("python", load);
  const indexURL = web ?? (await pyodideDir());
  return { loadPyodide, ...(indexURL ? { indexURL } : {}) };
}

/** Directory of the installed pyodide package in Node (it loads its wasm and stdlib from there). */
async function pyodideDir(): Promise<string | undefined> {
  if (typeof process === "undefined" || !process.versions?.node || "Deno" in globalThis) return undefined;
  const { createRequire } = await import("node:module");
  const { dirname } = await import("node:path");
  return dirname(createRequire(import.meta.url).resolve("pyodide/package.json")) + "/";
}

/**
 * Top-level folders of the container Pyodide keeps for itself: its standard library is in /lib, and
 * /dev and /proc are Emscripten's devices. Every other top-level folder of the container's root
 * (/app, /etc, /home, /tmp, /usr, /var, volume mount points, …) is mounted over the bridge.
 */
export const PYODIDE_OWN = new Set(["lib", "dev", "proc", "sys"]);

interface PyodideFs {
  FS: EmscriptenFS & {
    root: EmNode;
    mkdirTree(path: string): void;
    mount(type: unknown, opts: { root: string }, at: string): void;
    lookupNode(parent: EmNode, name: string): EmNode;
  };
  ERRNO_CODES: Record<string, number>;
}

/** The root's operations Pyodide's own (in-memory) root has, that the container's folders join. */
interface RootOps {
  lookup(parent: EmNode, name: string): EmNode;
  mknod(parent: EmNode, name: string, mode: number, dev: number): EmNode;
  readdir(node: EmNode): string[];
}

/**
 * Mounts the container's top-level folders (all but PYODIDE_OWN) on the bridge, at their own paths:
 * those there at start, one another process makes later when the guest first looks it up, and one
 * the guest makes itself (made in the container, then mounted), so that every top-level folder the
 * guest sees is the container's.
 */
function mountContainerFiles(py: PyodideFs, g: WorkerGuest): void {
  const files = g.files;
  if (!files) return;
  const { FS, ERRNO_CODES } = py;
  const type = bridgeFilesystem(FS, ERRNO_CODES, files);
  const isContainerDir = (name: string): boolean => {
    if (PYODIDE_OWN.has(name)) return false;
    try {
      return files.stat(`/${name}`).kind === "dir";
    } catch {
      return false; // absent, or a dangling symlink
    }
  };
  // While a mount point is made, the root is Pyodide's own (FS.mkdir looks the name up first).
  let mounting = false;
  const mountAt = (name: string): void => {
    mounting = true;
    try {
      FS.mkdirTree(`/${name}`);
    } catch {
      // there already (/tmp, /home)
    }
    try {
      FS.mount(type, { root: `/${name}` }, `/${name}`);
    } finally {
      mounting = false;
    }
  };
  for (const name of files.readdir("/")) if (isContainerDir(name)) mountAt(name);
  const own = FS.root.node_ops as RootOps;
  const rootOps: RootOps = {
    ...own,
    lookup(parent, name) {
      try {
        return own.lookup(parent, name);
      } catch (error) {
        if (mounting || !isContainerDir(name)) throw error;
        mountAt(name);
        return FS.lookupNode(parent, name);
      }
    },
    mknod(parent, name, mode, dev) {
      if (mounting || !FS.isDir(mode) || PYODIDE_OWN.has(name)) return own.mknod(parent, name, mode, dev);
      withErrno(FS, ERRNO_CODES, () => files.mkdir(`/${name}`, mode & 0o7777));
      mountAt(name);
      return FS.lookupNode(parent, name);
    },
    readdir(node) {
      const names = new Set(own.readdir(node));
      for (const name of files.readdir("/")) if (isContainerDir(name)) names.add(name);
      return [...names];
    },
  };
  FS.root.node_ops = rootOps;
}

export async function run(g: WorkerGuest): Promise<number> {
  const { loadPyodide, indexURL } = await pyodideLoader(g);
  const { start } = g;
  const began = performance.now();
  const env: Record<string, string> = { ...start.env };
  // Seeded guests hash strings the same way too, with their image's seed; a template is always booted seeded (see README).
  if (start.seed !== null && env.PYTHONHASHSEED === undefined) env.PYTHONHASHSEED = String(start.seed >>> 0);
  const py = await loadPyodide({
    ...(indexURL ? { indexURL } : {}),
    env,
    ...(start.makeTemplate ? { _makeSnapshot: true } : {}),
    ...(start.snapshot ? { _loadSnapshot: start.snapshot } : {}),
  });
  const mod = (py as unknown as { _module: { HEAPU8: Uint8Array; Py_EmscriptenSignalBuffer: unknown } })._module;
  g.setMemory(() => mod.HEAPU8);
  if (start.makeTemplate) {
    const snapshot = py.makeMemorySnapshot();
    const bytes = mod.HEAPU8.slice();
    g.post({ type: "template", snapshot, bytes, bootMs: performance.now() - began }, [snapshot.buffer as ArrayBuffer, bytes.buffer as ArrayBuffer]);
    return 0;
  }
  py.setStdout({ write: (buf: Uint8Array) => (g.write("stdout", buf), buf.length) });
  py.setStderr({ write: (buf: Uint8Array) => (g.write("stderr", buf), buf.length) });
  py.setStdin({ read: (buf: Uint8Array) => g.control.readStdin(buf) });
  mountContainerFiles(py as unknown as PyodideFs, g);
  py.setInterruptBuffer(new Int32Array(new SharedArrayBuffer(4)));
  mod.Py_EmscriptenSignalBuffer = {
    get 0() {
      return g.control.checkpoint();
    },
    set 0(_cleared: number) {},
  };
  g.booted(performance.now() - began, !!start.snapshot);
  const main = py.runPython(RUNNER) as (argv: string[], env: unknown, cwd: string) => number;
  const pyArgv = py.toPy(start.argv);
  const pyEnv = py.toPy(start.env);
  try {
    return main(pyArgv, pyEnv, start.workingDir);
  } finally {
    pyArgv.destroy();
    pyEnv.destroy();
  }
}
