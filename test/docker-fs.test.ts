// Container filesystems through the real docker CLI against `vicsim serve`: volumes, the shell,
// docker cp both ways, export, diff, sizes, bind mounts, and a SIGKILL of the server.
import { spawn } from "node:child_process";
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dockerCliServer } from "./fixtures/docker-cli-harness.js";

const { scratch, serve, docker, d, ok } = dockerCliServer("docker-fs", ["busybox"]);

describe("files in containers, through the docker CLI", () => {
  test("the issue's examples: a file in a volume, and a pipe", async () => {
    expect(await d(["run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo x > /data/f && cat /data/f"])).toMatchObject({ code: 0, stdout: "x\n", stderr: "" });
    expect(await d(["run", "--rm", "busybox", "sh", "-c", "echo a | tr a b"])).toMatchObject({ code: 0, stdout: "b\n" });
    expect(await d(["run", "--rm", "busybox", "sh", "-c", "cat /nope; echo status $?"])).toMatchObject({ stdout: "status 1\n", stderr: "cat: can't open '/nope': No such file or directory\n" });
  });

  test("docker run -i busybox sh runs the commands piped into it, the shell's lines among them", async () => {
    const r = await d(["run", "-i", "--rm", "busybox", "sh"], "echo a | tr a b\nx=5; echo $x\nls /etc | head -n 2\nexit 3\n");
    expect(r).toMatchObject({ code: 3, stdout: "b\n5\ngroup\nhostname\n", stderr: "" });
  });

  test("a named volume is shared between two containers, and its size shows in docker system df -v", async () => {
    await ok(["run", "-d", "--name", "writer", "-v", "shared:/srv", "busybox", "sh", "-c", "echo from-writer > /srv/note; sleep 1000"]);
    let seen = "";
    for (let i = 0; i < 50 && seen !== "from-writer\n"; i++) seen = (await d(["run", "--rm", "-v", "shared:/in", "busybox", "cat", "/in/note"])).stdout;
    expect(seen).toBe("from-writer\n");
    await ok(["exec", "writer", "sh", "-c", "echo more >> /srv/note"]);
    expect(await ok(["run", "--rm", "-v", "shared:/in:ro", "busybox", "cat", "/in/note"])).toBe("from-writer\nmore\n");
    expect(await d(["run", "--rm", "-v", "shared:/in:ro", "busybox", "sh", "-c", "echo x > /in/note"])).toMatchObject({ code: 1, stderr: "sh: can't create /in/note: Read-only file system\n" });
    expect(await ok(["system", "df", "-v", "--format", "{{range .Volumes}}{{.Name}} {{.Size}}\n{{end}}"])).toContain("shared 17B\n");
    await ok(["rm", "-f", "writer"]);
  });

  test("docker cp round-trips a folder with its modes and symlinks", async () => {
    const src = join(scratch, "src");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, "a.txt"), "one\n");
    chmodSync(join(src, "a.txt"), 0o640);
    writeFileSync(join(src, "sub", "run.sh"), "#!/bin/sh\necho run\n");
    chmodSync(join(src, "sub", "run.sh"), 0o755);
    symlinkSync("a.txt", join(src, "link"));
    await ok(["run", "-d", "--name", "box", "busybox", "sleep", "1000"]);
    expect(await d(["cp", src, "box:/tmp/"])).toMatchObject({ code: 0 });
    expect(await ok(["exec", "box", "ls", "-l", "/tmp/src"])).toMatch(/^total \d+\n-rw-r----- +1 root +root +4 .+ a\.txt\nlrwxrwxrwx +1 root +root +5 .+ link -> a\.txt\ndrwxr-xr-x +2 root +root +4096 .+ sub\n$/);
    expect(await ok(["exec", "box", "sh", "/tmp/src/sub/run.sh"])).toBe("run\n");
    const back = join(scratch, "back");
    expect(await d(["cp", "box:/tmp/src", back])).toMatchObject({ code: 0 });
    expect(readFileSync(join(back, "a.txt"), "utf8")).toBe("one\n");
    expect(lstatSync(join(back, "a.txt")).mode & 0o777).toBe(0o640);
    expect(lstatSync(join(back, "sub", "run.sh")).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(back, "link"))).toBe("a.txt");
    expect(await d(["cp", "box:/nope", back])).toMatchObject({ code: 1, stderr: "Error response from daemon: Could not find the file /nope in container box\n" });
    expect(await d(["cp", "-", "box:/tmp"], "hello\n")).toMatchObject({ code: 1, stderr: "Error response from daemon: Error processing tar file(exit status 1): unexpected EOF\n" });
    // A directory does not replace a file (noOverwriteDirNonDir, as the CLI asks).
    mkdirSync(join(scratch, "clash"));
    await ok(["exec", "box", "touch", "/tmp/clash"]);
    expect(await d(["cp", join(scratch, "clash"), "box:/tmp/"])).toMatchObject({
      code: 1, stderr: 'Error response from daemon: Error processing tar file(exit status 1): cannot overwrite non-directory "/tmp/clash" with directory "clash/"\n',
    });
    await ok(["rm", "-f", "box"]);
  });

  test("docker diff, docker ps -s, docker export", async () => {
    await ok(["run", "--name", "changed", "busybox", "sh", "-c", "mkdir -p /tmp/d && echo hi > /tmp/d/f && ln -s f /tmp/d/link && rm /etc/group"]);
    expect(await ok(["diff", "changed"])).toBe("C /etc\nD /etc/group\nC /tmp\nA /tmp/d\nA /tmp/d/f\nA /tmp/d/link\n");
    expect(await ok(["ps", "-a", "-s", "--filter", "name=changed", "--format", "{{.Size}}"])).toBe("4B (virtual 2.2MB)\n");
    const tar = await d(["export", "changed"]);
    expect(tar.code).toBe(0);
    const list = await new Promise<string>((resolve) => {
      const t = spawn("tar", ["-t"], { stdio: ["pipe", "pipe", "inherit"] });
      let s = "";
      t.stdout.on("data", (x) => (s += x));
      t.on("close", () => resolve(s));
      t.stdin.end(tar.bytes);
    });
    expect(list.split("\n")).toEqual(expect.arrayContaining(["bin/busybox", "etc/passwd", "tmp/d/", "tmp/d/f", "tmp/d/link"]));
    expect(list.split("\n")).not.toContain("etc/group");
    await ok(["rm", "changed"]);
  });

  test("--user: the shell runs as that user, with busybox's permission errors", async () => {
    expect(await ok(["run", "--rm", "--user", "nobody", "busybox", "sh", "-c", "whoami; echo $HOME"])).toBe("nobody\n/home\n");
    expect(await d(["run", "--rm", "--user", "1000:1000", "busybox", "sh", "-c", "touch /tmp/mine && echo ok; touch /etc/theirs"])).toMatchObject({ code: 1, stdout: "ok\n", stderr: "touch: /etc/theirs: Permission denied\n" });
  });

  test("a bind mount maps a host folder or file; a missing one is created, as dockerd does", async () => {
    const host = join(scratch, "bind");
    mkdirSync(host);
    writeFileSync(join(host, "in.txt"), "from the host\n");
    expect(await ok(["run", "--rm", "-v", `${host}:/h`, "busybox", "sh", "-c", "cat /h/in.txt && echo back > /h/out.txt"])).toBe("from the host\n");
    expect(readFileSync(join(host, "out.txt"), "utf8")).toBe("back\n");
    // A file over a file of the image, read-only: nginx's configuration from the host.
    writeFileSync(join(host, "nginx.conf"), "events {}\n");
    expect(await ok(["run", "--rm", "-v", `${join(host, "nginx.conf")}:/etc/nginx/nginx.conf:ro`, "nginx", "cat", "/etc/nginx/nginx.conf"])).toBe("events {}\n");
    expect(await d(["run", "--rm", "-v", `${join(host, "nginx.conf")}:/etc/nginx/nginx.conf:ro`, "nginx", "sh", "-c", "echo x >> /etc/nginx/nginx.conf"])).toMatchObject({ code: 1, stderr: "sh: can't create /etc/nginx/nginx.conf: Read-only file system\n" });
    const fresh = join(scratch, "made", "here");
    expect(await ok(["run", "--rm", "-v", `${fresh}:/m`, "busybox", "sh", "-c", "echo made > /m/f"])).toBe("");
    expect(readFileSync(join(fresh, "f"), "utf8")).toBe("made\n");
  });
});

