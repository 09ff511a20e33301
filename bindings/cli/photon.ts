/**
 * `vicsim photon serve`: Photon Platform's API (Photon Controller 1.x) over a simulated fleet, for
 * VMware's `photon` CLI and any 1.x client. Prints the `photon target set …` line to paste.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import wasm from "../../build/vicsim.release.wasm";
import { initCore } from "../core/wasm.js";
import { createPhotonHandler } from "../photon/handler.js";
import { servePhoton } from "../photon/node.js";
import { PhotonPlatform } from "../photon/platform.js";
import { SqliteStore } from "../photon/sqlite.js";
import { TokenIssuer, checkUsersFile } from "../photon/tokens.js";

const USAGE = `usage: vicsim photon serve [options]

Serves the Photon Controller 1.x API of a Photon Platform deployment on a simulated fleet of ESXi hosts.

  --listen URL      http://127.0.0.1:9000 (default); with --auth the server speaks HTTPS
  --hosts N         hosts in the deployment, spread over 4 availability zones (default 1000)
  --state DIR       keep tenants, projects, VMs, clusters and tasks in DIR (SQLite); default: memory
  --auth            require Lightwave tokens (POST /openidconnect/token); needs --users
  --users FILE      users and groups: {"domain":"esxcloud","users":[{"name","password","groups":["ESXCloudAdmins"]}]}
  --tls-cert FILE   certificate (PEM) for HTTPS; default: a self-signed one made at start
  --tls-key FILE    its key (PEM)
  --seed N          seed of host ids and of the scheduler (default 1)
  --step-ms N       pause before each task step, in ms (default 0)
  --max-requests N  requests processed at once before 429 TooManyRequests (default 10000)
  --max-tasks N     tasks queued or running before 503 OutOfThreadPoolWorker (default 10000)
  -h, --help        this help
`;

export function parsePhotonArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      listen: { type: "string" },
      hosts: { type: "string" },
      state: { type: "string" },
      auth: { type: "boolean" },
      users: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      seed: { type: "string" },
      "step-ms": { type: "string" },
      "max-requests": { type: "string" },
      "max-tasks": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [verb, ...rest] = positionals;
  if (values.help || verb === undefined) return { help: true } as const;
  if (verb !== "serve") throw new Error(`unknown photon command ${verb}: try \`vicsim photon serve --help\``);
  if (rest.length) throw new Error(`unexpected argument ${rest[0]}`);
  const int = (key: string, raw: string | undefined, min: number, max: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${key} ${raw}: expected an integer from ${min} to ${max}`);
    return n;
  };
  if (values.auth && !values.users) throw new Error("--auth needs --users FILE (the users and groups tokens are issued for)");
  if (!values.auth && values.users) throw new Error("--users is only read with --auth");
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) throw new Error("--tls-cert and --tls-key go together");
  return {
    help: false,
    listen: values.listen ?? "http://127.0.0.1:9000",
    hosts: int("hosts", values.hosts, 1, 1_000_000) ?? 1000,
    state: values.state,
    auth: values.auth === true,
    users: values.users,
    tlsCert: values["tls-cert"],
    tlsKey: values["tls-key"],
    seed: int("seed", values.seed, 0, 2 ** 31 - 1) ?? 1,
    stepMs: int("step-ms", values["step-ms"], 0, 60_000) ?? 0,
    limits: { requestsInFlight: int("max-requests", values["max-requests"], 1, 1_000_000), tasksInFlight: int("max-tasks", values["max-tasks"], 1, 1_000_000) },
  } as const;
}

/** Runs `vicsim photon …`. */
export async function photonCommand(argv: string[]): Promise<void> {
  const args = parsePhotonArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  initCore(wasm);
  const started = Date.now();
  const store = args.state ? new SqliteStore(args.state) : undefined;
  const platform = PhotonPlatform.open({ hosts: args.hosts, seed: args.seed, store, stepDelayMs: args.stepMs });
  let issuer: TokenIssuer | undefined;
  let tls: { cert: string; key: string } | undefined;
  let listen = args.listen;
  if (args.auth) {
    const file = checkUsersFile(JSON.parse(readFileSync(args.users!, "utf8")));
    const stored = platform.docs.meta.get("signing-key")?.value as Parameters<typeof TokenIssuer.create>[1];
    issuer = await TokenIssuer.create(file, stored, (k) => {
      platform.put("meta", { id: "signing-key", value: k });
      platform.commit();
    });
    if (args.tlsCert) tls = { cert: readFileSync(args.tlsCert, "utf8"), key: readFileSync(args.tlsKey!, "utf8") };
    else {
      const { generate } = await import("selfsigned");
      const host = new URL(listen).hostname;
      const pems = await generate([{ name: "commonName", value: host }], { keySize: 2048, algorithm: "sha256", extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: host }, { type: 2, value: "localhost" }] }] } as never);
      tls = { cert: pems.cert, key: pems.private };
    }
    listen = listen.replace(/^http:/, "https:");
  }
  const target = new URL(listen);
  const handler = createPhotonHandler(platform, { auth: issuer, authEndpoint: issuer ? { endpoint: target.hostname, port: Number(target.port || 443) } : undefined, limits: args.limits });
  const server = await servePhoton(handler, { listen, tls });
  if (issuer) platform.authShown = { ...platform.authShown, port: server.port };
  const zones = platform.docs.zone.size;
  process.stdout.write(
    `vicsim: Photon Platform on ${platform.fleet.n} simulated ESXi hosts in ${zones} availability zones, ${platform.docs.tenant.size} tenants, ${platform.docs.vm.size} VMs` +
      `${args.state ? ` (state in ${args.state})` : " (state in memory)"}, ready in ${Date.now() - started} ms\n` +
      `vicsim: serving the Photon Controller 1.x API on ${server.url}${issuer ? ` (HTTPS, Lightwave tokens for domain ${issuer.domain})` : ""}\n` +
      `photon target set --nocertcheck ${server.url}\n`,
  );
  const stop = async (): Promise<void> => {
    await server.close();
    platform.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}
