// configureWebGuests: where a page serves the guest worker and the runtimes' files. Bad URLs are
// refused in the page's terms and change nothing (the worker is then started with the URLs before).
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

/** Starts a guest with a stand-in Worker and returns the start message it was posted. */
async function posted(configure: (c: typeof import("../bindings/guests/real/spawn-web.js").configureWebGuests) => void): Promise<{ assets?: Record<string, string> }> {
  const { configureWebGuests, spawnWebWorker } = await import("../bindings/guests/real/spawn-web.js");
  const messages: unknown[] = [];
  vi.stubGlobal(
    "Worker",
    class {
      postMessage(m: unknown) {
        messages.push(m);
      }
      terminate() {}
    },
  );
  vi.stubGlobal("crossOriginIsolated", true);
  configure(configureWebGuests);
  await spawnWebWorker({} as never);
  return messages[0] as { assets?: Record<string, string> };
}

describe("configureWebGuests", () => {
  it("hands the worker the pyodide folder and the ruby and quickjs wasm URLs", async () => {
    const m = await posted((c) => c({ pyodide: "/py/", ruby: "/rb/ruby+stdlib.wasm", quickjs: new URL("http://127.0.0.1/q/emscripten-module.wasm") }));
    expect(m.assets).toEqual({ pyodide: "/py/", ruby: "/rb/ruby+stdlib.wasm", quickjs: "http://127.0.0.1/q/emscripten-module.wasm" });
  });

  it("refuses a folder for ruby or quickjs, naming the file it wants, and keeps the URLs it had", async () => {
    const m = await posted((c) => {
      c({ ruby: "/rb/ruby+stdlib.wasm" });
      expect(() => c({ pyodide: "/other/", ruby: "/rb/" })).toThrow('the ruby URL names its .wasm file (ruby+stdlib.wasm), got "/rb/"');
      expect(() => c({ quickjs: "/q" })).toThrow('the quickjs URL names its .wasm file (emscripten-module.wasm), got "/q"');
      expect(() => c({ pyodide: "/py" })).toThrow('the pyodide folder URL must end in "/", got "/py"');
    });
    expect(m.assets).toEqual({ ruby: "/rb/ruby+stdlib.wasm" });
  });
});
