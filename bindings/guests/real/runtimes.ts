/**
 * The real runtimes a container's command can run on, the optional packages that provide them and
 * what each lacks. A runtime is loaded only when a guest needs it; without its package, a guest
 * fails with a message naming the package to install.
 */

/** A real runtime: Pyodide (CPython), ruby.wasm, QuickJS, or a WASI preview1 program. */
export type RuntimeKind = "python" | "ruby" | "quickjs" | "wasi";

export interface RuntimeInfo {
  kind: RuntimeKind;
  /** What it is, in one line (shown to users, e.g. by `docker inspect`). */
  description: string;
  /** What a user of the real thing would miss. */
  lacks: string;
  /** npm packages that enable it (exact versions this build is tested with); none for WASI in Node. */
  packages: string[];
}

export const RUNTIMES: Record<RuntimeKind, RuntimeInfo> = {
  python: {
    kind: "python",
    description: "CPython 3.14 compiled to WebAssembly (Pyodide 314.0.8), full standard library",
    lacks: "subprocess, threads that run in parallel, sockets to the outside, packages outside the standard library (pip wheels are not available offline)",
    packages: ["pyodide@314.0.8"],
  },
  ruby: {
    kind: "ruby",
    description: "CRuby 3.4 compiled to WebAssembly/WASI (ruby.wasm 2.10.1) with its standard library",
    lacks: "fork, spawn, system and backticks, threads that run in parallel, sockets, native gems",
    packages: ["@ruby/3.4-wasm-wasi@2.10.1", "@ruby/wasm-wasi@2.10.1"],
  },
  quickjs: {
    kind: "quickjs",
    description: "QuickJS (quickjs-emscripten 0.32.0), an ES2023 interpreter standing in for `node`: it is NOT Node.js",
    lacks: "every Node.js API (require, process, fs, http, Buffer, timers beyond the script's own run), so no file access: QuickJS has no fs module (its script is read from the container's filesystem, the program opens nothing), npm modules, a JIT; only console.log/console.error and the ECMAScript built-ins",
    packages: ["quickjs-emscripten-core@0.32.0", "@jitl/quickjs-wasmfile-release-sync@0.32.0"],
  },
  wasi: {
    kind: "wasi",
    description: "a WebAssembly program for WASI preview1 (node:wasi in Node)",
    lacks: "fork/exec, pipes between processes, signals, sockets (WASI preview1 has none of them)",
    packages: [],
  },
};

/** The error a guest meets when its runtime's package is not installed. */
export function missingRuntime(kind: RuntimeKind, cause: unknown): Error {
  const pkgs = RUNTIMES[kind].packages;
  return new Error(
    `${kind} guests need the optional package${pkgs.length > 1 ? "s" : ""} ${pkgs.join(" and ")}: ` +
      `run \`npm install ${pkgs.join(" ")}\` (${(cause as Error)?.message ?? cause})`,
  );
}

/**
 * The runtime for a container command, or null when it stays with the emulated guest:
 * `python`/`python3 …` → python, `ruby …` → ruby, `node -e …`/`node file.js` → quickjs, and any
 * command of an image whose platform is `wasi/wasm` → wasi.
 */
export function runtimeForCommand(argv: string[], platform?: string): RuntimeKind | null {
  if (platform === "wasi/wasm") return "wasi";
  const base = (argv[0] ?? "").split("/").pop() ?? "";
  if (/^python(3(\.\d+)?)?$/.test(base)) return "python";
  if (base === "ruby") return "ruby";
  if (base === "node" || base === "nodejs") return "quickjs";
  return null;
}