describe("the network between containers", () => {
  test("busybox's wget reaches nginx's pages by name on a user-defined network, not on the default bridge", async () => {
    await ok(["pull", "-q", "nginx"]);
    await ok(["network", "create", "webnet"]);
    await ok(["run", "-d", "--name", "web", "--network", "webnet", "nginx"]);
    await ok(["exec", "web", "sh", "-c", "echo hello > /usr/share/nginx/html/hello.txt"]);
    const page = await d(["run", "--rm", "--network", "webnet", "busybox", "wget", "-q", "-O", "-", "http://web/"]);
    expect(page).toMatchObject({ code: 0, stderr: "" });
    expect(page.stdout).toContain("<title>Welcome to nginx!</title>");
    expect(await ok(["run", "--rm", "--network", "webnet", "busybox", "sh", "-c", "wget -q -O - http://web/hello.txt | tr a-z A-Z"])).toBe("HELLO\n");
    expect(await d(["run", "--rm", "--network", "webnet", "busybox", "wget", "-q", "-O", "-", "http://nohost/"])).toMatchObject({ code: 1, stderr: "wget: bad address 'nohost'\n" });
    // The default bridge has no embedded DNS: names do not resolve there.
    expect(await d(["run", "--rm", "busybox", "wget", "-q", "-O", "-", "http://web/"])).toMatchObject({ code: 1, stderr: "wget: bad address 'web'\n" });
    // The image's service started from a script serves too, and stops gracefully as nginx does.
    await ok(["run", "-d", "--name", "web2", "--network", "webnet", "nginx", "sh", "-c", "echo starting; exec nginx -g 'daemon off;'"]);
    let page2 = "";
    for (let i = 0; i < 50 && !page2.includes("Welcome to nginx!"); i++) page2 = (await d(["run", "--rm", "--network", "webnet", "busybox", "wget", "-q", "-O", "-", "http://web2/"])).stdout;
    expect(page2).toContain("<title>Welcome to nginx!</title>");
    await ok(["stop", "web2"]);
    expect(await ok(["inspect", "-f", "{{.State.ExitCode}}", "web2"])).toBe("0\n");
    expect(await ok(["logs", "web2"])).toMatch(/^starting\n/);
    await ok(["rm", "-f", "web", "web2"]);
    await ok(["network", "rm", "webnet"]);
  });

  test("busybox's ping: a peer by name on a user-defined network, an --add-host name, and nothing on --network none", async () => {
    await ok(["network", "create", "pingnet"]);
    await ok(["run", "-d", "--name", "peer", "--network", "pingnet", "busybox", "top"]);
    const ip = (await ok(["inspect", "-f", "{{.NetworkSettings.Networks.pingnet.IPAddress}}", "peer"])).trim();
    const byName = await d(["run", "--rm", "--network", "pingnet", "busybox", "ping", "-c", "2", "peer"]);
    expect(byName).toMatchObject({ code: 0, stderr: "" });
    expect(byName.stdout).toMatch(new RegExp(`^PING peer \\(${ip.replaceAll(".", "\\.")}\\): 56 data bytes\n(64 bytes from ${ip.replaceAll(".", "\\.")}: seq=[01] ttl=64 time=\\d+\\.\\d{3} ms\n){2}\n--- peer ping statistics ---\n2 packets transmitted, 2 packets received, 0% packet loss\nround-trip min/avg/max = `));
    // --add-host lines come after the loopback names and before the container's own address, as dockerd writes them.
    const hosts = await ok(["run", "--rm", "--add-host", "db.test:127.0.0.1", "--add-host", "gw=host-gateway", "busybox", "sh", "-c", "cat /etc/hosts; ping -c1 db.test"]);
    expect(hosts).toMatch(/ff02::2\tip6-allrouters\n127\.0\.0\.1\tdb\.test\n172\.17\.0\.1\tgw\n172\.17\.0\.\d+\t[0-9a-f]{12}\nPING db\.test \(127\.0\.0\.1\)/);
    expect(await d(["run", "--rm", "--network", "none", "busybox", "ping", "-c1", ip])).toMatchObject({ code: 1, stdout: `PING ${ip} (${ip}): 56 data bytes\n`, stderr: "ping: sendto: Network is unreachable\n" });
    expect(await d(["run", "--rm", "busybox", "ping", "-c1", "peer"])).toMatchObject({ code: 1, stdout: "", stderr: "ping: bad address 'peer'\n" });
    await ok(["rm", "-f", "peer"]);
    await ok(["network", "rm", "pingnet"]);
  });
});

