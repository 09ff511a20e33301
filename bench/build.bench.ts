/**
 * The classic builder: a second, cached build of a five-step Dockerfile (every step ` ---> Using
 * cache`) beside the same build with --no-cache (every COPY and RUN done again: layers copied,
 * the shell run, layer tars hashed). The ratio is what the step cache saves a rebuild.
 */
import { packTar } from "modern-tar";
import { type BuildImage, Builder, imageLayer, makeImage, rfc3339 } from "../bindings/builder/index.js";
import { ImageFilesystems } from "../bindings/fs/index.js";
import { opsPerSecondAsync, type BenchCase } from "./harness.js";

const T0 = Date.UTC(2026, 0, 1);

async function store() {
  const layers = await Promise.all(new ImageFilesystems().layersOf("busybox").slice().reverse().map((l) => imageLayer(l)));
  const created = rfc3339(T0);
  const base = makeImage({
    config: { Cmd: ["sh"], Entrypoint: null, Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], WorkingDir: "", User: "", ExposedPorts: null, Labels: null },
    layers, history: [{ created }], created, architecture: "amd64", os: "linux", parent: null,
  });
  return { image: async (): Promise<BuildImage> => base, add: async (): Promise<void> => {} };
}

async function context(): Promise<Uint8Array> {
  const files: Record<string, string> = {
    Dockerfile: "FROM busybox\nWORKDIR /app\nCOPY . .\nRUN for i in 1 2 3 4 5 6 7 8; do echo line $i >> log.txt; done && wc -l log.txt > count\nENV MODE=prod\nCMD [\"cat\", \"/app/count\"]\n",
  };
  for (let i = 0; i < 20; i++) files[`src/file${i}.txt`] = `content of file ${i}\n`.repeat(50);
  return packTar(Object.entries(files).map(([name, body]) => {
    const data = new TextEncoder().encode(body);
    return { header: { name, size: data.length, mode: 0o644, type: "file" as const, mtime: new Date(T0) }, body: data };
  }));
}

const cached: BenchCase = {
  name: "build.cached",
  title: "rebuild a five-step Dockerfile from the step cache vs with --no-cache",
  async run({ quick }) {
    const builder = new Builder(await store(), { now: () => T0, sleep: async () => {} });
    const ctx = await context();
    const minMs = quick ? 1000 : 3000;
    const warm = await opsPerSecondAsync(async () => { await builder.build({ context: ctx }, () => {}); }, 1, minMs);
    const cold = await opsPerSecondAsync(async () => { await builder.build({ context: ctx, noCache: true }, () => {}); }, 1, minMs);
    return [{ case: "build.cached", unit: "builds/s", value: warm, baseline: "the same build with --no-cache", baselineValue: cold }];
  },
};

export const cases: BenchCase[] = [cached];
