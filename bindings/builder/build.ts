/**
 * The classic (legacy) builder: runs a Dockerfile's stages step by step over the base image's
 * layers, each step making an image (a layer for COPY, ADD, RUN and a WORKDIR that creates its
 * directory; a config change otherwise), reusing a cached step when the same instruction ran on
 * the same parent with the same config and content (a store may keep the cache across restarts),
 * and printing what `docker build` prints with the classic builder (`Step 1/5 : FROM busybox`,
 * ` ---> 1a2b3c4d5e6f`, `Successfully built …`).
 */
import { ContainerFs, initLayer, Layer } from "../fs/index.js";
import type { Network, ShellClock } from "../guests/shell/index.js";
import { readContext } from "./context.js";
import { copySources } from "./copy.js";
import { execForm, type Instruction, parseDockerfile, type Stage } from "./dockerfile.js";
import { BuildError } from "./errors.js";
import {
  type BuildImage, type ContainerConfigDoc, copyConfig, digest, emptyConfig, hex, type HistoryEntry, type ImageLayer, imageLayer, makeImage, rfc3339,
} from "./image.js";
import { applyMetadata, normalise, shellOf } from "./instructions.js";
import { resolveUser, runStep } from "./run.js";
import { expandWord, expandWords, keyValues } from "./substitute.js";

/** Where the builder finds base images and puts what it builds (the VCH's images, or a test's map). */
export interface ImageStore {
  /** The image `ref` names, pulled when missing (`progress` gets the pull's messages). */
  image(ref: string, progress: (message: Record<string, unknown>) => void): Promise<BuildImage>;
  /** Registers a built image under `tags` (`repo:tag`, already checked). */
  add(image: BuildImage, tags: string[]): Promise<void>;
  /** The image `ref` names if the store has it (never pulled): `--cache-from`'s sources. */
  local?(ref: string): Promise<BuildImage | undefined>;
  /** Cache steps an earlier builder kept (a reopened state folder), by cache key, least recently used first. */
  keptSteps?(): Map<string, KeptStep>;
  /** A kept step as an image again, or undefined when its layers are no longer in the store. */
  loadStep?(step: KeptStep): Promise<BuildImage | undefined>;
  /** Keeps a cache step for a later builder (`made`: the layer the step added, if any), or (null) forgets it. */
  keepStep?(key: string, step: BuildImage | null, made: ImageLayer | null): void;
}

/** A cache step as a store keeps it: the image's config document (its layers are the diff ids in it) and its parent. */
export interface KeptStep {
  configJson: string;
  parent: string | null;
}

export interface BuildOptions {
  /** The context: a tar (plain or gzip), or a Dockerfile alone. */
  context: Uint8Array;
  /** The Dockerfile's path in the context (default `Dockerfile`). */
  dockerfile?: string;
  tags?: string[];
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  noCache?: boolean;
  /** `--cache-from`: only steps that are these images or their parents are reused (names not found give none). */
  cacheFrom?: string[];
  /** The stage to stop at (`--target`). */
  target?: string;
  /** `wasi/wasm`: the image is a WASI program's (its stages FROM scratch or a wasi/wasm image); default linux/amd64. */
  platform?: string;
  /** `--network`: the network RUN steps are on (default: the default bridge; `none`, a network's name or id). */
  networkMode?: string;
  /** `--add-host NAME:IP`: lines the RUN steps' /etc/hosts gets. */
  extraHosts?: string[];
}

/** A RUN step's network and the files Docker mounts over its /etc/hosts and /etc/resolv.conf. */
export interface StepSandbox {
  net?: Network;
  /** /etc/hosts but the step's own line. */
  hosts: string;
  resolvConf: string;
  /** The step's address (its /etc/hosts line names it with the step container's id). */
  address?: string;
}
/** Makes the sandbox of a build's RUN steps (throws for a network that does not exist, an extra host that does not parse). */
export type SandboxMaker = (o: { networkMode: string; extraHosts: string[] }) => StepSandbox;

/** One message of the build's output stream (`{"stream":…}`, `{"aux":{"ID":…}}`, pull progress). */
export type BuildMessage = Record<string, unknown>;

