// Python guests on Pyodide, each in its own worker, restored from one booted template per file.
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryEngine } from "../bindings/core/memory.js";
import { ContainerFs, text } from "../bindings/fs/index.js";
import { RealGuest } from "../bindings/guests/real/host.js";
import { RealGuests, type TemplateVm } from "../bindings/guests/real/guests.js";
import { bootTemplate, type RuntimeTemplate } from "../bindings/guests/real/templates.js";
import { collect, runGuest, until } from "./guest-helpers.js";

let template: RuntimeTemplate;
const py = (code: string, extra: string[] = []) => ["python", "-c", code, ...extra];

beforeAll(async () => {
  template = await bootTemplate("python");
}, 120_000);

describe("python guest", () => {
  it("prints 45 for print(sum(range(10))), restored from the template's snapshot", async () => {
    const { out, onOutput } = collect();
    const guest = RealGuest.start({ runtime: "python", argv: py("print(sum(range(10)))"), template, onOutput });
    expect((await guest.booted).restored).toBe(true);
    expect(await guest.exited).toEqual({ exitCode: 0, oomKilled: false, killedBy: null });
    expect(out).toEqual({ stdout: "45\n", stderr: "" });
  });

  it("exits with the program's status; an uncaught exception prints its traceback and exits 1", async () => {
    expect((await runGuest({ runtime: "python", argv: py("import sys; sys.exit(3)"), template })).result.exitCode).toBe(3);
    const failed = await runGuest({ runtime: "python", argv: py("1/0"), template });
    expect(failed.result.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/Traceback[\s\S]*ZeroDivisionError: division by zero/);
  });

  it("gets its arguments, environment and stdin", async () => {
    const ran = await runGuest({
      runtime: "python",
      argv: py("import sys, os; print(sys.argv[1:], os.environ['GREETING'], sys.stdin.read().upper())", ["a", "b"]),
      env: { GREETING: "hi" },
      stdin: "from stdin",
      template,
    });
    expect(ran.stdout).toBe("['a', 'b'] hi FROM STDIN\n");
  });

  it("runs a file from the container's filesystem and what it writes is there in the container", async () => {
    const files = new ContainerFs();
    files.mkdir("/app");
    files.writeFile("/app/main.py", "import sys\nopen('/app/out.txt', 'w').write('written by ' + sys.argv[1])\nprint('done')\n");
    const ran = await runGuest({ runtime: "python", argv: ["python", "/app/main.py", "guest"], files, template });
    expect(ran.stdout).toBe("done\n");
    expect(text(files.readFile("/app/out.txt"))).toBe("written by guest");
  });

  it("a busy loop that ignores SIGTERM is ended when the grace period runs out (exit 137)", async () => {
    const { out, onOutput } = collect();
    const guest = RealGuest.start({ runtime: "python", argv: py("print('spinning', flush=True)\nwhile True: pass"), template, onOutput });
    await until(out, "spinning");
    const asked = performance.now();
    const result = await guest.stop(300);
    const took = performance.now() - asked;
    expect(result).toEqual({ exitCode: 137, oomKilled: false, killedBy: "stop" });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(300 + 2_000);
  });

  it("a program with a SIGTERM handler ends itself through it on stop", async () => {
    const { out, onOutput } = collect();
    // 'ready' goes out with os.write: a SIGTERM landing inside print('ready')'s flush would run the
    // handler's print re-entrantly on the same buffered stream, which CPython refuses (RuntimeError).
    const code = "import os, signal, sys\ndef bye(n, f):\n    print('got', n, flush=True)\n    sys.exit(0)\nsignal.signal(signal.SIGTERM, bye)\nos.write(1, b'ready\\n')\nwhile True: pass";
    const guest = RealGuest.start({ runtime: "python", argv: py(code), template, onOutput });
    await until(out, "ready");
    expect(await guest.stop(20_000)).toEqual({ exitCode: 0, oomKilled: false, killedBy: null });
    expect(out.stdout).toBe("ready\ngot 15\n");
  });

  it("an allocation loop past memoryLimit is OOM-killed with 137", async () => {
    const ran = await runGuest({
      runtime: "python",
      argv: py("a = []\nwhile True: a.append(bytearray(1 << 20))"),
      memoryLimit: 64 << 20,
      template,
    });
    expect(ran.result).toEqual({ exitCode: 137, oomKilled: true, killedBy: null });
    expect(ran.guest.lastMemory!.byteLength).toBeLessThanOrEqual(64 << 20);
  });

  it("pause holds a running guest where it is; unpause lets it go on; kill ends it at once with 137", async () => {
    const { out, onOutput } = collect();
    const code = "i = 0\nwhile True:\n    i += 1\n    if i % 20000 == 0: print(i, flush=True)";
    const guest = RealGuest.start({ runtime: "python", argv: py(code), template, onOutput });
    await until(out, "20000\n");
    guest.pause();
    expect(guest.state).toBe("paused");
    await new Promise((r) => setTimeout(r, 200));
    const held = out.stdout.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(out.stdout.length).toBe(held);
    guest.unpause();
    const lines = out.stdout.split("\n").length;
    await until(out, `${(lines + 2) * 20000}\n`);
    expect(await guest.kill()).toEqual({ exitCode: 137, oomKilled: false, killedBy: "kill" });
    expect(guest.state).toBe("exited");
  });

  it("refuses bad options before starting anything", () => {
    expect(() => RealGuest.start({ runtime: "perl" as never, argv: ["perl"] })).toThrow('unknown guest runtime "perl": use one of python, ruby, quickjs, wasi');
    expect(() => RealGuest.start({ runtime: "python", argv: [] })).toThrow("argv must be a non-empty list");
    expect(() => RealGuest.start({ runtime: "python", argv: ["python"], memoryLimit: 1000 })).toThrow("below the 1 MiB minimum");
    expect(() => RealGuest.start({ runtime: "python", argv: ["python"], template, entropy: "random" })).toThrow("a guest with random entropy boots cold");
  });
});

