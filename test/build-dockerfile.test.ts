/** The classic builder as a library: parsing, each instruction, the cache, .dockerignore, multi-stage, save/load/import. */
import { packTar, type TarEntry, unpackTar } from "modern-tar";
import { describe, expect, it, vi } from "vitest";
import {
  type BuildImage, type BuildMessage, Builder, BuildError, DockerIgnore, importImage, imageLayer, loadImages, makeImage, parseDockerfile, rfc3339, saveImages,
} from "../bindings/builder/index.js";
import { ContainerFs, ImageFilesystems, text } from "../bindings/fs/index.js";
import { expandWord, keyValues } from "../bindings/builder/substitute.js";

const T0 = Date.UTC(2026, 0, 1);
let now = T0;
const clock = { now: () => now, sleep: async (ms: number) => { now += ms; } };
const catalogue = new ImageFilesystems();

/** An in-memory image store: catalogue images by name, built images by tag. */
class Store {
  readonly tags = new Map<string, BuildImage>();
  pulls = 0;
  async image(ref: string): Promise<BuildImage> {
    const key = ref.includes(":") ? ref : `${ref}:latest`;
    const hit = this.tags.get(key);
    if (hit) return hit;
    this.pulls++;
    const layers = await Promise.all(catalogue.layersOf(ref.split(":")[0]).slice().reverse().map((l) => imageLayer(l)));
    const created = rfc3339(T0 - 86_400_000);
    const img = makeImage({
      config: { Cmd: ["sh"], Entrypoint: null, Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], WorkingDir: "", User: "", ExposedPorts: null, Labels: null },
      layers, history: layers.map(() => ({ created, created_by: "/bin/sh -c #(nop) ADD file:rootfs in / " })), created, architecture: "amd64", os: "linux", parent: null,
    });
    this.tags.set(key, img);
    return img;
  }
  async add(image: BuildImage, tags: string[]): Promise<void> {
    for (const t of tags) this.tags.set(t, image);
  }
}

function tar(files: Record<string, string | { data: string; mode?: number }>): Promise<Uint8Array> {
  const entries: TarEntry[] = Object.entries(files).map(([name, f]) => {
    const data = new TextEncoder().encode(typeof f === "string" ? f : f.data);
    return { header: { name, size: data.length, mode: typeof f === "string" ? 0o644 : f.mode ?? 0o644, type: "file", mtime: new Date(T0) }, body: data };
  });
  return packTar(entries);
}

async function build(builder: Builder, files: Record<string, string | { data: string; mode?: number }>, opts: { tags?: string[]; buildArgs?: Record<string, string>; target?: string; noCache?: boolean } = {}) {
  const messages: BuildMessage[] = [];
  const image = await builder.build({ context: await tar(files), ...opts }, (m) => messages.push(m));
  const output = messages.filter((m) => typeof m.stream === "string").map((m) => m.stream).join("");
  return { image, output, messages };
}

async function failure(builder: Builder, files: Record<string, string>, opts: { buildArgs?: Record<string, string>; target?: string } = {}) {
  const messages: BuildMessage[] = [];
  const error = await builder.build({ context: await tar(files), ...opts }, (m) => messages.push(m)).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(BuildError);
  return { error: error as BuildError, output: messages.map((m) => m.stream ?? "").join("") };
}

const fsOf = (img: BuildImage) => new ContainerFs({ lowers: img.layers.map((l) => l.layer).reverse() });
const read = (img: BuildImage, path: string) => text(fsOf(img).readFile(path));

