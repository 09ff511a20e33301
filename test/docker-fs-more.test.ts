// More of the container filesystems through the real docker CLI against `vicsim serve`: an interactive
// shell session, runc's refusal of a missing program, busybox wget's and curl's output, redis-cli's PING.
import { describe, expect, test } from "vitest";
import { dockerCliServer } from "./fixtures/docker-cli-harness.js";
import { ulltoa5 } from "../bindings/guests/shell/utilities/system.js";

const { d, ok } = dockerCliServer("docker-fs-more", ["busybox"]);

describe("the emulated guest as a user meets it, through the docker CLI", () => {
  test("docker run -i busybox sh is one shell session: a variable and a cd carry from line to line", async () => {
    const r = await d(["run", "-i", "--rm", "busybox", "sh"], "x=5\necho $x\ncd /etc\npwd\nls | head -n 1\nexit 4\n");
    expect(r).toMatchObject({ code: 4, stdout: "5\n/etc\ngroup\n", stderr: "" });
  });

  test("ls -n shows numeric owners, ls -R walks the tree under headers", async () => {
    expect(await ok(["run", "--rm", "--user", "65534:65534", "busybox", "sh", "-c", "touch /tmp/mine; ls -n /tmp/mine /etc/shadow"])).toMatch(/^-rw------- +1 0 +0 +\d+ .+ \/etc\/shadow\n-rw-r--r-- +1 65534 +65534 +0 .+ \/tmp\/mine\n$/);
    expect(await ok(["run", "--rm", "busybox", "sh", "-c", "mkdir -p /t/a/b && touch /t/a/b/c /t/f && ls -R /t"])).toBe("/t:\na\nf\n\n/t/a:\nb\n\n/t/a/b:\nc\n");
  });

  test("docker commit emits the container's commit event after the new image's tag", async () => {
    await ok(["run", "--name", "tocommit", "busybox", "sh", "-c", "echo hi > /greeting"]);
    const id = (await ok(["commit", "-m", "a greeting", "tocommit", "greeted:v1"])).trim();
    const until = (await ok(["info", "-f", "{{.SystemTime}}"])).trim();
    const events = await ok(["events", "--since", "0", "--until", until, "--filter", "event=commit", "--filter", "event=tag", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.imageRef}} {{.Actor.Attributes.imageID}} {{.Actor.Attributes.comment}} {{.Actor.Attributes.name}}"]);
    expect(events.trim().split("\n").filter((l) => l.includes("greeted"))).toEqual([
      "image tag <no value> <no value> <no value> greeted:v1",
      `container commit greeted:v1 ${id} a greeting tocommit`,
    ]);
    expect(await ok(["run", "--rm", "greeted:v1", "cat", "/greeting"])).toBe("hi\n");
    await ok(["rm", "tocommit"]);
  });

  test("a missing program in exec form: the container is created, runc refuses the start, the CLI exits 127", async () => {
    const r = await d(["run", "--name", "nosuch", "busybox", "nosuch"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain(`docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "nosuch": executable file not found in $PATH: unknown`);
    expect(await ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "nosuch"])).toBe("created 127\n");
    const abs = await d(["run", "--rm", "busybox", "/bin/nosuch"]);
    expect(abs.code).toBe(127);
    expect(abs.stderr).toContain(`exec: "/bin/nosuch": stat /bin/nosuch: no such file or directory: unknown`);
    await ok(["rm", "nosuch"]);
  });

  test("busybox wget prints its progress as busybox does, curl reaches nginx, redis-cli gets redis's PONG", async () => {
    await ok(["pull", "-q", "nginx"]);
    await ok(["pull", "-q", "redis"]);
    await ok(["pull", "-q", "node"]);
    await ok(["network", "create", "svcnet"]);
    await ok(["run", "-d", "--name", "web", "--network", "svcnet", "nginx"]);
    await ok(["run", "-d", "--name", "cache", "--network", "svcnet", "redis"]);
    const ip = (await ok(["inspect", "-f", "{{.NetworkSettings.Networks.svcnet.IPAddress}}", "web"])).trim();
    const saved = await d(["run", "--rm", "--network", "svcnet", "busybox", "sh", "-c", "cd /tmp && wget http://web/ && wc -c index.html"]);
    expect(saved).toMatchObject({ code: 0, stdout: "615 index.html\n" });
    expect(saved.stderr).toBe(`Connecting to web (${ip}:80)\nsaving to 'index.html'\nindex.html           100% |********************************|   615  0:00:00 ETA\n'index.html' saved\n`);
    const refused = await d(["run", "--rm", "--network", "svcnet", "busybox", "wget", "-O", "-", "http://web:8080/"]);
    expect(refused).toMatchObject({ code: 1, stdout: "", stderr: `Connecting to web:8080 (${ip}:8080)\nwget: can't connect to remote host (${ip}): Connection refused\n` });
    const page = await d(["run", "--rm", "--network", "svcnet", "node", "curl", "-s", "http://web/"]);
    expect(page).toMatchObject({ code: 0, stderr: "" });
    expect(page.stdout).toContain("<title>Welcome to nginx!</title>");
    expect(await d(["run", "--rm", "--network", "svcnet", "node", "curl", "http://web:81/"])).toMatchObject({ code: 7, stderr: "curl: (7) Failed to connect to web port 81 after 0 ms: Couldn't connect to server\n" });
    expect(await d(["run", "--rm", "--network", "svcnet", "redis", "redis-cli", "-h", "cache", "ping"])).toMatchObject({ code: 0, stdout: "PONG\n", stderr: "" });
    expect(await ok(["run", "--rm", "--network", "svcnet", "redis", "sh", "-c", "redis-cli -h cache set n 41; redis-cli -h cache incr n; redis-cli -h cache get n; redis-cli -h cache get nokey"])).toBe("OK\n42\n42\n\n");
    expect(await d(["run", "--rm", "--network", "svcnet", "redis", "redis-cli", "-h", "nohost", "ping"])).toMatchObject({ code: 1, stderr: "Could not connect to Redis at nohost:6379: Name or service not known\n" });
    await ok(["rm", "-f", "web", "cache"]);
    await ok(["network", "rm", "svcnet"]);
  });
});

test("wget's size column matches busybox 1.35's for small, scaled and large sizes", () => {
  // Measured with `busybox wget -O /dev/null` against python3 -m http.server on 127.0.0.1.
  const seen: [number, string][] = [[6, "    6"], [615, "  615"], [99999, "99999"], [100000, "97.6k"], [123456, " 120k"], [1200000, "1171k"], [2345678, "2290k"], [52428800, "50.0M"]];
  for (const [n, text] of seen) expect(ulltoa5(n)).toBe(text);
});
