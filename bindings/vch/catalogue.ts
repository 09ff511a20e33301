/**
 * Built-in image catalogue: the config and template profile of common images, and a deterministic
 * profile for any other name. Sizes follow the public images roughly (compressed layer sizes of the
 * amd64 variants); memory figures are what the workload typically keeps resident.
 */
import { digestOf, hash32 } from "./rng.js";
import type { ImageConfig, LayerRecord, TemplateProfile } from "./types.js";

interface CatalogueEntry {
  /** Compressed layer sizes in bytes. */
  layers: number[];
  cmd: string[];
  entrypoint?: string[];
  env?: string[];
  workdir?: string;
  ports?: string[];
  volumes?: string[];
  stopSignal?: string;
  /** Resident memory of the workload in MiB (drives boot pages and working set). */
  residentMiB: number;
  /** Steady dirty rate in pages per virtual second while serving. */
  dirtyRate: number;
  bootMs: number;
}

const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const MB = 1_000_000;

const CATALOGUE: Record<string, CatalogueEntry> = {
  busybox: { layers: [2.2 * MB], cmd: ["sh"], residentMiB: 4, dirtyRate: 2, bootMs: 350 },
  alpine: { layers: [3.6 * MB], cmd: ["/bin/sh"], residentMiB: 6, dirtyRate: 2, bootMs: 380 },
  ubuntu: { layers: [29.7 * MB], cmd: ["/bin/bash"], residentMiB: 12, dirtyRate: 3, bootMs: 520 },
  debian: { layers: [48.5 * MB], cmd: ["bash"], residentMiB: 12, dirtyRate: 3, bootMs: 540 },
  nginx: {
    layers: [28.2 * MB, 41.8 * MB, 0.6 * MB, 0.9 * MB, 1.2 * MB, 1.4 * MB, 1.2 * MB],
    cmd: ["nginx", "-g", "daemon off;"], entrypoint: ["/docker-entrypoint.sh"],
    env: [PATH, "NGINX_VERSION=1.27.3"], ports: ["80/tcp"], stopSignal: "SIGQUIT",
    residentMiB: 24, dirtyRate: 40, bootMs: 700,
  },
  httpd: {
    layers: [28.2 * MB, 0.2 * MB, 6.1 * MB, 22.4 * MB, 0.3 * MB],
    cmd: ["httpd-foreground"], env: [PATH, "HTTPD_PREFIX=/usr/local/apache2"], workdir: "/usr/local/apache2",
    ports: ["80/tcp"], stopSignal: "SIGWINCH", residentMiB: 32, dirtyRate: 40, bootMs: 750,
  },
  redis: {
    layers: [28.2 * MB, 1.1 * MB, 0.9 * MB, 11.6 * MB, 0.1 * MB, 0.2 * MB],
    cmd: ["redis-server"], entrypoint: ["docker-entrypoint.sh"], env: [PATH, "REDIS_VERSION=7.4.1"],
    workdir: "/data", ports: ["6379/tcp"], volumes: ["/data"], residentMiB: 64, dirtyRate: 120, bootMs: 650,
  },
  postgres: {
    layers: [28.2 * MB, 4.5 * MB, 1.3 * MB, 8.1 * MB, 1.2 * MB, 0.1 * MB, 103.4 * MB, 9.7 * MB],
    cmd: ["postgres"], entrypoint: ["docker-entrypoint.sh"],
    env: [PATH, "PG_MAJOR=17", "PGDATA=/var/lib/postgresql/data"], ports: ["5432/tcp"],
    volumes: ["/var/lib/postgresql/data"], stopSignal: "SIGINT", residentMiB: 160, dirtyRate: 200, bootMs: 1400,
  },
  mysql: {
    layers: [49.1 * MB, 0.9 * MB, 0.1 * MB, 14.3 * MB, 52.2 * MB, 0.1 * MB, 58.6 * MB],
    cmd: ["mysqld"], entrypoint: ["docker-entrypoint.sh"], env: [PATH, "MYSQL_MAJOR=8.4"],
    ports: ["3306/tcp", "33060/tcp"], volumes: ["/var/lib/mysql"], residentMiB: 384, dirtyRate: 220, bootMs: 2200,
  },
  python: {
    layers: [48.5 * MB, 24.0 * MB, 64.4 * MB, 211.3 * MB, 6.2 * MB, 25.8 * MB, 0.2 * MB],
    cmd: ["python3"], env: [PATH, "LANG=C.UTF-8", "PYTHON_VERSION=3.13.1"], residentMiB: 48, dirtyRate: 30, bootMs: 900,
  },
  node: {
    layers: [48.5 * MB, 24.0 * MB, 64.4 * MB, 211.3 * MB, 3.3 * MB, 49.6 * MB, 1.3 * MB, 0.4 * MB],
    cmd: ["node"], entrypoint: ["docker-entrypoint.sh"], env: [PATH, "NODE_VERSION=22.12.0", "YARN_VERSION=1.22.22"],
    residentMiB: 64, dirtyRate: 50, bootMs: 950,
  },
  golang: {
    layers: [48.5 * MB, 24.0 * MB, 64.4 * MB, 86.1 * MB, 71.2 * MB],
    cmd: ["bash"], env: [PATH, "GOLANG_VERSION=1.23.4", "GOPATH=/go"], workdir: "/go", residentMiB: 16, dirtyRate: 3, bootMs: 600,
  },
  memcached: {
    layers: [28.2 * MB, 0.3 * MB, 1.6 * MB, 0.1 * MB], cmd: ["memcached"], entrypoint: ["docker-entrypoint.sh"],
    env: [PATH], ports: ["11211/tcp"], residentMiB: 64, dirtyRate: 150, bootMs: 500,
  },
  "hello-world": { layers: [2_500], cmd: ["/hello"], residentMiB: 1, dirtyRate: 0, bootMs: 300 },
  traefik: {
    layers: [3.6 * MB, 0.6 * MB, 48.7 * MB], cmd: ["traefik"], entrypoint: ["/entrypoint.sh"],
    ports: ["80/tcp"], residentMiB: 48, dirtyRate: 30, bootMs: 700,
  },
};