/** How many step images the cache keeps (least recently used go first). */
const CACHE_SIZE = 1024;
const RED = "\u001b[91m", RESET = "\u001b[0m";

interface StageState {
  image: BuildImage | null;
  config: ContainerConfigDoc;
  layers: ImageLayer[];
  history: HistoryEntry[];
  /** Build args declared in this stage, with their values (undefined: declared, no value). */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
  author?: string;
  /** `os/architecture` of the images the stage makes. */
  platform: string;
}

export class Builder {
  /** Step images by cache key, least recently used first; a kept step is loaded on its first use. */
  private readonly cache = new Map<string, BuildImage | KeptStep>();
  private containers = 0;

  constructor(private readonly store: ImageStore, private readonly clock: ShellClock, private readonly sandboxOf?: SandboxMaker) {
    for (const [key, step] of store.keptSteps?.() ?? []) this.cache.set(key, step);
  }

  /** Builds; resolves with the final image, or rejects with a BuildError after printing what ran. */
  async build(o: BuildOptions, out: (m: BuildMessage) => void): Promise<BuildImage> {
    const print = (s: string): void => out({ stream: s });
    const ctx = await readContext(o.context, o.dockerfile, () => this.clock.now());
    const parsed = parseDockerfile(ctx.dockerfile);
    let stages = parsed.stages;
    if (o.target) {
      const ix = stages.findIndex((s) => s.name === o.target!.toLowerCase());
      if (ix < 0) throw new BuildError(`failed to reach build target ${o.target} in Dockerfile`, { status: 500 });
      stages = stages.slice(0, ix + 1);
    }
    const buildArgs = new Map(Object.entries(o.buildArgs ?? {}));
    const consumed = new Set<string>();
    const cacheSources = o.cacheFrom?.length ? await this.cacheSources(o.cacheFrom) : null;
    const total = parsed.metaArgs.length + stages.length + stages.reduce((n, s) => n + s.instructions.length, 0);
    let stepNo = 0;
    // Made when the first RUN step's container is, as dockerd checks the network and extra hosts then.
    let made: StepSandbox | null | undefined;
    const sandbox = (): StepSandbox | null => (made ??= this.sandboxOf?.({ networkMode: o.networkMode ?? "", extraHosts: o.extraHosts ?? [] }) ?? null);
    const stepLine = (ins: Instruction): void => { print(`Step ${++stepNo}/${total} : ${ins.original}`); print("\n"); };

    // Global ARGs: usable in FROM lines, and as defaults of a stage's `ARG name`.
    const meta = new Map<string, string>();
    for (const ins of parsed.metaArgs) {
      stepLine(ins);
      for (const [k, def] of keyValues("ARG", ins.args, meta, true)) {
        const v = buildArgs.has(k) ? buildArgs.get(k) ?? def : def;
        if (buildArgs.has(k)) consumed.add(k);
        if (v !== null && v !== undefined) meta.set(k, v);
      }
    }

    const results: BuildImage[] = [];
    const named = new Map<string, number>();
    let state: StageState | null = null;
    for (let si = 0; si < stages.length; si++) {
      const stage = stages[si];
      stepLine(stage.from);
      state = await this.from(stage, meta, results, named, out);
      state.platform = o.platform ?? (state.image ? `${state.image.os}/${state.image.architecture}` : "linux/amd64");
      if (state.image && state.platform !== `${state.image.os}/${state.image.architecture}`) {
        throw new BuildError(`${stage.from.original}: the image is ${state.image.os}/${state.image.architecture}, not ${state.platform} (a ${state.platform} build starts FROM scratch or a ${state.platform} image)`);
      }
      const ctxOf = (): StepContext => ({ ctx: ctx.fs, meta, buildArgs, consumed, results, named, noCache: !!o.noCache, cacheSources, print, out, sandbox });
      // The base image's ONBUILD triggers run first, as part of FROM; the new image does not inherit them.
      const triggers = state.config.OnBuild ?? [];
      if (triggers.length) {
        state.config.OnBuild = null;
        print(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? "" : "s"}\n`);
        for (const t of triggers) await this.step(parseDockerfile(`FROM scratch\n${t}`).stages[0].instructions[0], state, ctxOf());
      }
      print(` ---> ${short(state.image?.id ?? "")}\n`);
      for (const ins of stage.instructions) {
        stepLine(ins);
        await this.step(ins, state, ctxOf());
        print(` ---> ${short(state.image?.id ?? "")}\n`);
      }
      // dockerd adds `--label`s as a LABEL step of the last stage, so `FROM scratch` alone with labels makes an image.
      const labelled = si === stages.length - 1 && !!o.labels && Object.keys(o.labels).length > 0;
      if (!state.image && !labelled) throw new BuildError("No image was generated. Is your Dockerfile empty?");
      if (state.image) out({ aux: { ID: state.image.id } });
      if (state.image) results.push(state.image);
      if (stage.name) named.set(stage.name, si);
    }
    const unused = [...buildArgs.keys()].filter((k) => !consumed.has(k)).sort();
    if (unused.length) print(`${RED}[Warning] One or more build-args [${unused.join(" ")}] were not consumed\n${RESET}`);
    let final = state!.image!; // null only for a labelled FROM scratch, committed just below
    if (o.labels && Object.keys(o.labels).length) {
      const config = copyConfig(state!.config);
      config.Labels = { ...(config.Labels ?? {}), ...o.labels };
      const createdBy = [...shellOf(config), "#(nop) ", `LABEL ${Object.entries(o.labels).map(([k, v]) => `${k}=${v}`).join(" ")}`].join(" ");
      // A rebuild with the same labels reuses the labelled image too (so its id stays).
      final = (!o.noCache && await this.cached(this.cacheKey(state!, config, createdBy))) || await this.commit(state!, config, createdBy, null);
      out({ aux: { ID: final.id } }); // `--iidfile` takes the last one
    }
    print(`Successfully built ${short(final.id)}\n`);
    await this.store.add(final, o.tags ?? []);
    for (const t of o.tags ?? []) print(`Successfully tagged ${t}\n`);
    return final;
  }

  /** FROM: the base image (scratch, a previous stage, or an image pulled when missing). */
  private async from(stage: Stage, meta: Map<string, string>, results: BuildImage[], named: Map<string, number>, out: (m: BuildMessage) => void): Promise<StageState> {
    const ref = expandWord(stage.base, meta);
    if (ref === "") throw new BuildError(`base name (${stage.base}) should not be blank`);
    if (stage.platform && !/^linux(\/amd64)?$/.test(expandWord(stage.platform, meta))) {
      throw new BuildError(`image platform ${stage.platform} is not supported: vicsim's container VMs are linux/amd64`);
    }
    let base: BuildImage | null = null;
    if (named.has(ref.toLowerCase())) base = results[named.get(ref.toLowerCase())!];
    else if (ref.toLowerCase() !== "scratch") base = await this.store.image(ref, out);
    return {
      image: base,
      config: base ? copyConfig(base.config) : emptyConfig(),
      layers: base ? base.layers.slice() : [],
      history: base ? base.history.slice() : [],
      args: new Map(),
      cmdSet: false,
      author: base?.author,
      platform: base ? `${base.os}/${base.architecture}` : "linux/amd64",
    };
  }

  private async step(ins: Instruction, s: StageState, b: StepContext): Promise<void> {
    const vars = this.vars(s);
    switch (ins.keyword) {
      case "ARG": {
        const pairs = keyValues("ARG", ins.args, vars, true);
        for (const [k, def] of pairs) {
          let v: string | undefined = def ?? b.meta.get(k);
          if (b.buildArgs.has(k)) { v = b.buildArgs.get(k) ?? v; b.consumed.add(k); }
          s.args.set(k, v);
        }
        const comment = "ARG " + pairs.map(([k, def]) => (def === null ? k : `${k}=${def}`)).join(" ");
        await this.metadataCommit(s, copyConfig(s.config), comment, b);
        return;
      }
      case "RUN": {
        const argv = execForm(ins.args) ?? [...shellOf(s.config), ins.args];
        const args = this.runArgs(s);
        const createdBy = (args.length ? `|${args.length} ${args.join(" ")} ` : "") + argv.join(" ");
        if (await this.probe(s, s.config, createdBy, b)) return;
        const box = b.sandbox();
        const id = this.containerId();
        b.print(` ---> Running in ${id}\n`);
        // The sandbox's files lie over the image's as dockerd's bind mounts do; they are not in the step's layer.
        const init = box && initLayer({ hostname: id, hosts: box.hosts + (box.address ? `${box.address}\t${id}\n` : ""), resolvConf: box.resolvConf, now: this.clock.now() });
        const fs = new ContainerFs({ lowers: [...(init ? [init] : []), ...s.layers.map((l) => l.layer).reverse()], now: () => this.clock.now() });
        const code = await runStep({
          fs, argv, net: box?.net, env: [...s.config.Env, ...args], cwd: s.config.WorkingDir || "/", user: s.config.User, clock: this.clock, hostname: id,
          stdout: (c) => b.print(new TextDecoder().decode(c)),
          stderr: (c) => b.print(RED + new TextDecoder().decode(c) + RESET),
        });
        if (code !== 0) throw new BuildError(`The command '${argv.join(" ")}' returned a non-zero code: ${code}`, { code });
        if (init) keepSandboxFilesOut(fs);
        b.print(`Removing intermediate container ${id}\n`);
        await this.commit(s, s.config, createdBy, fs.upper);
        return;
      }
      case "COPY":
      case "ADD":
        await this.copy(ins, s, vars, b);
        return;
      case "WORKDIR": {
        const config = copyConfig(s.config);
        const comment = applyMetadata(ins, { config, cmdSet: s.cmdSet }, vars);
        const createdBy = [...shellOf(config), "#(nop) ", comment].join(" ");
        if (await this.probe(s, config, createdBy, b)) return;
        const id = this.containerId();
        b.print(` ---> Running in ${id}\n`);
        const fs = this.fsOf(s);
        if (!fs.exists(config.WorkingDir)) {
          fs.mkdir(config.WorkingDir, { parents: true });
          const owner = resolveUser(fs, config.User).user;
          if (owner.uid !== 0) fs.chown(config.WorkingDir, owner.uid, owner.gid);
        }
        b.print(`Removing intermediate container ${id}\n`);
        await this.commit(s, config, createdBy, fs.upper);
        return;
      }
      default: {
        const config = copyConfig(s.config);
        const holder = { config, cmdSet: s.cmdSet, author: s.author };
        const comment = applyMetadata(ins, holder, vars);
        s.cmdSet = holder.cmdSet;
        s.author = holder.author;
        await this.metadataCommit(s, config, comment, b);
      }
    }
  }

  private async metadataCommit(s: StageState, config: ContainerConfigDoc, comment: string, b: StepContext): Promise<void> {
    const createdBy = [...shellOf(config), "#(nop) ", comment].join(" ");
    if (await this.probe(s, config, createdBy, b)) return;
    const id = this.containerId();
    b.print(` ---> Running in ${id}\n`);
    b.print(`Removing intermediate container ${id}\n`);
    await this.commit(s, config, createdBy, null);
  }

  private async copy(ins: Instruction, s: StageState, vars: Map<string, string>, b: StepContext): Promise<void> {
    const keyword = ins.keyword as "COPY" | "ADD";
    for (const f of Object.keys(ins.flags)) {
      if (!["from", "chown", "chmod", "link"].includes(f) || (f === "from" && keyword === "ADD")) {
        throw new BuildError(`dockerfile parse error on line ${ins.line}: Unknown flag: ${f}`, { status: 400 });
      }
    }
    const json = execForm(ins.args);
    // The JSON form keeps quotes and backslashes literal but still expands variables.
    const expanded = json ? json.map((w) => expandWord(w.replace(/["'\\]/g, "\\$&"), vars)) : expandWords(ins.args, vars);
    if (expanded.length < 2) throw new BuildError(`${keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`, { status: 400 });
    const sources = expanded.slice(0, -1);
    let dest = expanded[expanded.length - 1];
    const dirDest = dest.endsWith("/") || dest === "." || dest.endsWith("/.");
    dest = normalise(dest.startsWith("/") ? dest : `${s.config.WorkingDir || "/"}/${dest}`);
    if (dirDest && dest !== "/") dest += "/";
    for (const src of sources) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src)) {
        if (keyword === "COPY") throw new BuildError(`COPY failed: source can't be a URL for COPY`);
        throw new BuildError(`ADD failed: cannot download ${src}: vicsim's builder has no network (ADD takes local files and local tar archives)`);
      }
    }
    let from: ContainerFs = b.ctx;
    let fromWhat = "";
    if (ins.flags.from !== undefined) {
      const name = expandWord(ins.flags.from, vars).toLowerCase();
      let img: BuildImage;
      if (b.named.has(name)) img = b.results[b.named.get(name)!];
      else if (/^\d+$/.test(name)) {
        const ix = Number(name);
        if (ix >= b.results.length) throw new BuildError(`invalid from flag value ${ins.flags.from}: refers to current build stage`);
        img = b.results[ix];
      } else img = await this.store.image(name, b.out);
      from = new ContainerFs({ lowers: img.layers.map((l) => l.layer).reverse(), now: () => this.clock.now() });
      fromWhat = `--from=${ins.flags.from} `;
    }
    const fs = this.fsOf(s);
    let owner: { uid: number; gid: number } | null = null;
    if (ins.flags.chown) {
      const u = resolveUser(fs, expandWord(ins.flags.chown, vars)).user;
      owner = { uid: u.uid, gid: u.gid };
    }
    let mode: number | null = null;
    if (ins.flags.chmod) {
      if (!/^[0-7]{3,4}$/.test(ins.flags.chmod)) throw new BuildError(`invalid chmod parameter: ${ins.flags.chmod}`, { status: 400 });
      mode = parseInt(ins.flags.chmod, 8);
    }
    const hash = await copySources(fs, sources, { keyword, from, dest, owner, mode, fromContext: !fromWhat });
    const kind = sources.length > 1 ? "multi" : (() => { try { return from.lstat("/" + sources[0].replace(/^\/+/, "")).kind === "dir" ? "dir" : "file"; } catch { return "multi"; } })();
    const createdBy = `${shellOf(s.config).join(" ")} #(nop) ${keyword} ${fromWhat}${kind}:${hash} in ${dest} `;
    if (await this.probe(s, s.config, createdBy, b)) return;
    await this.commit(s, s.config, createdBy, fs.upper);
  }

  /** The variables substitution sees: the stage's build args, then its environment (ENV wins). */
  private vars(s: StageState): Map<string, string> {
    const v = new Map<string, string>();
    for (const [k, val] of s.args) if (val !== undefined) v.set(k, val);
    for (const e of s.config.Env) {
      const eq = e.indexOf("=");
      v.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? "" : e.slice(eq + 1));
    }
    return v;
  }

  /** `k=v` for the build args a RUN sees (those with a value that ENV does not override), sorted. */
  private runArgs(s: StageState): string[] {
    const env = new Set(s.config.Env.map((e) => e.split("=")[0]));
    return [...s.args].filter(([k, v]) => v !== undefined && !env.has(k)).map(([k, v]) => `${k}=${v}`).sort();
  }

  private fsOf(s: StageState): ContainerFs {
    return new ContainerFs({ lowers: s.layers.map((l) => l.layer).reverse(), now: () => this.clock.now() });
  }

  private containerId(): string {
    return hex(new TextEncoder().encode(`build-step-${++this.containers}-${this.clock.now()}-${Math.random()}`)).slice(0, 12);
  }

  /** The ids of the `--cache-from` images found locally and of their parents, as dockerd's cache sources. */
  private async cacheSources(refs: string[]): Promise<Set<string>> {
    // A kept step's id is its config document's digest; its parent is kept beside it.
    const parentOf = new Map([...this.cache.values()].map((v) => ("id" in v ? [v.id, v.parent] : [digest(v.configJson), v.parent])));
    const ids = new Set<string>();
    for (const ref of refs) {
      for (let id = (await this.store.local?.(ref))?.id; id && !ids.has(id); id = parentOf.get(id) ?? undefined) ids.add(id);
    }
    return ids;
  }

  private cacheKey(s: StageState, config: ContainerConfigDoc, createdBy: string): string {
    return `${s.image?.id ?? `scratch ${s.platform}`}\n${createdBy}\n${JSON.stringify(config)}`;
  }

  /** The step image cached under `key` (a kept one loaded now; one whose layers are gone is forgotten), now the most recently used. */
  private async cached(key: string): Promise<BuildImage | undefined> {
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    const img = "id" in entry ? entry : await this.store.loadStep?.(entry);
    this.cache.delete(key);
    if (!img) {
      this.store.keepStep?.(key, null, null);
      return undefined;
    }
    this.cache.set(key, img);
    return img;
  }

  /** A cached step: prints ` ---> Using cache` and moves the stage onto it. */
  private async probe(s: StageState, config: ContainerConfigDoc, createdBy: string, b: StepContext): Promise<boolean> {
    if (b.noCache) return false;
    const hit = await this.cached(this.cacheKey(s, config, createdBy));
    if (!hit || (b.cacheSources && !b.cacheSources.has(hit.id))) return false;
    b.print(" ---> Using cache\n");
    this.moveTo(s, hit);
    return true;
  }

  private moveTo(s: StageState, img: BuildImage): void {
    s.image = img;
    s.config = copyConfig(img.config);
    s.layers = img.layers.slice();
    s.history = img.history.slice();
  }

  /** A new step image on top of the stage's: a layer when `upper` holds changes, an empty layer otherwise. */
  private async commit(s: StageState, config: ContainerConfigDoc, createdBy: string, upper: Layer | null): Promise<BuildImage> {
    const key = this.cacheKey(s, config, createdBy);
    const layers = upper && !upper.isEmpty() ? [...s.layers, await imageLayer(upper)] : s.layers.slice();
    const entry: HistoryEntry = { created: rfc3339(this.clock.now()), created_by: createdBy };
    if (layers.length === s.layers.length) entry.empty_layer = true;
    const img = makeImage({
      config: copyConfig(config), layers, history: [...s.history, entry], created: entry.created, architecture: s.platform.split("/")[1], os: s.platform.split("/")[0],
      author: s.author, parent: s.image?.id ?? null,
    });
    // A --no-cache build still feeds the cache for the next build, as dockerd's does.
    this.cache.delete(key);
    this.cache.set(key, img);
    this.store.keepStep?.(key, img, layers.length > s.layers.length ? layers[layers.length - 1] : null);
    if (this.cache.size > CACHE_SIZE) {
      const oldest = this.cache.keys().next().value!;
      this.cache.delete(oldest);
      this.store.keepStep?.(oldest, null, null);
    }
    this.moveTo(s, img);
    return img;
  }
}

interface StepContext {
  ctx: ContainerFs;
  meta: Map<string, string>;
  buildArgs: Map<string, string | null>;
  consumed: Set<string>;
  results: BuildImage[];
  named: Map<string, number>;
  noCache: boolean;
  /** With `--cache-from`: the ids a cached step may be (the sources and their parents). */
  cacheSources: Set<string> | null;
  print: (s: string) => void;
  out: (m: BuildMessage) => void;
  /** The RUN steps' network and /etc files (null: a builder without a host gives only the image's). */
  sandbox: () => StepSandbox | null;
}

/**
 * What a RUN step wrote to /etc/hosts, /etc/hostname or /etc/resolv.conf went to dockerd's bind
 * mounts, not to the step's layer (the well-known `RUN echo … >> /etc/hosts` that does not last):
 * they leave the layer, and so does /etc when only they brought it there.
 */
function keepSandboxFilesOut(fs: ContainerFs): void {
  const etc = fs.upper.get(["etc"]);
  if (etc?.kind !== "dir") return;
  let touched = false;
  for (const f of ["hosts", "hostname", "resolv.conf"]) touched = etc.entries.delete(f) || touched;
  const below = fs.lowers.slice(1).map((l) => l.get(["etc"])).find((n) => n);
  const same = below?.kind === "dir" && below.mode === etc.mode && below.uid === etc.uid && below.gid === etc.gid;
  if (touched && etc.entries.size === 0 && !etc.opaque && same) fs.upper.root.entries.delete("etc");
}

/** The 12 hex digits Docker shows of an id. */
export const short = (id: string): string => id.replace(/^sha256:/, "").slice(0, 12);
