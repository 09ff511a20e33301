/**
 * Image root filesystems: for each image of the catalogue, its layers as the official image builds
 * them (a base distribution, then the image's own files: config, content, entrypoint, users).
 * Layers are built once per `ImageFilesystems` and shared read-only by every container of the image.
 */
import { alpineRelease, baseLayer, type Distro, program } from "./distro.js";
import { Layer, LayerBuilder } from "./layer.js";
import { text, type FileNode } from "./node.js";

/** Image build time for every catalogue layer: 2024-12-01T00:00:00Z (deterministic mtimes). */
export const IMAGE_MTIME = Date.UTC(2024, 11, 1);

const NGINX_CONF = `
user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /var/run/nginx.pid;


events {
    worker_connections  1024;
}


http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    #tcp_nopush     on;

    keepalive_timeout  65;

    #gzip  on;

    include /etc/nginx/conf.d/*.conf;
}
`;
const NGINX_DEFAULT = `server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
`;
/** nginx's welcome page, byte for byte what the official image serves (615 bytes). */
export const NGINX_INDEX = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;
const NGINX_50X = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
</head>
<body>
<h1>An error occurred.</h1>
</body>
</html>
`;
const ENTRYPOINT = (body: string): string => `#!/bin/sh\nset -e\n${body}\nexec "$@"\n`;

interface ImageSpec {
  distro: Distro;
  /** Lines appended to the base /etc/passwd and /etc/group. */
  users?: string[];
  groups?: string[];
  /** The image's own layer. */
  build?: (b: LayerBuilder) => void;
}