/** Splits `docker.io/library/busybox:1.36` into repository `busybox` and tag `1.36`. */
export function parseReference(ref: string): { repo: string; tag: string; digest?: string } {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = "latest";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  rest = rest.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "");
  rest = rest.replace(/^library\//, "");
  return { repo: rest, tag, digest };
}

/** Docker's reference grammar, simplified: lowercase path components, a tag of [\w][\w.-]{0,127}. */
export function validReference(repo: string, tag: string): boolean {
  return /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repo) &&
    /^[\w][\w.-]{0,127}$/.test(tag);
}

/** Does the catalogue describe this repository by name (busybox, nginx, …), not by a derived profile? */
export function inCatalogue(repo: string): boolean {
  return Object.hasOwn(CATALOGUE, repo.split("/").pop()!);
}

/** The catalogue entry of a repository (`library/nginx`, `nginx`, `myorg/nginx-custom` → nginx-like). */
function entryFor(repo: string): CatalogueEntry {
  const base = repo.split("/").pop()!;
  if (CATALOGUE[base]) return CATALOGUE[base];
  // Any other name: a deterministic profile derived from the name, a service by default.
  const h = hash32(repo);
  const layerCount = 2 + (h % 5);
  const layers: number[] = [];
  for (let i = 0; i < layerCount; i++) layers.push(200_000 + (hash32(`${repo}#${i}`) % 40_000_000));
  return {
    layers,
    cmd: ["/bin/sh"],
    env: [PATH],
    residentMiB: 16 + (h % 112),
    dirtyRate: 10 + ((h >>> 8) % 60),
    bootMs: 500 + ((h >>> 16) % 700),
  };
}

/** What a pull creates: image config, layers and template profile, all derived from the reference. */
export function imageFromCatalogue(repo: string, tag: string): {
  config: ImageConfig;
  profile: TemplateProfile;
  idHex: string;
  digestHex: string;
  size: number;
  created: number;
} {
  const e = entryFor(repo);
  const layers: LayerRecord[] = e.layers.map((size, i) => ({
    digest: `sha256:${digestOf(`${repo}:${tag}/layer/${i}`)}`,
    size: Math.round(size),
  }));
  const size = layers.reduce((s, l) => s + l.size, 0);
  const ports = e.ports ? Object.fromEntries(e.ports.map((p) => [p, {}])) : null;
  const volumes = e.volumes ? Object.fromEntries(e.volumes.map((v) => [v, {}])) : null;
  const config: ImageConfig = {
    Cmd: e.cmd,
    Entrypoint: e.entrypoint ?? null,
    Env: e.env ?? [PATH],
    WorkingDir: e.workdir ?? "",
    User: "",
    ExposedPorts: ports,
    Labels: null,
    ...(e.stopSignal ? { StopSignal: e.stopSignal } : {}),
    Volumes: volumes,
  };
  const residentPages = e.residentMiB * 256;
  const profile: TemplateProfile = {
    memoryMiB: e.residentMiB,
    // The guest kernel (~24 MiB touched) plus the image's files read at boot (a tenth of the layers).
    bootPages: 6144 + Math.min(Math.round(size / 10 / 4096), 65_536),
    workingSetPages: Math.max(64, Math.round(residentPages / 2)),
    dirtyPagesPerSecond: e.dirtyRate,
    duplicateShare: 0.25,
    bootMs: e.bootMs,
    layers,
  };
  const h = hash32(`${repo}:${tag}`);
  // Images "were built" in 2024–2025, deterministically per reference.
  const created = 1_704_067_200 + (h % 63_072_000);
  return {
    config,
    profile,
    idHex: digestOf(`${repo}:${tag}/config`),
    digestHex: digestOf(`${repo}:${tag}/manifest`),
    size,
    created,
  };
}