describe("Dockerfile parsing", () => {
  it("splits global ARGs and stages, joins continuation lines, keeps flags apart", () => {
    const p = parseDockerfile("ARG V=1\nFROM busybox:${V} AS Build\n# c\nCOPY --from=x --chown=1:2 a b /d/\nRUN echo a \\\n  && echo b\nFROM scratch\n");
    expect(p.metaArgs.map((a) => a.original)).toEqual(["ARG V=1"]);
    expect(p.stages.map((s) => [s.base, s.name])).toEqual([["busybox:${V}", "build"], ["scratch", null]]);
    const [copy, run] = p.stages[0].instructions;
    expect(copy.flags).toEqual({ from: "x", chown: "1:2" });
    expect(copy.args).toBe("a b /d/");
    expect(copy.original).toBe("COPY --from=x --chown=1:2 a b /d/");
    expect(run.original).toBe("RUN echo a   && echo b");
  });

  it("refuses an unknown instruction and an instruction before FROM with the line", () => {
    expect(() => parseDockerfile("FROM busybox\nFOO bar\n")).toThrow("dockerfile parse error on line 2: unknown instruction: FOO");
    expect(() => parseDockerfile("RUN true\nFROM busybox\n")).toThrow("dockerfile parse error on line 1: no build stage in current context");
  });

  it("parses without Node's Buffer, as in a browser page, skipping a leading UTF-8 byte order mark as dockerd does", () => {
    vi.stubGlobal("Buffer", undefined);
    try {
      for (const bom of ["", "\uFEFF"]) {
        const p = parseDockerfile(`${bom}FROM busybox\nRUN true\n`);
        expect(p.stages.map((s) => [s.base, s.from.original, s.instructions.map((i) => i.original)])).toEqual([["busybox", "FROM busybox", ["RUN true"]]]);
      }
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("variable substitution", () => {
  const vars = new Map([["A", "x"], ["E", ""]]);
  it("expands as dockerd does: defaults, alternatives, quotes and escapes", () => {
    expect(expandWord("$A-${A}-${B:-dflt}-${E:-empty}-${E-set}-${A:+alt}-${B:+alt}", vars)).toBe("x-x-dflt-empty--alt-");
    expect(expandWord("'$A' \"$A\" \\$A", vars)).toBe("$A x $A");
    expect(() => expandWord("${B:?needed}", vars)).toThrow("B: needed");
  });
  it("reads ENV and LABEL pairs, and the legacy `ENV key value` form", () => {
    expect(keyValues("ENV", 'P="a b" Q=$A', vars)).toEqual([["P", "a b"], ["Q", "x"]]);
    expect(keyValues("ENV", "P a b  $A", vars)).toEqual([["P", "a b  x"]]);
    expect(() => keyValues("LABEL", "novalue", vars)).toThrow("LABEL must have two arguments");
  });
});

describe(".dockerignore", () => {
  it("follows Docker's rules: component wildcards, **, directories, re-includes, last match wins", () => {
    const ig = new DockerIgnore("# comment\n*.log\n/build\n**/*.tmp\nsecret*\n!secret-ok\ndocs/**\n!docs/keep.md\n");
    expect(ig.ignores("a.log")).toBe(true);
    expect(ig.ignores("sub/a.log")).toBe(false); // `*` stays in the root directory
    expect(ig.ignores("build/out/x")).toBe(true); // a directory excludes what is under it
    expect(ig.ignores("a/b/c.tmp")).toBe(true);
    expect(ig.ignores("secret-key")).toBe(true);
    expect(ig.ignores("secret-ok")).toBe(false);
    expect(ig.ignores("docs/a.md")).toBe(true);
    expect(ig.ignores("docs/keep.md")).toBe(false);
    expect(ig.ignores("src/main.c")).toBe(false);
  });

  it("keeps excluded files out of COPY . while the Dockerfile is still read", async () => {
    const b = new Builder(new Store(), clock);
    const { image } = await build(b, {
      Dockerfile: "FROM busybox\nCOPY . /app/\n", ".dockerignore": "Dockerfile\n*.secret\nlogs\n", "a.txt": "a", "k.secret": "no", "logs/x.log": "x",
    });
    const fs = fsOf(image);
    expect(fs.readdir("/app")).toEqual([".dockerignore", "a.txt"]);
  });
});

describe("instructions", () => {
  it("FROM, ENV, ARG, WORKDIR, COPY, RUN, USER, LABEL, EXPOSE, VOLUME, CMD, ENTRYPOINT, HEALTHCHECK, STOPSIGNAL", async () => {
    const b = new Builder(new Store(), clock);
    const { image, output } = await build(b, {
      Dockerfile: [
        "FROM busybox",
        "ARG GREETING=hello",
        "ENV APP_HOME=/srv/app NAME=\"my app\"",
        "WORKDIR $APP_HOME",
        "COPY --chmod=755 run.sh ./",
        "COPY conf/ conf/",
        "RUN echo \"$GREETING from $NAME\" > out.txt && ls -l run.sh | cut -c1-10 >> out.txt && pwd >> out.txt",
        "RUN adduser_line='app:x:1000:1000::/home/app:/bin/sh' && echo \"$adduser_line\" >> /etc/passwd && mkdir -p /home/app && chmod 777 /home/app",
        "USER app",
        "RUN id -u > /home/app/uid && whoami >> /home/app/uid",
        "LABEL org.example.v=\"1.0\" team=core",
        "EXPOSE 8080 53/udp",
        "VOLUME /data",
        "HEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost:8080 || exit 1",
        "STOPSIGNAL SIGTERM",
        "ENTRYPOINT [\"/srv/app/run.sh\"]",
        "CMD [\"serve\", \"--port\", \"8080\"]",
      ].join("\n"),
      "run.sh": { data: "#!/bin/sh\necho run \"$@\"\n", mode: 0o644 },
      "conf/a.conf": "a=1\n",
      "conf/sub/b.conf": "b=2\n",
    }, { tags: ["app:1"], buildArgs: { GREETING: "hi" } });
    expect(read(image, "/srv/app/out.txt")).toBe("hi from my app\n-rwxr-xr-x\n/srv/app\n");
    expect(read(image, "/srv/app/conf/sub/b.conf")).toBe("b=2\n");
    expect(read(image, "/home/app/uid")).toBe("1000\napp\n");
    expect(fsOf(image).stat("/srv/app/run.sh").uid).toBe(0);
    const c = image.config;
    expect(c.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_HOME=/srv/app", "NAME=my app"]);
    expect(c.WorkingDir).toBe("/srv/app");
    expect(c.User).toBe("app");
    expect(c.Labels).toEqual({ "org.example.v": "1.0", team: "core" });
    expect(c.ExposedPorts).toEqual({ "8080/tcp": {}, "53/udp": {} });
    expect(c.Volumes).toEqual({ "/data": {} });
    expect(c.Healthcheck).toEqual({ Test: ["CMD-SHELL", "wget -q localhost:8080 || exit 1"], Interval: 5e9, Retries: 2 });
    expect(c.StopSignal).toBe("SIGTERM");
    expect(c.Entrypoint).toEqual(["/srv/app/run.sh"]);
    expect(c.Cmd).toEqual(["serve", "--port", "8080"]);
    // The classic builder's output, step by step.
    expect(output).toMatch(/^Step 1\/17 : FROM busybox\n ---> [0-9a-f]{12}\nStep 2\/17 : ARG GREETING=hello\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
    expect(output).toMatch(/Step 5\/17 : COPY --chmod=755 run.sh \.\/\n ---> [0-9a-f]{12}\n/);
    expect(output).toContain(`Successfully built ${image.id.slice(7, 19)}\nSuccessfully tagged app:1\n`);
    // History: one entry per step on top of the base's, ARG values in the RUN lines.
    const h = image.history.map((e) => e.created_by);
    expect(h).toContain("|1 GREETING=hi /bin/sh -c echo \"$GREETING from $NAME\" > out.txt && ls -l run.sh | cut -c1-10 >> out.txt && pwd >> out.txt");
    expect(h).toContain("/bin/sh -c #(nop)  ENV APP_HOME=/srv/app NAME=my app");
    expect(image.history.find((e) => e.created_by?.includes("ENV APP_HOME"))?.empty_layer).toBe(true);
  });

  it("ENTRYPOINT clears an inherited CMD; SHELL changes the shell of RUN and CMD", async () => {
    const b = new Builder(new Store(), clock);
    const { image } = await build(b, { Dockerfile: "FROM busybox\nENTRYPOINT [\"echo\"]\nSHELL [\"/bin/sh\", \"-e\", \"-c\"]\nRUN echo shell > /s\n" });
    expect(image.config.Cmd).toBeNull();
    expect(image.config.Shell).toEqual(["/bin/sh", "-e", "-c"]);
    expect(image.history.at(-1)?.created_by).toBe("/bin/sh -e -c echo shell > /s");
  });

  it("ONBUILD triggers run when a later build starts FROM the image, and are not inherited", async () => {
    const store = new Store();
    const b = new Builder(store, clock);
    await build(b, { Dockerfile: "FROM busybox\nONBUILD COPY app.txt /app/\nONBUILD RUN echo triggered >> /app/app.txt\n" }, { tags: ["base:onbuild"] });
    expect(store.tags.get("base:onbuild")!.config.OnBuild).toEqual(["COPY app.txt /app/", "RUN echo triggered >> /app/app.txt"]);
    const { image, output } = await build(b, { Dockerfile: "FROM base:onbuild\nCMD [\"cat\", \"/app/app.txt\"]\n", "app.txt": "mine\n" });
    expect(output).toMatch(/^Step 1\/2 : FROM base:onbuild\n# Executing 2 build triggers\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\nStep 2\/2/);
    expect(read(image, "/app/app.txt")).toBe("mine\ntriggered\n");
    expect(image.config.OnBuild).toBeNull();
  });

  it("ADD extracts a local tar and refuses a URL", async () => {
    const inner = await tar({ "x/y.txt": "inside\n" });
    const entries: TarEntry[] = [
      { header: { name: "Dockerfile", size: 38, mode: 0o644, type: "file" }, body: new TextEncoder().encode("FROM busybox\nADD files.tar /opt/\nADD a /\n") },
      { header: { name: "files.tar", size: inner.length, mode: 0o644, type: "file" }, body: inner },
      { header: { name: "a", size: 1, mode: 0o644, type: "file" }, body: new TextEncoder().encode("a") },
    ];
    entries[0].header.size = (entries[0].body as Uint8Array).length;
    const b = new Builder(new Store(), clock);
    const image = await b.build({ context: await packTar(entries) }, () => {});
    expect(read(image, "/opt/x/y.txt")).toBe("inside\n");
    expect(read(image, "/a")).toBe("a");
    const { error } = await failure(b, { Dockerfile: "FROM busybox\nADD https://example.com/f.tgz /f\n" });
    expect(error.message).toBe("ADD failed: cannot download https://example.com/f.tgz: vicsim's builder has no network (ADD takes local files and local tar archives)");
  });

  it("fails as the classic builder does: RUN's exit status as the code, a missing COPY source, an unknown stage", async () => {
    const b = new Builder(new Store(), clock);
    const run = await failure(b, { Dockerfile: "FROM busybox\nRUN echo before && exit 3\n" });
    expect(run.error.message).toBe("The command '/bin/sh -c echo before && exit 3' returned a non-zero code: 3");
    expect(run.error.code).toBe(3);
    expect(run.output).toMatch(/Step 2\/2 : RUN echo before && exit 3\n ---> Running in [0-9a-f]{12}\nbefore\n$/);
    const copy = await failure(b, { Dockerfile: "FROM busybox\nCOPY missing.txt /\n" });
    expect(copy.error.message).toBe("COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist");
    const target = await failure(b, { Dockerfile: "FROM busybox AS a\n" }, { target: "nope" });
    expect(target.error.message).toBe("failed to reach build target nope in Dockerfile");
    expect(target.error.status).toBe(500);
    const parse = await failure(b, { Dockerfile: "FROM busybox\nFOO bar\n" });
    expect(parse.error.status).toBe(400);
  });

  it("--label lands on the final image, and a rebuild with the same labels keeps its id", async () => {
    const b = new Builder(new Store(), clock);
    const files = { Dockerfile: "FROM busybox\nLABEL a=1\n" };
    const first = await b.build({ context: await tar(files), labels: { team: "core" } }, () => {});
    now += 1000;
    const second = await b.build({ context: await tar(files), labels: { team: "core" } }, () => {});
    expect(first.config.Labels).toEqual({ a: "1", team: "core" });
    expect(second.id).toBe(first.id);
  });

  it("warns about build args no ARG consumed", async () => {
    const b = new Builder(new Store(), clock);
    const { output } = await build(b, { Dockerfile: "FROM busybox\n" }, { buildArgs: { UNUSED: "1" } });
    expect(output).toContain("[Warning] One or more build-args [UNUSED] were not consumed\n");
  });
});

describe("multi-stage builds and the cache", () => {
  const files = {
    Dockerfile: [
      "ARG BASE=busybox",
      "FROM ${BASE} AS deps",
      "RUN mkdir -p /deps && echo lib-1.0 > /deps/lib.txt",
      "FROM busybox AS build",
      "COPY --from=deps /deps/lib.txt /src/",
      "COPY main.sh /src/",
      "RUN cat /src/lib.txt > /src/out.txt && sh /src/main.sh >> /src/out.txt",
      "FROM busybox",
      "COPY --from=build /src/out.txt /app/out.txt",
      "CMD [\"cat\", \"/app/out.txt\"]",
    ].join("\n"),
    "main.sh": "echo built by main.sh\n",
  };

  it("builds three stages, takes files from earlier stages, and reuses every step on a second build", async () => {
    const store = new Store();
    const b = new Builder(store, clock);
    const first = await build(b, files, { tags: ["three:latest"] });
    expect(read(first.image, "/app/out.txt")).toBe("lib-1.0\nbuilt by main.sh\n");
    expect(fsOf(first.image).exists("/src")).toBe(false); // only what the last stage copied
    expect(first.output).not.toContain("Using cache");
    expect(first.output).toContain("Step 1/10 : ARG BASE=busybox\nStep 2/10 : FROM ${BASE} AS deps\n");
    expect(first.messages.filter((m) => m.aux).length).toBe(3);
    now += 60_000;
    const second = await build(b, files, { tags: ["three:latest"] });
    expect(second.image.id).toBe(first.image.id);
    expect(second.output.match(/ ---> Using cache\n/g)?.length).toBe(6);
    expect(second.output).not.toContain("Running in");
    // A changed source file invalidates its step and the ones after it, not the ones before.
    const third = await build(b, { ...files, "main.sh": "echo changed\n" });
    expect(third.image.id).not.toBe(first.image.id);
    expect(read(third.image, "/app/out.txt")).toBe("lib-1.0\nchanged\n");
    expect(third.output.match(/ ---> Using cache\n/g)?.length).toBe(2);
    // --no-cache runs everything again.
    const fourth = await build(b, files, { noCache: true });
    expect(fourth.output).not.toContain("Using cache");
    // --target stops at a stage.
    const deps = await build(b, files, { target: "deps" });
    expect(read(deps.image, "/deps/lib.txt")).toBe("lib-1.0\n");
    expect(deps.output).toContain("Step 1/3 : ARG BASE=busybox");
  });

  it("image ids follow the contents: a different file gives a different layer diff id", async () => {
    const b = new Builder(new Store(), clock);
    const a = await build(b, { Dockerfile: "FROM scratch\nCOPY f /f\n", f: "one" });
    const c = await build(b, { Dockerfile: "FROM scratch\nCOPY f /f\n", f: "two" });
    expect(a.image.layers).toHaveLength(1);
    expect(a.image.layers[0].diffId).not.toBe(c.image.layers[0].diffId);
    expect(a.output).toMatch(/^Step 1\/2 : FROM scratch\n ---> \nStep 2\/2 : COPY f \/f\n ---> [0-9a-f]{12}\n/);
  });
});

describe("save, load, import", () => {
  it("save → load keeps the id, the tags, the layers and the files; a corrupted layer is refused", async () => {
    const b = new Builder(new Store(), clock);
    const { image } = await build(b, { Dockerfile: "FROM busybox\nRUN echo saved > /s.txt\nCMD [\"cat\", \"/s.txt\"]\n" });
    const archive = await saveImages([{ image, tags: ["saved:v1"] }]);
    const names = (await unpackTar(archive)).map((e) => e.header.name);
    expect(names).toContain("manifest.json");
    expect(names).toContain(`${image.id.slice(7)}.json`);
    const [loaded] = await loadImages(archive);
    expect(loaded.tags).toEqual(["saved:v1"]);
    expect(loaded.image.id).toBe(image.id);
    expect(loaded.image.config.Cmd).toEqual(["cat", "/s.txt"]);
    expect(read(loaded.image, "/s.txt")).toBe("saved\n");
    // Flip one byte of the top layer: its diff id no longer matches.
    const entries = await unpackTar(archive);
    const top = entries.find((e) => e.header.name === `${image.layers.at(-1)!.diffId.slice(7)}/layer.tar`)!;
    const bad = top.data!.slice();
    bad[600] ^= 1;
    const tampered = await packTar(entries.map((e) => ({ header: e.header, body: e === top ? bad : e.data })));
    await expect(loadImages(tampered)).rejects.toThrow(/^invalid diffID for layer 1: expected "sha256:/);
  });

  it("import makes a one-layer image with the changes applied", async () => {
    now = T0 + 5_000;
    const img = await importImage(await tar({ "bin/hello": "hi", "etc/motd": "welcome\n" }), { changes: ["CMD [\"/bin/hello\"]", "ENV A=b"], message: "from a tarball", now });
    expect(img.layers).toHaveLength(1);
    expect(img.config.Cmd).toEqual(["/bin/hello"]);
    expect(img.config.Env).toEqual(["A=b"]);
    expect(img.history).toEqual([{ created: rfc3339(now), created_by: "", comment: "from a tarball" }]);
    expect(read(img, "/etc/motd")).toBe("welcome\n");
    await expect(importImage(await tar({ a: "a" }), { changes: ["RUN true"], now })).rejects.toThrow("run is not a valid change command");
  });
});
