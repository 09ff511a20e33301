// Ruby (ruby.wasm), `node` (QuickJS) and WASI programs (C built here with Debian's clang), each
// guest in its own worker; plus which runtime a command gets and what a missing runtime says.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { wasiProgram } from "./fixtures/wasi-program.js";
import { ContainerFs, text } from "../bindings/fs/index.js";
import { RealGuest } from "../bindings/guests/real/host.js";
import { RUNTIMES, missingRuntime, runtimeForCommand } from "../bindings/guests/real/runtimes.js";
import { withMemoryMaximum } from "../bindings/guests/real/runtimes/wasm-binary.js";
import { importRuntime } from "../bindings/guests/real/worker.js";
import { collect, runGuest, until } from "./guest-helpers.js";

describe("ruby guest", () => {
  it("prints 45 for puts (0...10).sum", async () => {
    const ran = await runGuest({ runtime: "ruby", argv: ["ruby", "-e", "puts (0...10).sum"] });
    expect(ran.result).toEqual({ exitCode: 0, oomKilled: false, killedBy: null });
    expect(ran.stdout).toBe("45\n");
  });

  it("runs a file from the container's filesystem with ARGV and ENV, writes beside it, exits with its status", async () => {
    const files = new ContainerFs();
    files.mkdir("/app");
    files.writeFile("/app/main.rb", 'File.write("/app/out.txt", ARGV.join(","))\nputs ENV["GREETING"]\n$stderr.puts "#{1 + 1} to stderr"\nexit 4\n');
    const ran = await runGuest({ runtime: "ruby", argv: ["ruby", "/app/main.rb", "a", "b"], env: { GREETING: "hi" }, files });
    expect(ran.result.exitCode).toBe(4);
    expect(ran.stdout).toBe("hi\n");
    expect(ran.stderr).toBe("2 to stderr\n");
    expect(text(files.readFile("/app/out.txt"))).toBe("a,b");
  });
});

describe("node guest (QuickJS, not Node.js)", () => {
  it("prints 45, and says plainly that it is QuickJS", async () => {
    const ran = await runGuest({ runtime: "quickjs", argv: ["node", "-e", "console.log([...Array(10).keys()].reduce((a, b) => a + b))"] });
    expect(ran.result.exitCode).toBe(0);
    expect(ran.stdout).toBe("45\n");
    expect(RUNTIMES.quickjs.description).toContain("QuickJS");
    expect(RUNTIMES.quickjs.description).toContain("NOT Node.js");
    expect(RUNTIMES.quickjs.lacks).toContain("require");
  });

  it("an uncaught error exits 1; Node's API is not there", async () => {
    const ran = await runGuest({ runtime: "quickjs", argv: ["node", "-e", "require('fs')"] });
    expect(ran.result.exitCode).toBe(1);
    expect(ran.stderr).toBe("Uncaught ReferenceError: 'require' is not defined\n");
  });

  it("pause holds a busy script at QuickJS's interrupt check; unpause lets it go on", async () => {
    const { out, onOutput } = collect();
    const code = "let i = 0; for (;;) { if (++i % 200000 === 0) console.log(i); }";
    const guest = RealGuest.start({ runtime: "quickjs", argv: ["node", "-e", code], onOutput });
    await until(out, "200000\n");
    guest.pause();
    await new Promise((r) => setTimeout(r, 200));
    const held = out.stdout.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(out.stdout.length).toBe(held);
    guest.unpause();
    const lines = out.stdout.split("\n").length;
    await until(out, `${(lines + 2) * 200000}\n`);
    expect(await guest.kill()).toEqual({ exitCode: 137, oomKilled: false, killedBy: "kill" });
  });

  it("a busy loop is ended when stop's grace period runs out; an allocation loop is OOM-killed", async () => {
    const { out, onOutput } = collect();
    const busy = RealGuest.start({ runtime: "quickjs", argv: ["node", "-e", "console.log('spin'); for (;;) {}"], onOutput });
    await until(out, "spin");
    const asked = performance.now();
    expect(await busy.stop(200)).toEqual({ exitCode: 137, oomKilled: false, killedBy: "stop" });
    expect(performance.now() - asked).toBeLessThan(200 + 2_000);
    const oom = await runGuest({ runtime: "quickjs", argv: ["node", "-e", "const a = []; for (;;) a.push(new Array(1e5).fill(7))"], memoryLimit: 32 << 20 });
    expect(oom.result).toEqual({ exitCode: 137, oomKilled: true, killedBy: null });
  });
});