const SPECS: Record<string, ImageSpec> = {
  busybox: { distro: "busybox" },
  alpine: { distro: "alpine" },
  debian: { distro: "debian" },
  ubuntu: { distro: "ubuntu", users: ["ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash"], groups: ["ubuntu:x:1000:"] },
  "hello-world": {
    distro: "scratch",
    build: (b) => b.file("hello", program("hello"), { mode: 0o755 }),
  },
  nginx: {
    distro: "debian",
    users: ["nginx:x:101:101:nginx user:/nonexistent:/bin/false"],
    groups: ["nginx:x:101:"],
    build: (b) => {
      b.file("etc/nginx/nginx.conf", NGINX_CONF.slice(1)).file("etc/nginx/conf.d/default.conf", NGINX_DEFAULT);
      b.file("etc/nginx/mime.types", "types {\n    text/html                                        html htm shtml;\n    text/css                                         css;\n    application/javascript                           js;\n    image/png                                        png;\n}\n");
      b.file("usr/share/nginx/html/index.html", NGINX_INDEX).file("usr/share/nginx/html/50x.html", NGINX_50X);
      b.file("usr/sbin/nginx", program("nginx"), { mode: 0o755 });
      b.file("docker-entrypoint.sh", ENTRYPOINT('echo "/docker-entrypoint.sh: Configuration complete; ready for start up"'), { mode: 0o775 });
      b.dir("docker-entrypoint.d").dir("var/cache/nginx").dir("var/log/nginx");
      b.symlink("var/log/nginx/access.log", "/dev/stdout").symlink("var/log/nginx/error.log", "/dev/stderr");
    },
  },
  httpd: {
    distro: "debian",
    build: (b) => {
      b.file("usr/local/apache2/conf/httpd.conf", "ServerRoot \"/usr/local/apache2\"\nListen 80\nDocumentRoot \"/usr/local/apache2/htdocs\"\n");
      b.file("usr/local/apache2/htdocs/index.html", "<html><body><h1>It works!</h1></body></html>\n");
      b.file("usr/local/apache2/bin/httpd", program("httpd"), { mode: 0o755 });
      b.file("usr/local/bin/httpd-foreground", "#!/bin/sh\nset -e\nrm -f /usr/local/apache2/logs/httpd.pid\nexec httpd -DFOREGROUND \"$@\"\n", { mode: 0o755 });
      b.dir("usr/local/apache2/logs");
    },
  },
  redis: {
    distro: "debian",
    users: ["redis:x:999:999::/home/redis:/bin/sh"],
    groups: ["redis:x:999:"],
    build: (b) => {
      for (const p of ["redis-server", "redis-cli", "redis-benchmark", "redis-check-aof", "redis-check-rdb"]) b.file(`usr/local/bin/${p}`, program(p), { mode: 0o755 });
      b.file("usr/local/bin/docker-entrypoint.sh", ENTRYPOINT("# allow the container to be started with `--user`"), { mode: 0o755 });
      b.dir("data", { uid: 999, gid: 999 });
    },
  },
  postgres: {
    distro: "debian",
    users: ["postgres:x:999:999::/var/lib/postgresql:/bin/bash"],
    groups: ["postgres:x:999:"],
    build: (b) => {
      b.file("usr/lib/postgresql/17/bin/postgres", program("postgres"), { mode: 0o755 });
      b.symlink("usr/local/bin/postgres", "/usr/lib/postgresql/17/bin/postgres");
      b.file("usr/local/bin/docker-entrypoint.sh", ENTRYPOINT(""), { mode: 0o755 });
      b.dir("var/lib/postgresql/data", { uid: 999, gid: 999, mode: 0o777 }).dir("var/run/postgresql", { uid: 999, gid: 999, mode: 0o3777 });
    },
  },
  mysql: {
    distro: "debian",
    users: ["mysql:x:999:999::/var/lib/mysql:/bin/bash"],
    groups: ["mysql:x:999:"],
    build: (b) => {
      b.file("usr/sbin/mysqld", program("mysqld"), { mode: 0o755 });
      b.file("usr/local/bin/docker-entrypoint.sh", ENTRYPOINT(""), { mode: 0o755 });
      b.file("etc/my.cnf", "[mysqld]\nskip-host-cache\nskip-name-resolve\ndatadir=/var/lib/mysql\nsocket=/var/run/mysqld/mysqld.sock\n");
      b.dir("var/lib/mysql", { uid: 999, gid: 999 });
    },
  },
  memcached: {
    distro: "debian",
    users: ["memcache:x:11211:11211::/home/memcache:/bin/sh"],
    build: (b) => {
      b.file("usr/local/bin/memcached", program("memcached"), { mode: 0o755 });
      b.file("usr/local/bin/docker-entrypoint.sh", ENTRYPOINT(""), { mode: 0o755 });
    },
  },
  python: {
    distro: "debian",
    build: (b) => {
      b.file("usr/local/bin/python3.13", program("python3.13"), { mode: 0o755 });
      b.symlink("usr/local/bin/python3", "python3.13").symlink("usr/local/bin/python", "python3");
      b.file("usr/local/bin/pip3", "#!/usr/local/bin/python3.13\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom pip._internal.cli.main import main\n", { mode: 0o755 });
      b.symlink("usr/local/bin/pip", "pip3");
      b.file("usr/local/lib/python3.13/os.py", "r\"\"\"OS routines for NT or Posix depending on what system we're on.\"\"\"\n");
      b.dir("usr/local/lib/python3.13/site-packages");
    },
  },
  node: {
    distro: "debian",
    users: ["node:x:1000:1000::/home/node:/bin/bash"],
    groups: ["node:x:1000:"],
    build: (b) => {
      b.file("usr/local/bin/node", program("node"), { mode: 0o755 });
      b.symlink("usr/local/bin/npm", "../lib/node_modules/npm/bin/npm-cli.js").symlink("usr/local/bin/npx", "../lib/node_modules/npm/bin/npx-cli.js");
      b.file("usr/local/lib/node_modules/npm/bin/npm-cli.js", "#!/usr/bin/env node\nrequire('../lib/cli.js')(process)\n", { mode: 0o755 });
      b.file("usr/local/lib/node_modules/npm/bin/npx-cli.js", "#!/usr/bin/env node\n", { mode: 0o755 });
      b.file("usr/local/bin/docker-entrypoint.sh", "#!/bin/sh\nset -e\n\nif [ \"${1#-}\" != \"${1}\" ] || [ -z \"$(command -v \"${1}\")\" ] || { [ -f \"${1}\" ] && ! [ -x \"${1}\" ]; }; then\n  set -- node \"$@\"\nfi\n\nexec \"$@\"\n", { mode: 0o755 });
      b.dir("home/node", { uid: 1000, gid: 1000 });
    },
  },
  ruby: {
    distro: "debian",
    build: (b) => {
      for (const p of ["ruby", "gem", "irb", "bundle"]) b.file(`usr/local/bin/${p}`, program(p), { mode: 0o755 });
      b.dir("usr/local/bundle", { mode: 0o1777 });
    },
  },
  golang: {
    distro: "debian",
    build: (b) => {
      b.file("usr/local/go/bin/go", program("go"), { mode: 0o755 }).file("usr/local/go/bin/gofmt", program("gofmt"), { mode: 0o755 });
      b.file("usr/local/go/VERSION", "go1.23.4\ntime 2024-12-02T00:00:00Z\n");
      b.dir("go/bin", { mode: 0o1777 }).dir("go/src", { mode: 0o1777 });
    },
  },
  traefik: {
    distro: "alpine",
    build: (b) => {
      b.file("usr/local/bin/traefik", program("traefik"), { mode: 0o755 });
      b.file("entrypoint.sh", ENTRYPOINT(""), { mode: 0o755 });
    },
  },
};

