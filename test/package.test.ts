// The packed tarball, installed the way a user installs it, imported from Node and from Deno.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = join(root, "node_modules/.bin/deno");
const tsc = join(root, "node_modules/.bin/tsc");

/** A small scenario in plain JavaScript, so Node and Deno run the very same text. */
const scenario = `
import * as vicsim from "vicsim";
const { MemoryEngine, Cluster, VchError } = vicsim;
const out = { resolved: import.meta.resolve("vicsim").replace(/^.*node_modules\\//, ""), ready: vicsim.coreReady() };

// Memory: a template VM writes 1,000 pages, three instant clones share them, one clone writes two.
const mem = MemoryEngine.create({ hosts: 2, hostMemoryMiB: 1024 });
const template = mem.createVm({ host: 0, memoryMiB: 64 });
mem.writePages(template, Uint32Array.from({ length: 1000 }, (_, i) => i), BigUint64Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)));
const clones = [1, 2, 3].map(() => mem.instantClone(template));
const faults = mem.writePages(clones[0], Uint32Array.of(5, 6), BigUint64Array.of(77n, 78n));
out.memory = {
  host: mem.hostStats(0),
  clone: mem.vmStats(clones[0]),
  faults,
  sibling: [...mem.readPages(clones[1], Uint32Array.of(5, 6))].map(String),
  writer: [...mem.readPages(clones[0], Uint32Array.of(5, 6))].map(String),
};

// Placement: 12 VMs on 4 hosts, host 0 fails, HA restarts its VMs elsewhere.
const cluster = Cluster.create({
  hosts: [0, 1, 2, 3].map((i) => ({ cpuMHz: 20000, memoryMiB: 65536, name: "H" + i })),
  ha: { kind: "slots", failuresToTolerate: 1 },
});
const vms = Array.from({ length: 12 }, (_, i) => cluster.addVm({ cpu: { demand: 1000 + 100 * i }, memory: { demand: 2048 }, name: "vm" + i }));
cluster.placeVms(vms);
const onHost0 = vms.filter((vm) => cluster.vmHost(vm) === 0);
const failover = cluster.failHosts([0]);
out.placement = {
  onHost0,
  restarted: failover.restarts.map((r) => r.vm),
  restartHosts: failover.restarts.map((r) => r.host),
  notRestarted: failover.notRestarted,
  hostsAfter: vms.map((vm) => cluster.vmHost(vm)),
};

// The VCH and the Docker API handler from the "vicsim/docker" entry: one copy of the modules, so the
// handler recognises the VCH's errors (a 404, not a 500).
const { createDockerHandler } = await import("vicsim/docker");
const vch = await vicsim.VirtualContainerHost.open({ cluster: { hosts: 2 }, clock: { mode: "manual" }, seed: 9 });
await vch.pullImage("busybox");
const greeter = vch.createContainer({ Image: "busybox", Cmd: ["echo", "hello from the package"] }, "greeter");
await vch.start(greeter.id);
vch.runUntilIdle();
const docker = createDockerHandler(vch);
const missing = await docker(new Request("http://vicsim/v1.50/containers/nope/json"));
const inspect = await (await docker(new Request("http://vicsim/v1.50/containers/greeter/json"))).json();
let logs = "";
for await (const chunk of vch.logs("greeter", { stdout: true })) logs += new TextDecoder().decode(chunk.data);
out.vch = { missing: { status: missing.status, body: await missing.json() }, state: inspect.State.Status, exitCode: inspect.State.ExitCode, logs };
await vch.close();

const error = new VchError("notFound", "No such container: web");
out.error = { kind: error.kind, message: error.message, isError: error instanceof Error };
console.log(JSON.stringify(out));
`;

/** What the scenario must print, by the engine's definitions (see bindings/core/memory-types.ts). */
function checkScenario(out: any, entry: string): void {
  expect(out.resolved).toBe(`vicsim/dist/${entry}.js`);
  expect(out.ready).toBe(true);
  // Frames: 1,000 written by the template + 2 copied on write by the clone; 4 VMs map 4,000 guest pages.
  expect(out.memory.host).toMatchObject({ used: 1002, sharedSaved: 4000 - 1002, vms: 4 });
  expect(out.memory.clone).toMatchObject({ granted: 1000, private: 2, shared: 998, consumed: 2 });
  expect(out.memory.faults).toMatchObject({ cowFaults: 2, bytesCopied: 8192 });
  expect(out.memory.sibling).toEqual(["6", "7"]); // the other clones still read the template's content
  expect(out.memory.writer).toEqual(["77", "78"]);
  // HA restarts exactly the VMs host 0 had, on surviving hosts, and nothing stays on host 0.
  expect(out.placement.onHost0.length).toBeGreaterThan(0);
  expect([...out.placement.restarted].sort()).toEqual([...out.placement.onHost0].sort());
  expect(out.placement.restartHosts.every((h: number) => h !== 0)).toBe(true);
  expect(out.placement.notRestarted).toEqual([]);
  expect(out.placement.hostsAfter.every((h: number) => h > 0)).toBe(true);
  expect(out.vch).toEqual({ missing: { status: 404, body: { message: "No such container: nope" } }, state: "exited", exitCode: 0, logs: "hello from the package\n" });
  expect(out.error).toEqual({ kind: "notFound", message: "No such container: web", isError: true });
}