describe("a state folder", () => {
  test("a volume's files and a container's layer survive a SIGKILL of the server", async () => {
    const state = join(scratch, "state");
    const first = await serve(["--state", state]);
    const run = (args: string[]) => docker(first.dockerHost, args);
    await run(["pull", "-q", "busybox"]);
    expect(await run(["run", "--name", "keeper", "-v", "kept:/data", "busybox", "sh", "-c", "echo durable > /data/f; echo mine > /root/note"])).toMatchObject({ code: 0 });
    first.child.kill("SIGKILL");
    await first.exited;
    const second = await serve(["--state", state]);
    expect(await docker(second.dockerHost, ["run", "--rm", "-v", "kept:/in", "busybox", "cat", "/in/f"])).toMatchObject({ code: 0, stdout: "durable\n" });
    // The volume's mount point was made in the container's layer, as dockerd makes it.
    expect(await docker(second.dockerHost, ["diff", "keeper"])).toMatchObject({ stdout: "A /data\nC /root\nA /root/note\n" });
    const back = await docker(second.dockerHost, ["cp", "keeper:/root/note", "-"]);
    expect(back.code).toBe(0);
    expect(back.bytes.toString("latin1")).toContain("mine\n");
    second.child.kill("SIGKILL");
  }, 60_000);
});