/** The repositories with a root filesystem of their own; any other name gets Alpine's. */
export const IMAGES_WITH_ROOTFS = Object.keys(SPECS);

/** Images built on buildpack-deps carry curl and wget (python, node, ruby, golang). */
const BUILDPACK = new Set(["python", "node", "ruby", "golang"]);

/**
 * The catalogue root filesystem a pulled `repo:tag` has: its repository's, or `alpine:3.10` for an
 * Alpine release whose base install differs from the current one (see alpineRelease).
 */
export function catalogueBase(repo: string, tag: string): string {
  const release = repo.split("/").pop() === "alpine" ? alpineRelease(tag) : undefined;
  return release === undefined ? repo : `${repo}:${release}`;
}

/**
 * Whose root filesystem a catalogue base has: `nginx` for `myorg/nginx`, `alpine:3.10` for itself,
 * Alpine's for any other name.
 */
export function rootfsOf(repo: string): string {
  const [name, release] = repo.split("/").pop()!.split(":");
  const known = Object.hasOwn(SPECS, name) ? name : "alpine";
  return release === undefined ? known : `${known}:${release}`;
}

/** Builds an image's layers, top first (image layer, then base distribution): the same for every repository of one `rootfsOf`. */
export function buildImageLayers(repo: string): Layer[] {
  const [name, release] = rootfsOf(repo).split(":");
  const spec = SPECS[name];
  const base = baseLayer(spec.distro, IMAGE_MTIME, release);
  if (!spec.build && !spec.users && !spec.groups) return [base.layer];
  const own = new LayerBuilder(IMAGE_MTIME);
  const appendTo = (path: string, lines: string[] | undefined): void => {
    if (!lines) return;
    const old = base.layer.get(path.split("/")) as FileNode | null;
    own.file(path, (old ? text(old.data) : "") + lines.join("\n") + "\n");
  };
  appendTo("etc/passwd", spec.users);
  appendTo("etc/group", spec.groups);
  spec.build?.(own);
  if (BUILDPACK.has(name)) for (const p of ["curl", "wget", "git"]) own.file(`usr/bin/${p}`, program(p), { mode: 0o755 });
  return [own.layer, base.layer];
}

/** Builds each image's layers once and hands the same (read-only) layers to all its containers. */
export class ImageFilesystems {
  private readonly cache = new Map<string, Layer[]>();

  /** The layers of `repo` (a catalogueBase: `library/nginx`, `alpine:3.10` or any other name: Alpine-based), top first. */
  layersOf(repo: string): Layer[] {
    let l = this.cache.get(repo);
    if (!l) { l = buildImageLayers(repo); this.cache.set(repo, l); }
    return l;
  }

  /** Registers layers for a reference (a committed, built or loaded image). */
  define(repo: string, layers: Layer[]): void {
    this.cache.set(repo, layers);
  }
}

/**
 * The per-container files Docker writes in its init layer (hostname, hosts, resolv.conf): between
 * the image and the container's layer, so `docker diff` does not list them.
 */
export function initLayer(opts: { hostname: string; hosts: string; resolvConf: string; now: number }): Layer {
  const b = new LayerBuilder(opts.now);
  b.file("etc/hostname", opts.hostname + "\n").file("etc/hosts", opts.hosts).file("etc/resolv.conf", opts.resolvConf);
  return b.layer;
}
