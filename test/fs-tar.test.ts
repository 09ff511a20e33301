/** Tar in and out of container filesystems: docker cp, export, the archive endpoint, layer bytes. */
import { execFileSync } from "node:child_process";
import * as nodeFs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { unpackTar } from "modern-tar";
import { describe, expect, it } from "vitest";
import {
  cloneLayer, ContainerFs, deserializeLayer, exportContainer, exportPath, ImageFilesystems, importTar, pathStat,
  serializeLayer, text, Volume,
} from "../bindings/fs/index.js";

const images = new ImageFilesystems();
const T = Date.UTC(2025, 0, 2, 3, 4, 5);
const fresh = (repo = "busybox") => new ContainerFs({ lowers: images.layersOf(repo), now: () => T });

/** A folder with modes, an owner, a nested directory and two symlinks. */
function sample(fs: ContainerFs): void {
  fs.mkdir("/app/bin", { parents: true });
  fs.writeFile("/app/run.sh", "#!/bin/sh\necho hi\n", { mode: 0o755 });
  fs.writeFile("/app/secret", "s3cret", { mode: 0o600 });
  fs.chown("/app/secret", 1000, 1000);
  fs.symlink("../run.sh", "/app/bin/run");
  fs.symlink("/etc/passwd", "/app/passwd");
}

const listing = (fs: ContainerFs, root: string): string[] => {
  const out: string[] = [];
  const walk = (p: string): void => {
    for (const n of fs.readdir(p)) {
      const c = `${p}/${n}`;
      const st = fs.lstat(c);
      out.push(`${c.slice(root.length)} ${st.kind} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.target ?? st.size} ${Math.floor(st.mtime / 1000)}`);
      if (st.kind === "dir") walk(c);
    }
  };
  walk(root);
  return out;
};

describe("docker cp both ways", () => {
  it("round-trips a folder with modes, owners and symlinks", async () => {
    const a = fresh();
    sample(a);
    const tar = await exportPath(a, "/app");
    const b = fresh("alpine");
    b.mkdir("/restored");
    await importTar(b, "/restored", tar);
    expect(listing(b, "/restored/app")).toEqual(listing(a, "/app"));
    expect(text(b.readFile("/restored/app/bin/run"))).toBe("#!/bin/sh\necho hi\n");
  });

  it("names entries after the path's last component, as docker cp does", async () => {
    const fs = fresh("nginx");
    const names = (await unpackTar(await exportPath(fs, "/etc/nginx"))).map((e) => e.header.name);
    expect(names).toEqual(["nginx/", "nginx/conf.d/", "nginx/conf.d/default.conf", "nginx/mime.types", "nginx/nginx.conf"]);
    const single = await unpackTar(await exportPath(fs, "/usr/share/nginx/html/index.html"));
    expect(single.map((e) => [e.header.name, e.header.size, e.header.mode])).toEqual([["index.html", 615, 0o644]]);
  });

  it("is read by GNU tar, and reads what GNU tar writes", async () => {
    const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), "vicsim-tar-"));
    try {
      const a = fresh();
      sample(a);
      nodeFs.writeFileSync(path.join(dir, "a.tar"), await exportPath(a, "/app"));
      const tv = execFileSync("tar", ["-tvf", path.join(dir, "a.tar"), "--numeric-owner"], { encoding: "utf8" });
      expect(tv).toMatch(/^-rwxr-xr-x 0\/0 +18 2025-01-02 03:04 app\/run.sh$/m);
      expect(tv).toMatch(/^-rw------- 1000\/1000 +6 .* app\/secret$/m);
      expect(tv).toMatch(/^lrwxrwxrwx 0\/0 +0 .* app\/bin\/run -> \.\.\/run\.sh$/m);
      nodeFs.mkdirSync(path.join(dir, "src/d"), { recursive: true });
      nodeFs.writeFileSync(path.join(dir, "src/d/x"), "x");
      nodeFs.chmodSync(path.join(dir, "src/d/x"), 0o751);
      nodeFs.symlinkSync("x", path.join(dir, "src/d/l"));
      execFileSync("tar", ["-cf", path.join(dir, "b.tar"), "-C", path.join(dir, "src"), "d"]);
      const b = fresh();
      await importTar(b, "/tmp", nodeFs.readFileSync(path.join(dir, "b.tar")));
      expect(b.stat("/tmp/d/x").mode).toBe(0o751);
      expect(b.readlink("/tmp/d/l")).toBe("x");
      expect(text(b.readFile("/tmp/d/l"))).toBe("x");
    } finally {
      nodeFs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to extract into a file, changing nothing", async () => {
    const fs = fresh();
    await expect(importTar(fs, "/etc/passwd", new Uint8Array(1024))).rejects.toThrow("Not a directory");
    expect(fs.diff()).toEqual([]);
  });

  it("gives the archive endpoint's path stat (Go FileMode bits)", () => {
    const fs = fresh("nginx");
    expect(pathStat(fs, "/etc/nginx")).toMatchObject({ name: "nginx", mode: (0x80000000 | 0o755) >>> 0, linkTarget: "" });
    expect(pathStat(fs, "/var/log/nginx/access.log")).toMatchObject({ mode: (0x08000000 | 0o777) >>> 0, linkTarget: "/dev/stdout" });
  });
});

