/**
 * Legacy links (`--link NAME:ALIAS` on the default bridge): the environment dockerd gives the
 * linking container, as moby's links package writes it — ALIAS_NAME, ALIAS_ENV_<VAR> for the linked
 * container's environment (but HOME and PATH), and ALIAS_PORT… for each port it exposes.
 */
import type { Container } from "./container.js";

/** The link variables of container `c`; `find` resolves a linked container's name (undefined: gone). */
export function linkEnvironment(c: Container, find: (name: string) => Container | undefined): string[] {
  const links = (c.rec.hostConfig.Links as string[] | null | undefined) ?? [];
  const env: string[] = [];
  for (const link of links) {
    const colon = link.lastIndexOf(":");
    const name = (colon > 0 ? link.slice(0, colon) : link).replace(/^\//, "");
    const alias = (colon > 0 ? link.slice(colon + 1) : name).replace(/^.*\//, "");
    const child = find(name);
    if (!child) continue;
    const prefix = alias.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
    env.push(`${prefix}_NAME=${c.rec.name}/${alias}`);
    for (const e of child.rec.config.Env ?? []) {
      const eq = e.indexOf("=");
      if (eq <= 0) continue;
      const key = e.slice(0, eq);
      if (key === "HOME" || key === "PATH") continue;
      env.push(`${prefix}_ENV_${key}=${e.slice(eq + 1)}`);
    }
    const ip = Object.values(child.rec.networks).find((n) => n.IPAddress)?.IPAddress;
    const ports = Object.keys(child.rec.config.ExposedPorts ?? {})
      .map((p) => { const [port, proto = "tcp"] = p.split("/"); return { port: Number(port), proto }; })
      .filter((p) => Number.isInteger(p.port))
      .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
    if (!ip) continue;
    if (ports.length) env.push(`${prefix}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
    for (const p of ports) {
      const key = `${prefix}_PORT_${p.port}_${p.proto.toUpperCase()}`;
      env.push(`${key}=${p.proto}://${ip}:${p.port}`, `${key}_ADDR=${ip}`, `${key}_PORT=${p.port}`, `${key}_PROTO=${p.proto}`);
    }
  }
  return env;
}