/** A TypeScript consumer: the declarations must resolve through the "types" condition. */
const consumer = `
import { coreReady, MemoryEngine, VchError, type VirtualContainerHostApi, type VmMemoryStats } from "vicsim";
import { createDockerHandler, type DockerHandler } from "vicsim/docker";
export const makeHandler: (vch: VirtualContainerHostApi) => DockerHandler = createDockerHandler;
const ready: boolean = coreReady();
const stats: VmMemoryStats = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 64 }).vmStats(0);
const kind: "notFound" | "invalid" | "conflict" | "notModified" | "unavailable" | "internal" = new VchError("invalid", "x").kind;
export type Host = VirtualContainerHostApi;
export { ready, kind, stats };
`;

/**
 * A consumer project that depends on the packed tarball, and its lockfile: the tarball by its own
 * integrity, and the runtime dependencies (better-sqlite3 and what it needs) copied from the repo's
 * lockfile, each with the registry tarball it came from.
 */
function projectManifests(tarball: string, bytes: Buffer): { packageJson: object; lockfile: object } {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const pinned: Record<string, any> = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages;
  const registry = execFileSync("npm", ["config", "get", "registry"], { cwd: root, encoding: "utf8" }).trim().replace(/\/?$/, "/");
  /** Where Node finds `name` from the package at `from` in the repo's tree. */
  const resolveFrom = (from: string, name: string): string => {
    for (let base = from; ; ) {
      const at = `${base ? base + "/" : ""}node_modules/${name}`;
      if (pinned[at]) return at;
      if (!base) throw new Error(`package-lock.json has no ${name} (needed by ${from || "vicsim"}): run npm install`);
      const i = base.lastIndexOf("/node_modules/");
      base = i < 0 ? "" : base.slice(0, i);
    }
  };
  const dependencies = { vicsim: `file:../${tarball}` };
  const packages: Record<string, object> = {
    "": { name: "uses-vicsim", dependencies },
    "node_modules/vicsim": {
      version: pkg.version,
      resolved: `file:../${tarball}`,
      integrity: "sha512-" + createHash("sha512").update(bytes).digest("base64"),
      license: pkg.license,
      dependencies: pkg.dependencies,
    },
  };
  const add = (at: string): void => {
    if (packages[at]) return;
    const { dev, devOptional, peer, optional, ...entry } = pinned[at];
    const name = at.slice(at.lastIndexOf("node_modules/") + "node_modules/".length);
    packages[at] = { ...entry, resolved: entry.resolved ?? `${registry}${name}/-/${name.split("/").pop()}-${entry.version}.tgz` };
    for (const d of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) add(resolveFrom(at, d));
  };
  for (const d of Object.keys(pkg.dependencies)) add(resolveFrom("", d));
  return {
    packageJson: { name: "uses-vicsim", private: true, type: "module", dependencies, allowScripts: { "better-sqlite3": true } },
    lockfile: { name: "uses-vicsim", lockfileVersion: 3, requires: true, packages },
  };
}

let work = "";
let project = "";
let packedFiles: string[] = [];

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-needed"], { cwd: root, stdio: "inherit" });
  work = mkdtempSync(join(tmpdir(), "vicsim-package-"));
  const [packed] = JSON.parse(
    execFileSync("npm", ["pack", "--pack-destination", work, "--json", "--no-fund"], { cwd: root, encoding: "utf8" }),
  ) as { filename: string; files: { path: string }[] }[];
  packedFiles = packed.files.map((f) => f.path);
  project = join(work, "project");
  execFileSync("mkdir", ["-p", project]);
  const { packageJson, lockfile } = projectManifests(packed.filename, readFileSync(join(work, packed.filename)));
  writeFileSync(join(project, "package.json"), JSON.stringify(packageJson));
  writeFileSync(join(project, "package-lock.json"), JSON.stringify(lockfile, null, 2));
  // `npm ci` against that lockfile: every dependency at the version the repo's lockfile pins, checked by
  // integrity, taken from the npm cache when the repo's own install put it there (--prefer-offline), else
  // from the registry. (`npm install --offline` also needs the registry's package metadata, which
  // `npm ci` never caches: ENOTCACHED on a machine whose cache started empty.)
  // Install scripts are skipped and better-sqlite3's native addon is taken from the repo's own build instead of
  // compiling SQLite again (minutes on a small CI machine): same lockfile-pinned version, same Node, same bytes.
  execFileSync("npm", ["ci", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: project,
    stdio: "pipe",
    timeout: 8 * 60_000,
  });
  const version = (dir: string) => JSON.parse(readFileSync(join(dir, "node_modules/better-sqlite3/package.json"), "utf8")).version;
  expect(version(project)).toBe(version(root));
  mkdirSync(join(project, "node_modules/better-sqlite3/build/Release"), { recursive: true });
  copyFileSync(join(root, "node_modules/better-sqlite3/build/Release/better_sqlite3.node"), join(project, "node_modules/better-sqlite3/build/Release/better_sqlite3.node"));
  writeFileSync(join(project, "scenario.mjs"), scenario);
  writeFileSync(join(project, "scenario.ts"), scenario);
}, 10 * 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Static imports of an ES module file and, recursively, of the files it imports. */
function staticImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s*(?:[^"';]*?\sfrom\s*)?["']([^"']+)["']/gm)) {
    const spec = m[1];
    if (spec.startsWith(".")) found.push(...staticImports(resolve(dirname(file), spec), seen));
    else found.push(spec);
  }
  return found;
}

