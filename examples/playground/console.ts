/**
 * A small Docker CLI for the playground console. Every command becomes Docker Engine API requests
 * (web-standard `Request` objects) handed to the in-page handler, exactly what `docker` sends over
 * its socket; the answers are printed the way the CLI prints them.
 */

/** What the console talks to: the Docker API handler, called with Request objects. */
export type Handler = (request: Request) => Promise<Response>;

const BASE = "http://vicsim.local/v1.50";

/** Splits a command line into words, honouring single and double quotes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | null = null;
  let inWord = false;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error("unterminated quote");
  if (inWord) words.push(word);
  return words;
}

/** An error the Docker API answered with, printed the way the CLI prints it. */
class DaemonError extends Error {}

async function call(handler: Handler, method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method, headers: { "User-Agent": "Docker-Client/27.5.1 (playground)" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  const response = await handler(new Request(`${BASE}${path}`, init));
  if (response.status >= 400) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = ((await response.json()) as { message: string }).message;
    } catch {
      /* not JSON: keep the status line */
    }
    throw new DaemonError(`Error response from daemon: ${message}`);
  }
  return response;
}

async function json<T>(handler: Handler, method: string, path: string, body?: unknown): Promise<T> {
  const response = await call(handler, method, path, body);
  return (await response.json()) as T;
}

/** Splits Docker's multiplexed stream (8-byte frame headers) into text, or passes a TTY stream through. */
function demux(bytes: Uint8Array, multiplexed: boolean): string {
  if (!multiplexed) return new TextDecoder().decode(bytes);
  let out = "";
  let at = 0;
  const decoder = new TextDecoder();
  while (at + 8 <= bytes.length) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0, false);
    out += decoder.decode(bytes.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return out;
}

/** Parses flags: `spec` maps a flag to true (takes a value) or false (boolean). Stops at the first word that is not a flag. */
function parseFlags(args: string[], spec: Record<string, boolean>): { flags: Map<string, string[]>; rest: string[] } {
  const flags = new Map<string, string[]>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("-") || a === "-") break;
    if (a === "--") {
      i++;
      break;
    }
    let name = a;
    let value: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      name = a.slice(0, eq);
      value = a.slice(eq + 1);
    }
    // Grouped short booleans: -dit
    if (!a.startsWith("--") && a.length > 2 && !(a in spec)) {
      for (const c of a.slice(1)) {
        if (spec[`-${c}`] !== false) throw new Error(`unknown shorthand flag: '${c}' in ${a}`);
        flags.set(`-${c}`, ["true"]);
      }
      continue;
    }
    if (!(name in spec)) throw new Error(`unknown flag: ${name}`);
    if (spec[name]) {
      if (value === undefined) {
        value = args[++i];
        if (value === undefined) throw new Error(`flag needs an argument: ${name}`);
      }
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else flags.set(name, ["true"]);
  }
  return { flags, rest: args.slice(i) };
}

/** `512m`, `2g`, `1073741824` → bytes. */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg]?)b?$/i.exec(text.trim());
  if (!m) throw new Error(`invalid size: '${text}'`);
  const unit = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "b" | "k" | "m" | "g"];
  return Math.round(Number(m[1]) * unit);
}

/** Bytes the way the Docker CLI prints sizes (decimal units). */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(2) : v < 100 && u > 0 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

