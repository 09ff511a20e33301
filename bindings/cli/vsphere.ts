/**
 * `vicsim serve --vsphere [ADDR]`: the vSphere API door beside the Docker one, on the same VCH.
 * Its options are taken out of `serve`'s arguments here, so `serve` parses only its own.
 */
import { readFileSync } from "node:fs";
import type { VirtualContainerHostApi } from "../vch/types.js";
import { serveVsphere, type VsphereServerHandle } from "../vsphere/node.js";

export const VSPHERE_USAGE = `
  --vsphere [ADDR]            also serve the vSphere API (vim25 SOAP) for govc and pyvmomi
                              (default https://127.0.0.1:8989/sdk, self-signed certificate made at start)
  --vsphere-tlscert FILE      certificate (PEM) instead of the self-signed one
  --vsphere-tlskey FILE       its key (PEM)
  --vsphere-user USER         only this user may log in (default: any user and password, as vcsim)
  --vsphere-password PASS     the user's password
`;

export interface VsphereArgs {
  listen: string;
  cert?: string;
  key?: string;
  user?: string;
  password?: string;
}

const VALUED = ["--vsphere-tlscert", "--vsphere-tlskey", "--vsphere-user", "--vsphere-password"];

/** Takes the vSphere options out of `argv`: what is left is for `serve`; `vsphere` is null without --vsphere. */
export function splitVsphereArgs(argv: string[]): { rest: string[]; vsphere: VsphereArgs | null } {
  const rest: string[] = [];
  const values: Record<string, string> = {};
  let listen: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag === "--vsphere") {
      if (eq > 0) listen = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith("-")) listen = argv[++i];
      else listen = "https://127.0.0.1:8989/sdk";
    } else if (VALUED.includes(flag)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      values[flag] = v;
    } else rest.push(a);
  }
  if (listen === null) {
    if (Object.keys(values).length) throw new Error(`${Object.keys(values)[0]} needs --vsphere`);
    return { rest, vsphere: null };
  }
  if (!!values["--vsphere-tlscert"] !== !!values["--vsphere-tlskey"]) throw new Error("--vsphere-tlscert and --vsphere-tlskey go together");
  if (!!values["--vsphere-user"] !== !!values["--vsphere-password"]) throw new Error("--vsphere-user and --vsphere-password go together");
  return {
    rest,
    vsphere: { listen, cert: values["--vsphere-tlscert"], key: values["--vsphere-tlskey"], user: values["--vsphere-user"], password: values["--vsphere-password"] },
  };
}

/** Starts the vSphere door and prints how to point govc at it. */
export async function startVsphere(vch: VirtualContainerHostApi, args: VsphereArgs, log?: (line: string) => void): Promise<VsphereServerHandle> {
  const server = await serveVsphere(vch, {
    listen: args.listen,
    tls: args.cert && args.key ? { cert: readFileSync(args.cert), key: readFileSync(args.key) } : undefined,
    user: args.user,
    password: args.password,
    onRequest: log ? (e) => log(`vsphere ${e.method} ${e.status} ${e.ms}ms`) : undefined,
  });
  const u = new URL(server.url);
  const credentials = `${encodeURIComponent(args.user ?? "user")}:${encodeURIComponent(args.password ?? "pass")}`;
  process.stdout.write(
    `vicsim: serving the vSphere API (vim25) on ${server.url}${args.cert ? "" : u.protocol === "https:" ? " (self-signed certificate)" : ""}\n` +
      `export GOVC_URL=${u.protocol}//${credentials}@${u.host}${u.pathname}\n` +
      (u.protocol === "https:" && !args.cert ? `export GOVC_INSECURE=1\n` : ""),
  );
  return server;
}