describe("WASI guest (C built with clang --target=wasm32-wasi)", () => {
  let program: Uint8Array;
  beforeAll(() => {
    program = wasiProgram("wasi-program");
  });

  it("runs with arguments, environment, the container's files, stdin, stderr and its exit status", async () => {
    const files = new ContainerFs();
    files.mkdir("/data");
    files.writeFile("/data/in.txt", "from the container");
    const ran = await runGuest({
      runtime: "wasi",
      module: program,
      argv: ["program", "one", "two"],
      env: { GREETING: "hello" },
      files,
      stdin: "typed\n",
    });
    expect(ran.result).toEqual({ exitCode: 3, oomKilled: false, killedBy: null });
    expect(ran.stdout).toBe("argc=3 one two\nGREETING=hello\nread=from the container\nstdin=typed\n");
    expect(ran.stderr).toBe("to stderr\n");
    expect(text(files.readFile("/data/out.txt"))).toBe("sum=45\n");
  });

  it("allocating past memoryLimit ends it as an OOM kill", async () => {
    const ran = await runGuest({ runtime: "wasi", module: program, argv: ["program", "grow"], memoryLimit: 8 << 20 });
    expect(ran.result).toEqual({ exitCode: 137, oomKilled: true, killedBy: null });
    expect(ran.guest.lastMemory!.byteLength).toBeLessThanOrEqual(8 << 20);
    // without a limit the same program is only bounded by wasm32 and ends on its own terms
  });

  it("caps a module's memory by rewriting its memory section only", () => {
    const capped = withMemoryMaximum(program, 16);
    expect(WebAssembly.validate(capped)).toBe(true);
    const mem = new WebAssembly.Module(capped);
    expect(WebAssembly.Module.exports(mem).some((e) => e.kind === "memory")).toBe(true);
    expect(() => withMemoryMaximum(program, 0)).toThrow(/needs \d+ KiB of memory at start, above its limit of 0 KiB/);
    expect(() => withMemoryMaximum(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 1)).toThrow("not a WebAssembly module");
  });
});

describe("choosing and loading runtimes", () => {
  it("maps container commands to runtimes; anything else stays with the emulated guest", () => {
    expect(runtimeForCommand(["python", "-c", "1"])).toBe("python");
    expect(runtimeForCommand(["/usr/local/bin/python3.12", "app.py"])).toBe("python");
    expect(runtimeForCommand(["ruby", "-e", "1"])).toBe("ruby");
    expect(runtimeForCommand(["node", "app.js"])).toBe("quickjs");
    expect(runtimeForCommand(["/hello"], "wasi/wasm")).toBe("wasi");
    expect(runtimeForCommand(["sh", "-c", "echo"])).toBeNull();
  });

  it("a runtime whose package is missing fails with the package to install", async () => {
    const notFound = Object.assign(new Error("Cannot find package 'pyodide'"), { code: "ERR_MODULE_NOT_FOUND" });
    await expect(importRuntime("python", () => Promise.reject(notFound))).rejects.toThrow(
      "python guests need the optional package pyodide@314.0.8: run `npm install pyodide@314.0.8`",
    );
    expect(missingRuntime("ruby", new Error("x")).message).toContain("@ruby/3.4-wasm-wasi@2.10.1 and @ruby/wasm-wasi@2.10.1");
  });
});
