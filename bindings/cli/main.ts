/**
 * `vicsim serve`: runs a Virtual Container Host on a simulated vSphere cluster and serves the Docker
 * Engine API, so that the docker CLI, dockerode or docker-py work against it as with a Docker engine.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import wasm from "../../build/vicsim.release.wasm";
import { initCore } from "../core/wasm.js";
import { serveDocker, type RequestLogEntry } from "../docker/node.js";
import { API_VERSION } from "../docker/http.js";
import { VirtualContainerHost } from "../vch/index.js";
import { nodeHostFoldersCreating } from "../fs/hostdir.js";
import { splitVsphereArgs, startVsphere, VSPHERE_USAGE } from "./vsphere.js";
import { loadShell } from "../guests/emulated-shell.js";

const USAGE = `usage: vicsim serve [options]

Serves the Docker Engine API ${API_VERSION} of a Virtual Container Host on a simulated vSphere cluster.

  --listen ADDR       tcp://127.0.0.1:2375 (default), tcp://HOST:PORT or unix:///path/docker.sock
  --state DIR         keep images, containers and events in DIR (SQLite); without it, state is in memory
  --hosts N           ESXi hosts in the cluster (default 8)
  --speed X           virtual time runs X times the wall clock (default 1)
  --seed N            seed of ids, names and the guest model (default 1)
  --name NAME         the VCH's name, as \`docker info\` shows it (default vicsim)
  --min-memory SIZE   smallest memory limit a container may ask for, e.g. 6m (default 512m, vIC's: a
                      container VM needs that much; lower it for suites written against dockerd)
  --log-level LEVEL   error | warn | info (default) | debug: info logs every request but pings, debug all
  --tlsverify         require client certificates signed by --tlscacert (as dockerd --tlsverify)
  --tls               serve TLS without verifying clients
  --tlscacert FILE    CA certificate (PEM)
  --tlscert FILE      server certificate (PEM)
  --tlskey FILE       server key (PEM)
  -h, --help          this help
`;

type Level = "error" | "warn" | "info" | "debug";
const LEVELS: Level[] = ["error", "warn", "info", "debug"];

/** Parses `serve`'s arguments; throws an Error with a message for the user. */
export function parseServeArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      listen: { type: "string", short: "H" },
      state: { type: "string" },
      hosts: { type: "string" },
      speed: { type: "string" },
      seed: { type: "string" },
      name: { type: "string" },
      "min-memory": { type: "string" },
      "log-level": { type: "string" },
      tlsverify: { type: "boolean" },
      tls: { type: "boolean" },
      tlscacert: { type: "string" },
      tlscert: { type: "string" },
      tlskey: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (positionals.length) throw new Error(`unexpected argument ${positionals[0]}`);
  const number = (key: string, raw: string | undefined, min: number, max: number, integer: boolean): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new Error(`--${key} ${raw}: expected ${integer ? "an integer" : "a number"} from ${min} to ${max}`);
    return n;
  };
  /** A size as docker's --memory reads it (6m, 1g, 512m, bytes), in whole MiB from 1 to 512. */
  const memorySize = (key: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const m = /^(\d+)([bkmg]?)$/i.exec(raw.trim());
    const bytes = m ? Number(m[1]) * { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "b" | "k" | "m" | "g"] : NaN;
    const mib = bytes / 1024 ** 2;
    if (!Number.isInteger(mib) || mib < 1 || mib > 512) throw new Error(`--${key} ${raw}: expected a size in whole MiB from 1m to 512m, e.g. 6m`);
    return mib;
  };
  const level = (values["log-level"] ?? "info") as Level;
  if (!LEVELS.includes(level)) throw new Error(`--log-level ${values["log-level"]}: expected one of ${LEVELS.join(", ")}`);
  const tls = values.tlsverify || values.tls;
  if (tls && (!values.tlscert || !values.tlskey)) throw new Error("--tls and --tlsverify need --tlscert and --tlskey");
  if (values.tlsverify && !values.tlscacert) throw new Error("--tlsverify needs --tlscacert: the CA that signs client certificates");
  return {
    help: values.help === true,
    listen: values.listen ?? "tcp://127.0.0.1:2375",
    state: values.state,
    hosts: number("hosts", values.hosts, 1, 4096, true),
    speed: number("speed", values.speed, 0.001, 1_000_000, false),
    seed: number("seed", values.seed, 0, 2 ** 31 - 1, true),
    name: values.name,
    minMemoryMiB: memorySize("min-memory", values["min-memory"]),
    level,
    tls: tls ? { verify: values.tlsverify === true, ca: values.tlscacert, cert: values.tlscert!, key: values.tlskey! } : undefined,
  };
}

