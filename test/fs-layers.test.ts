/** The container filesystem: image root filesystems, copy-on-write layers, volumes, bind mounts. */
import * as nodeFs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ContainerFs, FsError, ImageFilesystems, initLayer, Layer, NGINX_INDEX, noHostFolders, text, Volume,
} from "../bindings/fs/index.js";
import { nodeHostFolders } from "../bindings/fs/hostdir.js";

const images = new ImageFilesystems();
const container = (repo: string, t = 1_700_000_000_000) => new ContainerFs({ lowers: images.layersOf(repo), now: () => t });
const read = (fs: ContainerFs, p: string) => text(fs.readFile(p));
const code = (fn: () => unknown): string => {
  try { fn(); return "ok"; } catch (e) { return e instanceof FsError ? e.code : String(e); }
};

describe("image root filesystems", () => {
  const rows: [string, string, string | RegExp][] = [
    ["alpine", "/etc/os-release", /^NAME="Alpine Linux"\nID=alpine\n/],
    ["debian", "/etc/os-release", /PRETTY_NAME="Debian GNU\/Linux 12 \(bookworm\)"/], // a symlink to ../usr/lib/os-release
    ["ubuntu", "/etc/os-release", /VERSION_CODENAME=noble/],
    ["busybox", "/etc/passwd", /^root:x:0:0:root:\/root:\/bin\/sh\n/],
    ["nginx", "/usr/share/nginx/html/index.html", NGINX_INDEX],
    ["nginx", "/etc/nginx/nginx.conf", /^user  nginx;\n/],
    ["nginx", "/etc/passwd", /\nnginx:x:101:101:nginx user:\/nonexistent:\/bin\/false\n$/],
    ["nginx", "/etc/passwd", /^root:x:0:0:root:\/root:\/bin\/bash\n/], // the base layer's lines stay
    ["redis", "/etc/group", /\nredis:x:999:\n$/],
    ["python", "/etc/debian_version", "12.8\n"],
  ];
  it.each(rows)("%s: %s", (repo, p, want) => {
    const got = read(container(repo), p);
    if (typeof want === "string") expect(got).toBe(want);
    else expect(got).toMatch(want);
  });

  it("has the layout of a distribution, with the right modes", () => {
    for (const repo of ["busybox", "alpine", "debian", "ubuntu", "nginx", "redis", "python", "node", "ruby"]) {
      const fs = container(repo);
      for (const d of ["/bin", "/etc", "/usr", "/tmp", "/var", "/root"]) expect(fs.stat(d).kind, `${repo} ${d}`).toBe("dir");
      expect(fs.stat("/tmp").mode, repo).toBe(0o1777);
      expect(fs.stat("/root").mode, repo).toBe(0o700);
      expect(fs.stat("/bin/sh").mode & 0o111, repo).toBe(0o111);
    }
    expect(container("debian").lstat("/bin")).toMatchObject({ kind: "symlink", target: "usr/bin" }); // merged /usr
    expect(container("alpine").lstat("/bin/ls")).toMatchObject({ kind: "symlink", target: "/bin/busybox" });
    expect(container("redis").stat("/data")).toMatchObject({ uid: 999, gid: 999 });
    expect(container("hello-world").readdir("/")).toEqual(["hello"]);
  });

  it("shares the image's layers between its containers", () => {
    const a = container("nginx"), b = container("nginx");
    expect(a.lowers[0]).toBe(b.lowers[0]);
    a.writeFile("/usr/share/nginx/html/index.html", "mine\n");
    expect(read(a, "/usr/share/nginx/html/index.html")).toBe("mine\n");
    expect(read(b, "/usr/share/nginx/html/index.html")).toBe(NGINX_INDEX); // b still sees the image's page
  });

  it("keeps per-container files in an init layer that docker diff does not list", () => {
    const init = initLayer({ hostname: "abc123", hosts: "127.0.0.1\tlocalhost\n172.17.0.2\tabc123\n", resolvConf: "nameserver 8.8.8.8\n", now: 5 });
    const fs = new ContainerFs({ lowers: [init, ...images.layersOf("busybox")] });
    expect(read(fs, "/etc/hostname")).toBe("abc123\n");
    expect(fs.diff()).toEqual([]);
  });
});