describe("docker export and layers as bytes", () => {
  it("exports the merged tree without volumes", async () => {
    const fs = fresh();
    fs.mount("/data", new Volume("v").backend);
    fs.writeFile("/data/in-volume", "v");
    fs.writeFile("/root/in-layer", "l");
    const names = (await unpackTar(await exportContainer(fs))).map((e) => e.header.name);
    expect(names).toContain("root/in-layer");
    expect(names).toContain("data/");
    expect(names).not.toContain("data/in-volume");
    expect(names).toContain("etc/passwd");
  });

  it("serialises a container layer with whiteouts and opaque directories, and restores it", async () => {
    const fs = fresh("nginx");
    sample(fs);
    fs.unlink("/etc/nginx/mime.types");
    fs.removeAll("/usr/share/nginx/html");
    fs.mkdir("/usr/share/nginx/html");
    fs.writeFile("/usr/share/nginx/html/index.html", "custom");
    const bytes = await serializeLayer(fs.upper);
    const names = (await unpackTar(bytes)).map((e) => e.header.name);
    expect(names).toContain("etc/nginx/.wh.mime.types");
    expect(names).toContain("usr/share/nginx/html/.wh..wh..opq");
    const restored = new ContainerFs({ lowers: images.layersOf("nginx"), upper: await deserializeLayer(bytes) });
    expect(restored.diff()).toEqual(fs.diff());
    expect(listing(restored, "/")).toEqual(listing(fs, "/"));
    expect(restored.readdir("/usr/share/nginx/html")).toEqual(["index.html"]);
  });

  it("persists a volume's tree as bytes", async () => {
    const v = new Volume("db");
    const fs = fresh();
    fs.mount("/db", v.backend);
    sample(fs);
    fs.writeFile("/db/rows", "1\n2\n");
    const again = new Volume("db", await deserializeLayer(await serializeLayer(v.layer)));
    expect(text(again.backend.read(["rows"]))).toBe("1\n2\n");
    expect(again.size()).toBe(v.size());
  });

  it("commits a container's layer as a new image layer (docker commit)", () => {
    const fs = fresh("alpine");
    fs.writeFile("/etc/motd", "built\n");
    fs.unlink("/etc/shadow");
    const image = [cloneLayer(fs.upper), ...fs.lowers];
    fs.writeFile("/etc/motd", "changed later\n");
    const child = new ContainerFs({ lowers: image });
    expect(text(child.readFile("/etc/motd"))).toBe("built\n");
    expect(child.exists("/etc/shadow")).toBe(false);
    expect(child.diff()).toEqual([]);
  });
});
