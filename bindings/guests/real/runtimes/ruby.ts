/**
 * Ruby guests on ruby.wasm (CRuby 3.4 for WASI, with its standard library) inside the guest's
 * worker. The module is a reactor: `ruby -e CODE` and `ruby FILE` become an eval of the program
 * wrapped so that `exit`, uncaught exceptions and output flushing behave as the ruby command does.
 * Its WASI is guestWasi's: node:wasi, or in a page the browser shim, with files through the bridge.
 */
import type { WorkerGuest } from "../worker.js";
import { GuestOutOfMemory, importRuntime } from "../worker.js";
import { runtimeWasmBytes } from "./runtime-wasm.js";
import { failedAtLimit, withMemoryMaximum } from "./wasm-binary.js";
import { guestWasi, programText, trapStatus } from "./wasi-imports.js";

const WASM_PAGE = 65_536;

/** A Ruby string literal holding `s` (JSON's escapes are Ruby's; `#` must not interpolate). */
function rubyString(s: string): string {
  return JSON.stringify(s).replace(/#/g, "\\#");
}

export async function run(g: WorkerGuest): Promise<number> {
  const { RubyVM } = await importRuntime("ruby", () => import("@ruby/wasm-wasi"));
  const { start } = g;
  const began = performance.now();
  const limit = start.memoryLimit;
  // The host's shared compilation, unless a memory limit needs a module of its own.
  const module =
    start.compiled && !(limit > 0)
      ? start.compiled.module
      : await WebAssembly.compile(withMemoryMaximum(await runtimeWasmBytes(g, "ruby"), limit > 0 ? Math.floor(limit / WASM_PAGE) : 65_536));
  const wasi = await guestWasi(g, ["ruby"]);
  const guestMemory: { current: WebAssembly.Memory | null } = { current: null };
  const { vm } = await RubyVM.instantiateModule({
    module,
    wasip1: { wasiImport: wasi.imports, initialize: (i: WebAssembly.Instance) => wasi.initialize(i) },
    setMemory: (m: WebAssembly.Memory) => {
      guestMemory.current = m;
      wasi.setMemory(m);
      g.setMemory(() => new Uint8Array(m.buffer));
    },
  });
  g.booted(performance.now() - began, false);
  const args = start.argv.slice(1);
  let source: string;
  let name: string;
  let argv: string[];
  if (args[0] === "-e") {
    source = args[1] ?? "";
    name = "-e";
    argv = args.slice(2);
  } else if (args.length) {
    const text = programText(g, args[0]);
    if (text === null) {
      g.write("stderr", `ruby: No such file or directory -- ${args[0]} (LoadError)\n`);
      return 1;
    }
    source = text;
    name = args[0];
    argv = args.slice(1);
  } else {
    source = "";
    name = "-";
    argv = [];
  }
  const program = `
begin
  ENV.replace(${rubyString(JSON.stringify(start.env))}.then { |j| require "json"; JSON.parse(j) })
  Dir.chdir(${rubyString(start.workingDir)}) rescue nil
  ARGV.replace(${rubyString(JSON.stringify(argv))}.then { |j| JSON.parse(j) })
  $0 = ${rubyString(name)}
  TOPLEVEL_BINDING.eval(${rubyString(source)}, ${rubyString(name)})
  0
rescue SystemExit => e
  e.status
rescue Exception => e
  $stderr.write(e.full_message(highlight: false))
  1
ensure
  $stdout.flush
  $stderr.flush
end`;
  const bytesNow = () => guestMemory.current?.buffer.byteLength ?? 0;
  const atLimit = () => failedAtLimit(bytesNow(), limit);
  try {
    const status = Number(vm.eval(program).toString());
    // NoMemoryError with the memory at its limit: what the OOM killer would have ended.
    if (status !== 0 && atLimit()) throw new GuestOutOfMemory(bytesNow() + WASM_PAGE);
    return status;
  } catch (error) {
    if (error instanceof GuestOutOfMemory) throw error;
    const status = trapStatus(error);
    if (atLimit()) throw new GuestOutOfMemory(bytesNow() + WASM_PAGE);
    g.write("stderr", `${(error as Error)?.message ?? error}\n`);
    return status;
  }
}