/** Bytes in binary units (what `docker stats` prints). */
export function humanBinary(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 2)}${units[u]}`;
}

/** Left-aligned columns separated by three spaces, like the CLI's tabwriter. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 3))).join("")).join("\n");
}

function ago(unixSeconds: number, nowMs: number): string {
  const s = Math.max(0, Math.round(nowMs / 1000 - unixSeconds));
  if (s < 60) return s <= 1 ? "Less than a second ago" : `${s} seconds ago`;
  if (s < 3600) return `${Math.round(s / 60)} minute${Math.round(s / 60) === 1 ? "" : "s"} ago`;
  if (s < 86400) return `${Math.round(s / 3600)} hour${Math.round(s / 3600) === 1 ? "" : "s"} ago`;
  return `${Math.round(s / 86400)} days ago`;
}

interface PsEntry {
  Id: string;
  Names: string[];
  Image: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
}

interface ImageEntry {
  Id: string;
  RepoTags: string[] | null;
  Created: number;
  Size: number;
}

interface StatsJson {
  name: string;
  id: string;
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage?: number; limit?: number };
}

const HELP = `Commands (answered by the Docker Engine API handler running in this page):
  docker run [-d] [--name NAME] [-m 1g] [--restart always] [-e K=V] [-l k=v] IMAGE [COMMAND...]
  docker ps [-a] [-q]              docker images            docker pull IMAGE
  docker stats [--no-stream]       docker logs [--tail N] CONTAINER
  docker stop|start|restart|kill CONTAINER...              docker rm [-f] CONTAINER...
  docker inspect CONTAINER         docker rmi IMAGE         docker info    docker version
  clear`;

/** The console: runs one command line, returns what the CLI would print. `now` gives virtual ms. */
export class DockerConsole {
  constructor(
    private readonly handler: Handler,
    private readonly now: () => number,
  ) {}

  /** Runs a command line; never throws (errors are printed as the CLI prints them). */
  async run(line: string): Promise<string> {
    try {
      const words = splitWords(line.trim());
      if (words.length === 0) return "";
      if (words[0] === "help") return HELP;
      if (words[0] !== "docker") return `${words[0]}: command not found (try: help)`;
      const [command, ...args] = words.slice(1);
      switch (command) {
        case undefined:
        case "help":
        case "--help":
          return HELP;
        case "run":
          return await this.runContainer(args);
        case "ps":
          return await this.ps(args);
        case "images":
          return await this.images();
        case "pull":
          return await this.pull(args[0]);
        case "stats":
          return await this.stats(args);
        case "logs":
          return await this.logs(args);
        case "rm":
          return await this.rm(args);
        case "rmi":
          return await this.rmi(args);
        case "stop":
        case "start":
        case "restart":
        case "kill":
          return await this.lifecycle(command, args);
        case "inspect":
          return await this.inspect(args);
        case "info":
          return await this.info();
        case "version":
          return await this.version();
        default:
          return `docker: '${command}' is not a docker command in this playground.\n${HELP}`;
      }
    } catch (error) {
      return (error as Error).message;
    }
  }

  private async runContainer(args: string[]): Promise<string> {
    const { flags, rest } = parseFlags(args, {
      "-d": false, "--detach": false, "-i": false, "-t": false, "--rm": false,
      "--name": true, "-m": true, "--memory": true, "--restart": true, "-e": true, "--env": true,
      "-l": true, "--label": true, "-p": true, "--publish": true, "--cpus": true,
    });
    const image = rest[0];
    if (!image) throw new Error('"docker run" requires at least 1 argument.');
    const name = flags.get("--name")?.[0];
    const memory = flags.get("-m")?.[0] ?? flags.get("--memory")?.[0];
    const restart = flags.get("--restart")?.[0];
    const labels: Record<string, string> = {};
    for (const l of [...(flags.get("-l") ?? []), ...(flags.get("--label") ?? [])]) {
      const eq = l.indexOf("=");
      labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? "" : l.slice(eq + 1);
    }
    const portBindings: Record<string, { HostPort: string }[]> = {};
    const exposed: Record<string, object> = {};
    for (const p of [...(flags.get("-p") ?? []), ...(flags.get("--publish") ?? [])]) {
      const [host, container] = p.includes(":") ? p.split(":") : ["", p];
      const key = container.includes("/") ? container : `${container}/tcp`;
      exposed[key] = {};
      (portBindings[key] ??= []).push({ HostPort: host });
    }
    const cpus = flags.get("--cpus")?.[0];
    const [restartName, retries] = (restart ?? "no").split(":");
    const body = {
      Image: image,
      Cmd: rest.length > 1 ? rest.slice(1) : null,
      Env: [...(flags.get("-e") ?? []), ...(flags.get("--env") ?? [])],
      Labels: labels,
      Tty: flags.has("-t"),
      OpenStdin: flags.has("-i"),
      AttachStdout: !flags.has("-d") && !flags.has("--detach"),
      AttachStderr: !flags.has("-d") && !flags.has("--detach"),
      ExposedPorts: Object.keys(exposed).length ? exposed : null,
      HostConfig: {
        Memory: memory ? parseBytes(memory) : 0,
        NanoCpus: cpus ? Math.round(Number(cpus) * 1e9) : 0,
        RestartPolicy: { Name: restartName, MaximumRetryCount: retries ? Number(retries) : 0 },
        AutoRemove: flags.has("--rm"),
        PortBindings: portBindings,
      },
    };
    const query = name ? `?name=${encodeURIComponent(name)}` : "";
    let pulled = "";
    let created: { Id: string };
    try {
      created = await json<{ Id: string }>(this.handler, "POST", `/containers/create${query}`, body);
    } catch (error) {
      // The CLI's own dance: create says "No such image", so pull and create again.
      if (!/No such image/.test((error as Error).message)) throw error;
      pulled = `Unable to find image '${withTag(image)}' locally\n${await this.pull(image)}\n`;
      created = await json<{ Id: string }>(this.handler, "POST", `/containers/create${query}`, body);
    }
    await call(this.handler, "POST", `/containers/${created.Id}/start`);
    if (flags.has("-d") || flags.has("--detach")) return `${pulled}${created.Id}`;
    // Attached: wait a little virtual time for the command to finish, then print what it wrote.
    const deadline = Date.now() + 1500;
    let state = "running";
    while (Date.now() < deadline) {
      const c = await json<{ State: { Status: string } }>(this.handler, "GET", `/containers/${created.Id}/json`);
      state = c.State.Status;
      if (state !== "running" && state !== "created") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const out = await this.logs([created.Id]);
    const note = state === "running" ? `\n(${created.Id.slice(0, 12)} keeps running: docker logs / docker stop it)` : "";
    return `${pulled}${out}${note}`;
  }

  private async ps(args: string[]): Promise<string> {
    const { flags } = parseFlags(args, { "-a": false, "--all": false, "-q": false, "--quiet": false });
    const all = flags.has("-a") || flags.has("--all");
    const list = await json<PsEntry[]>(this.handler, "GET", `/containers/json${all ? "?all=1" : ""}`);
    if (flags.has("-q") || flags.has("--quiet")) return list.map((c) => c.Id.slice(0, 12)).join("\n");
    const rows = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"]];
    for (const c of list) {
      const command = c.Command.length > 20 ? `${c.Command.slice(0, 19)}…` : c.Command;
      rows.push([c.Id.slice(0, 12), c.Image, `"${command}"`, ago(c.Created, this.now()), c.Status, c.Names.map((n) => n.replace(/^\//, "")).join(",")]);
    }
    return table(rows);
  }

  private async images(): Promise<string> {
    const list = await json<ImageEntry[]>(this.handler, "GET", "/images/json");
    const rows = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]];
    for (const i of list) {
      for (const tag of i.RepoTags?.length ? i.RepoTags : ["<none>:<none>"]) {
        const at = tag.lastIndexOf(":");
        rows.push([tag.slice(0, at), tag.slice(at + 1), i.Id.replace(/^sha256:/, "").slice(0, 12), ago(i.Created, this.now()), humanSize(i.Size)]);
      }
    }
    return table(rows);
  }

  private async pull(ref: string | undefined): Promise<string> {
    if (!ref) throw new Error('"docker pull" requires exactly 1 argument.');
    const full = withTag(ref);
    const at = full.lastIndexOf(":");
    const response = await call(this.handler, "POST", `/images/create?fromImage=${encodeURIComponent(full.slice(0, at))}&tag=${encodeURIComponent(full.slice(at + 1))}`);
    const lines: string[] = [];
    for (const line of (await response.text()).split("\n")) {
      if (!line.trim()) continue;
      const p = JSON.parse(line) as { status?: string; id?: string; error?: string; progressDetail?: object };
      if (p.error) throw new DaemonError(p.error);
      // Keep the lines the CLI leaves on screen once the progress bars settle.
      if (p.status && !/^(Downloading|Extracting|Waiting|Verifying Checksum)/.test(p.status)) lines.push(p.id ? `${p.id}: ${p.status}` : p.status);
    }
    return lines.join("\n");
  }

  private async stats(args: string[]): Promise<string> {
    parseFlags(args, { "--no-stream": false, "-a": false, "--all": false });
    const list = await json<PsEntry[]>(this.handler, "GET", "/containers/json");
    const rows = [["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %"]];
    for (const c of list) {
      const s = await json<StatsJson>(this.handler, "GET", `/containers/${c.Id}/stats?stream=false`);
      const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
      const systemDelta = s.cpu_stats.system_cpu_usage - (s.precpu_stats.system_cpu_usage ?? 0);
      const cpu = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * s.cpu_stats.online_cpus * 100 : 0;
      const usage = s.memory_stats.usage ?? 0;
      const limit = s.memory_stats.limit ?? 0;
      rows.push([c.Id.slice(0, 12), s.name.replace(/^\//, ""), `${cpu.toFixed(2)}%`, `${humanBinary(usage)} / ${humanBinary(limit)}`, `${limit ? ((usage / limit) * 100).toFixed(2) : "0.00"}%`]);
    }
    return table(rows);
  }

  private async logs(args: string[]): Promise<string> {
    const { flags, rest } = parseFlags(args, { "--tail": true, "-n": true, "-t": false, "--timestamps": false, "-f": false });
    if (!rest[0]) throw new Error('"docker logs" requires exactly 1 argument.');
    const tail = flags.get("--tail")?.[0] ?? flags.get("-n")?.[0] ?? "all";
    const id = encodeURIComponent(rest[0]);
    const inspect = await json<{ Config: { Tty: boolean } }>(this.handler, "GET", `/containers/${id}/json`);
    const ts = flags.has("-t") || flags.has("--timestamps") ? "&timestamps=1" : "";
    const response = await call(this.handler, "GET", `/containers/${id}/logs?stdout=1&stderr=1&tail=${encodeURIComponent(tail)}${ts}`);
    return demux(new Uint8Array(await response.arrayBuffer()), !inspect.Config.Tty).replace(/\n$/, "");
  }

  private async rm(args: string[]): Promise<string> {
    const { flags, rest } = parseFlags(args, { "-f": false, "--force": false, "-v": false });
    if (rest.length === 0) throw new Error('"docker rm" requires at least 1 argument.');
    const force = flags.has("-f") || flags.has("--force") ? "?force=1" : "";
    const out: string[] = [];
    for (const ref of rest) {
      try {
        await call(this.handler, "DELETE", `/containers/${encodeURIComponent(ref)}${force}`);
        out.push(ref);
      } catch (error) {
        out.push((error as Error).message);
      }
    }
    return out.join("\n");
  }

  private async rmi(args: string[]): Promise<string> {
    const { flags, rest } = parseFlags(args, { "-f": false, "--force": false });
    if (rest.length === 0) throw new Error('"docker rmi" requires at least 1 argument.');
    const out: string[] = [];
    for (const ref of rest) {
      const removed = await json<{ Untagged?: string; Deleted?: string }[]>(this.handler, "DELETE", `/images/${encodeURIComponent(ref)}${flags.size ? "?force=1" : ""}`);
      for (const r of removed) out.push(r.Untagged ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`);
    }
    return out.join("\n");
  }

  private async lifecycle(command: string, args: string[]): Promise<string> {
    const { rest } = parseFlags(args, { "-t": true, "--time": true, "-s": true, "--signal": true });
    if (rest.length === 0) throw new Error(`"docker ${command}" requires at least 1 argument.`);
    const out: string[] = [];
    for (const ref of rest) {
      try {
        await call(this.handler, "POST", `/containers/${encodeURIComponent(ref)}/${command}`);
        out.push(ref);
      } catch (error) {
        out.push((error as Error).message);
      }
    }
    return out.join("\n");
  }

  private async inspect(args: string[]): Promise<string> {
    if (!args[0]) throw new Error('"docker inspect" requires at least 1 argument.');
    const c = await json<unknown>(this.handler, "GET", `/containers/${encodeURIComponent(args[0])}/json`);
    return JSON.stringify([c], null, 4);
  }

  private async info(): Promise<string> {
    const i = await json<Record<string, unknown>>(this.handler, "GET", "/info");
    const pick = ["Name", "ServerVersion", "Containers", "ContainersRunning", "ContainersPaused", "ContainersStopped", "Images", "NCPU", "MemTotal", "OperatingSystem", "OSType", "Architecture"];
    return pick.filter((k) => k in i).map((k) => ` ${k}: ${k === "MemTotal" ? humanBinary(Number(i[k])) : String(i[k])}`).join("\n");
  }

  private async version(): Promise<string> {
    const v = await json<{ Version: string; ApiVersion: string; MinAPIVersion: string; Os: string; Arch: string }>(this.handler, "GET", "/version");
    return `Server: vicsim (in this page)\n Engine:\n  Version:          ${v.Version}\n  API version:      ${v.ApiVersion} (minimum version ${v.MinAPIVersion})\n  OS/Arch:          ${v.Os}/${v.Arch}`;
  }
}

/** `nginx` → `nginx:latest` (a digest or tag is kept). */
function withTag(ref: string): string {
  const slash = ref.lastIndexOf("/");
  return ref.includes("@") || ref.slice(slash + 1).includes(":") ? ref : `${ref}:latest`;
}