describe("python guest memory in the memory engine", () => {
  let guests: RealGuests;
  let engine: MemoryEngine;
  let tvm: TemplateVm;

  beforeAll(async () => {
    engine = MemoryEngine.create({ hosts: 1, hostMemoryMiB: 8192 });
    guests = new RealGuests({ engine, host: 0, salt: 7 });
    // The template of this file, already booted, as RealGuests would boot it.
    tvm = await guests.template("python");
  }, 120_000);

  it("the template VM holds the runtime's booted pages", () => {
    expect(tvm.scan.pages).toBe(tvm.template.image.byteLength / 4096);
    expect(tvm.scan.nonZero).toBeGreaterThan(1000);
    // zero pages are never written to a fresh VM: granted = the non-zero pages
    expect(engine.vmStats(tvm.vm.vm).granted).toBe(tvm.scan.nonZero);
  });

  it("a guest VM is an instant clone of the template; its first scan shows what it dirtied, later scans what changed", async () => {
    // The guest waits on stdin: a scan reaches it there, as it would a guest at rest.
    const g = guests.start(tvm, { argv: py("import sys\ndata = sys.stdin.read()\nkept = [bytearray(b'x' * 4096 * 64)]\nprint(len(data))") });
    const first = await g.firstScan;
    expect(first.dirtied).toBeGreaterThan(0);
    // restored from the snapshot: most of the template's pages are still the template's
    expect(first.dirtied).toBeLessThan(tvm.scan.nonZero / 2);
    const stats = engine.vmStats(g.vm.vm);
    expect(stats.shared).toBeGreaterThan(stats.granted / 2);
    const waiting = await guests.scan(g);
    expect(waiting).not.toBeNull();
    expect(waiting!.pages).toBeGreaterThanOrEqual(first.pages);
    g.guest.writeStdin("four");
    g.guest.closeStdin();
    const end = await g.exited;
    expect(end.exitCode).toBe(0);
    // the 256 KiB of 'x' it kept are new pages of one content: at least 64 pages written at exit
    expect(end.lastScan!.dirtied).toBeGreaterThanOrEqual(64);
    guests.release(g);
    expect(engine.hasVm(g.vm.vm)).toBe(false);
    expect(g.guest.lastMemory).toBeNull();
  });
});