describe("copy-on-write layer and docker diff", () => {
  it("reports added, changed and deleted paths as Docker does", () => {
    const fs = container("busybox");
    fs.writeFile("/tmp/new", "x\n");              // A /tmp/new, C /tmp
    fs.unlink("/etc/shadow");                      // D /etc/shadow, C /etc
    fs.mkdir("/data/sub", { parents: true });      // A /data, A /data/sub
    expect(fs.diff()).toEqual([
      { Path: "/data", Kind: 1 }, { Path: "/data/sub", Kind: 1 },
      { Path: "/etc", Kind: 0 }, { Path: "/etc/shadow", Kind: 2 },
      { Path: "/tmp", Kind: 0 }, { Path: "/tmp/new", Kind: 1 },
    ]);
    expect(fs.exists("/etc/shadow")).toBe(false);
    expect(fs.sizeRw()).toBe(2);
  });

  it("hides a deleted lower directory's entries when it is made again (opaque)", () => {
    const fs = container("nginx");
    fs.removeAll("/etc/nginx");
    fs.mkdir("/etc/nginx");
    expect(fs.readdir("/etc/nginx")).toEqual([]);
    fs.writeFile("/etc/nginx/nginx.conf", "events {}\n");
    expect(fs.readdir("/etc/nginx")).toEqual(["nginx.conf"]);
  });

  it("keeps mode and owner when an existing file is rewritten, and stamps the mtime", () => {
    const fs = container("redis", 42_000);
    fs.writeFile("/usr/local/bin/redis-cli", "new");
    expect(fs.stat("/usr/local/bin/redis-cli")).toMatchObject({ mode: 0o755, size: 3, mtime: 42_000 });
    fs.writeFile("/usr/local/bin/redis-cli", "+", { append: true });
    expect(read(fs, "/usr/local/bin/redis-cli")).toBe("new+");
  });

  it("reports bytes written through the write hook", () => {
    const writes: [string, number][] = [];
    const fs = new ContainerFs({ lowers: images.layersOf("alpine"), onWrite: (p, n) => writes.push([p, n]) });
    fs.writeFile("/tmp/../tmp/a", "hello");
    fs.writeFile("/tmp/a", "!!", { append: true });
    expect(writes).toEqual([["/tmp/a", 5], ["/tmp/a", 2]]);
  });

  const errors: [string, (fs: ContainerFs) => unknown, string][] = [
    ["reading a missing file", (fs) => fs.readFile("/nope"), "ENOENT"],
    ["a file used as a directory", (fs) => fs.readFile("/etc/passwd/x"), "ENOTDIR"],
    ["reading a directory", (fs) => fs.readFile("/etc"), "EISDIR"],
    ["mkdir of an existing path", (fs) => fs.mkdir("/etc"), "EEXIST"],
    ["mkdir without its parent", (fs) => fs.mkdir("/a/b"), "ENOENT"],
    ["rmdir of a non-empty directory", (fs) => fs.rmdir("/etc"), "ENOTEMPTY"],
    ["unlink of a directory", (fs) => fs.unlink("/etc"), "EISDIR"],
    ["a symlink loop", (fs) => { fs.symlink("/loop2", "/loop1"); fs.symlink("/loop1", "/loop2"); return fs.readFile("/loop1"); }, "ELOOP"],
    ["a user writing into /etc", (fs) => fs.writeFile("/etc/x", "", { cred: { uid: 1000, gid: 1000 } }), "EACCES"],
    ["a user reading /etc/shadow", (fs) => fs.readFile("/etc/shadow", { uid: 65534, gid: 65534 }), "EACCES"],
  ];
  it.each(errors)("%s raises %s", (_what, fn, want) => {
    const fs = container("busybox");
    const before = JSON.stringify(fs.diff());
    expect(code(() => fn(fs))).toBe(want);
    if (want !== "ELOOP") expect(JSON.stringify(fs.diff())).toBe(before); // a refused call changes nothing
  });

  it("follows symlinks: relative, absolute, through directories, and .. after a link", () => {
    const fs = container("debian");
    expect(fs.realpath("/bin/ls")).toBe("/usr/bin/ls");
    expect(fs.realpath("/bin/../lib")).toBe("/usr/lib"); // `..` is physical: /bin is /usr/bin, its parent /usr
    expect(fs.realpath("/etc/os-release")).toBe("/usr/lib/os-release"); // relative target
    expect(fs.lstat("/etc/os-release").kind).toBe("symlink");
    expect(() => fs.stat("/bin/ls/")).toThrow("Not a directory");
  });

  it("renames files and directories, keeping modes", () => {
    const fs = container("busybox");
    fs.mkdir("/tmp/d/e", { parents: true });
    fs.writeFile("/tmp/d/e/f", "data", { mode: 0o600 });
    fs.rename("/tmp/d", "/tmp/moved");
    expect(fs.exists("/tmp/d")).toBe(false);
    expect(fs.stat("/tmp/moved/e/f")).toMatchObject({ mode: 0o600, size: 4 });
    expect(code(() => fs.rename("/tmp/moved", "/tmp/moved/e/inside"))).toBe("EINVAL");
  });
});

