import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    {
      // The package entries embed the wasm as bytes (esbuild's binary loader); do the same here.
      name: "vicsim-wasm-bytes",
      enforce: "pre",
      load(id) {
        if (!id.endsWith(".wasm")) return null;
        const b64 = readFileSync(id).toString("base64");
        return `export default Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0));`;
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/deno/**", "node_modules/**"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