describe("the packed tarball", () => {
  it("ships the bundles, declarations and release wasm, and nothing of the sources or tests", () => {
    for (const f of ["dist/index.js", "dist/node.js", "dist/deno.js", "dist/browser.js", "dist/docker.js", "build/vicsim.release.wasm", "dist/types/bindings/index.d.ts", "README.md", "package.json"]) {
      expect(packedFiles, f).toContain(f);
    }
    const leaked = packedFiles.filter((f) => /^(assembly|test|bench|examples|scripts|bindings|docs|dist\/playground)\//.test(f) || f.endsWith(".debug.wasm"));
    expect(leaked).toEqual([]);
  });

  it("has a file behind every export target", () => {
    const pkg = JSON.parse(readFileSync(join(project, "node_modules/vicsim/package.json"), "utf8"));
    const targets: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string") targets.push(v);
      else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(pkg.exports);
    expect(Object.keys(pkg.exports["."])).toEqual(["types", "deno", "node", "browser", "default"]);
    for (const t of targets) expect(existsSync(join(project, "node_modules/vicsim", t)), t).toBe(true);
  });

  it("keeps Node-only modules out of the browser, Deno and default entries' static import graphs", () => {
    for (const entry of ["browser", "deno", "index", "docker"]) {
      const file = join(project, "node_modules/vicsim/dist", `${entry}.js`);
      const external = staticImports(file);
      expect(external.filter((s) => s.startsWith("node:") || s === "better-sqlite3"), entry).toEqual([]);
    }
  });
});

describe("from Node", () => {
  it("resolves the node condition and runs the scenario", () => {
    const out = JSON.parse(execFileSync(process.execPath, ["scenario.mjs"], { cwd: project, encoding: "utf8" }));
    checkScenario(out, "node");
  });

  it("keeps state in a state folder through the lazily loaded SQLite journal", () => {
    const script = `
      import { VirtualContainerHost } from "vicsim";
      const stateDir = "./state";
      let vch = await VirtualContainerHost.open({ stateDir, clock: { mode: "manual" } });
      await vch.pullImage("busybox");
      vch.createContainer({ Image: "busybox", Cmd: ["true"] }, "kept");
      await vch.close();
      vch = await VirtualContainerHost.open({ stateDir, clock: { mode: "manual" } });
      console.log(JSON.stringify({ names: vch.listContainers({ all: true }).map((c) => c.name), images: vch.listImages().flatMap((i) => i.repoTags) }));
      await vch.close();`;
    const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: project, encoding: "utf8" }));
    expect(out).toEqual({ names: ["/kept"], images: ["busybox:latest"] });
  });

  it("runs the default and browser builds too, with the wasm embedded (no loader flag)", () => {
    for (const entry of ["index", "browser"]) {
      const script = `import * as v from "./node_modules/vicsim/dist/${entry}.js"; console.log(JSON.stringify(v.coreReady()));`;
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: project, encoding: "utf8" });
      expect(out.trim(), entry).toBe("true");
    }
  });

  it("type-checks a TypeScript consumer against the shipped declarations", () => {
    writeFileSync(join(project, "consumer.ts"), consumer);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, noEmit: true, skipLibCheck: false, lib: ["ES2022", "DOM"], types: [] }, files: ["consumer.ts"] }),
    );
    execFileSync(tsc, ["-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
  });
});

describe("from Deno", () => {
  it("resolves the deno condition and runs the scenario with no permissions", () => {
    const out = JSON.parse(
      execFileSync(deno, ["run", "--no-prompt", "scenario.ts"], { cwd: project, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } }),
    );
    checkScenario(out, "deno");
  });

  it("gives the same answers as Node", () => {
    const run = (cmd: string, args: string[]) => {
      const o = JSON.parse(execFileSync(cmd, args, { cwd: project, encoding: "utf8" }));
      delete o.resolved;
      return o;
    };
    expect(run(deno, ["run", "--no-prompt", "scenario.ts"])).toEqual(run(process.execPath, ["scenario.mjs"]));
  });
});