describe("volumes and bind mounts", () => {
  it("shares a named volume between two containers", () => {
    const vol = new Volume("data");
    const a = container("busybox"), b = container("alpine");
    a.mount("/data", vol.backend);
    b.mount("/srv/data", vol.backend);
    a.writeFile("/data/f", "x\n");
    expect(read(b, "/srv/data/f")).toBe("x\n");
    expect(vol.size()).toBe(2);
    expect(a.sizeRw()).toBe(0); // volume bytes are not the container's layer
    expect(a.diff()).toEqual([{ Path: "/data", Kind: 1 }]); // the mount point Docker creates
    expect(code(() => a.rename("/data/f", "/tmp/f"))).toBe("EXDEV");
    expect(code(() => a.rmdir("/data"))).toBe("EBUSY");
  });

  it("fills a fresh volume with the image's files at the mount point (copyUp)", () => {
    const vol = new Volume("html");
    const fs = container("nginx");
    fs.mount("/usr/share/nginx/html", vol.backend, { copyUp: true });
    expect(vol.backend.list([])).toEqual(["50x.html", "index.html"]);
  });

  it("refuses writes on a read-only mount", () => {
    const fs = container("busybox");
    fs.mount("/ro", new Volume("v").backend, { readOnly: true });
    expect(code(() => fs.writeFile("/ro/x", "1"))).toBe("EROFS");
  });

  it("maps a host folder in Node, and refuses with Docker's error elsewhere", () => {
    const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), "vicsim-bind-"));
    try {
      nodeFs.writeFileSync(path.join(dir, "in"), "from host\n");
      const fs = container("busybox");
      fs.mount("/host", nodeHostFolders(dir));
      expect(read(fs, "/host/in")).toBe("from host\n");
      fs.writeFile("/host/out", "from container\n", { mode: 0o640 });
      expect(nodeFs.readFileSync(path.join(dir, "out"), "utf8")).toBe("from container\n");
      expect(fs.readdir("/host")).toEqual(["in", "out"]);
      expect(() => nodeHostFolders(path.join(dir, "missing"))).toThrow(
        `invalid mount config for type "bind": bind source path does not exist: ${path.join(dir, "missing")}`);
      expect(() => noHostFolders("/srv")).toThrow('invalid mount config for type "bind": bind source path does not exist: /srv');
    } finally {
      nodeFs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a layer object restored from bytes resumes the container's changes", () => {
    const upper = new Layer();
    const fs = new ContainerFs({ lowers: images.layersOf("alpine"), upper });
    fs.writeFile("/root/notes", "keep");
    const again = new ContainerFs({ lowers: images.layersOf("alpine"), upper });
    expect(read(again, "/root/notes")).toBe("keep");
  });
});