async function serve(argv: string[]): Promise<void> {
  const { rest, vsphere } = splitVsphereArgs(argv);
  const args = parseServeArgs(rest);
  if (args.help) {
    process.stdout.write(USAGE + VSPHERE_USAGE);
    return;
  }
  const at = (l: Level): boolean => LEVELS.indexOf(l) <= LEVELS.indexOf(args.level);
  const say = (l: Level, line: string): void => {
    if (at(l)) process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${line}\n`);
  };
  initCore(wasm);
  const vch = await VirtualContainerHost.open({
    stateDir: args.state,
    seed: args.seed,
    name: args.name,
    minMemoryMiB: args.minMemoryMiB,
    cluster: args.hosts ? { hosts: args.hosts } : undefined,
    clock: { mode: "realtime", speed: args.speed ?? 1 },
    hostFolders: nodeHostFoldersCreating, // bind mounts map host folders, created when missing as dockerd does
  });
  await loadShell(); // before the first request: a first `docker start` runs its command at once
  const tls = args.tls && {
    verify: args.tls.verify,
    cert: readFileSync(args.tls.cert),
    key: readFileSync(args.tls.key),
    ca: args.tls.ca ? readFileSync(args.tls.ca) : undefined,
  };
  const log = (e: RequestLogEntry): void => {
    const level: Level = e.status >= 500 ? "error" : e.status >= 400 ? "warn" : e.url.includes("/_ping") ? "debug" : "info";
    // The line is made only when it is printed: most requests are below the level.
    if (at(level)) say(level, `${e.method} ${e.url} ${e.status}${e.hijacked ? " (hijacked)" : ""} ${e.ms.toFixed(1)}ms`);
  };
  const server = await serveDocker(vch, { listen: args.listen, tls: tls || undefined, log });
  const info = vch.info();
  process.stdout.write(
    `vicsim: Virtual Container Host "${info.name}" on ${info.hosts.length} simulated ESXi hosts, ${info.containers} containers, ${info.images} images` +
      `${args.state ? ` (state in ${args.state})` : " (state in memory)"}\n` +
      `vicsim: serving the Docker Engine API ${API_VERSION} on ${server.dockerHost}${tls ? (tls.verify ? " (TLS, client certificates required)" : " (TLS)") : ""}\n` +
      `export DOCKER_HOST=${server.dockerHost}\n` +
      (tls ? `export DOCKER_TLS_VERIFY=1  # with DOCKER_CERT_PATH holding ca.pem, cert.pem, key.pem\n` : ""),
  );
  const vsphereServer = vsphere ? await startVsphere(vch, vsphere, at("debug") ? (l) => say("debug", l) : undefined) : null;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say("info", `${signal}: stopping`);
    await server.close();
    await vsphereServer?.close();
    await vch.close(); // flushes the state folder
    say("info", "stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve(rest);
    case "simulate":
      return (await import("./simulate.js")).simulateCommand(rest);
    case "photon":
      return (await import("./photon.js")).photonCommand(rest);
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(`usage: vicsim serve [options]   (vicsim serve --help for the options)\n`);
      return;
    default:
      throw new Error(`unknown command ${command}: try \`vicsim serve --help\``);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`vicsim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
