// What a user of the docker CLI meets against `vicsim serve` where dockerd 28 (API 1.50) answers
// otherwise than a shell would: an exec of a program the container has not got, the build cache
// across a restart of a state folder, and `docker history` of built and pulled images.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dockerCliServer } from "./fixtures/docker-cli-harness.js";

const { scratch, serve, docker, d, ok } = dockerCliServer("docker-polish", ["busybox"]);

/** A build context folder in the scratch folder: a Dockerfile of a layer step, a config step and a COPY. */
function context(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "Dockerfile"), 'FROM busybox\nRUN echo hi > /hi\nENV GREETING=hello\nCOPY note /note\nCMD ["cat", "/hi"]\n');
  writeFileSync(join(dir, "note"), "a note\n");
  return dir;
}

/** A build context folder of a two-stage Dockerfile: the final image copies what the first stage made. */
function twoStages(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "Dockerfile"), 'FROM busybox AS tools\nRUN echo built > /artifact && echo unused > /leftover\nFROM busybox\nCOPY --from=tools /artifact /artifact\nCMD ["cat", "/artifact"]\n');
  return dir;
}

/** What the classic builder printed for each step but the first FROM: whether it ran or came from the cache. */
const stepOutcomes = (out: string): string[] =>
  out.split(/^Step \d+\/\d+ : /m).slice(2).map((step) => `${step.split("\n")[0]}: ${step.startsWith("FROM") ? "base" : step.includes(" ---> Using cache") ? "cached" : "ran"}`);

/** runc's refusal of an exec's program as dockerd writes it on the hijacked stream. */
const execRefusal = (argv0: string, why: string) => `OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv0}": ${why}: unknown\r\n`;

describe("docker exec of a program runc cannot start", () => {
  test("a program not in the container's PATH: runc's message on stdout, exit 127 (dockerd 28), nothing on stderr", async () => {
    await ok(["run", "-d", "--name", "ex1", "busybox", "sleep", "1000"]);
    expect(await d(["exec", "ex1", "nosuch"])).toMatchObject({ code: 127, stdout: execRefusal("nosuch", "executable file not found in $PATH"), stderr: "" });
    // An exec's own PATH is the one searched: ls is in /bin, not in /nowhere.
    expect(await d(["exec", "-e", "PATH=/nowhere", "ex1", "ls"])).toMatchObject({ code: 127, stdout: execRefusal("ls", "executable file not found in $PATH") });
    // A path that names no file: runc's stat error, still 127.
    expect(await d(["exec", "ex1", "/bin/nosuch", "arg"])).toMatchObject({ code: 127, stdout: execRefusal("/bin/nosuch", "stat /bin/nosuch: no such file or directory") });
    // A file that is there but cannot be executed: permission denied, 126.
    expect(await d(["exec", "ex1", "/etc/passwd"])).toMatchObject({ code: 126, stdout: execRefusal("/etc/passwd", "permission denied") });
  });

  test("a detached exec of a missing program is an error response (exit 1); the container goes on", async () => {
    await ok(["run", "-d", "--name", "ex2", "busybox", "sleep", "1000"]);
    const detached = await d(["exec", "-d", "ex2", "nosuch"]);
    expect(detached).toMatchObject({ code: 1, stdout: "" });
    expect(detached.stderr).toBe(`Error response from daemon: ${execRefusal("nosuch", "executable file not found in $PATH").trimEnd()}\n`);
    // The container is untouched and a real program still runs.
    expect(await d(["exec", "ex2", "sh", "-c", "echo still; exit 3"])).toMatchObject({ code: 3, stdout: "still\n" });
  });

  test("a shell's own missing command is the shell's: sh -c nosuch prints sh's message on stderr and exits 127", async () => {
    await ok(["run", "-d", "--name", "ex3", "busybox", "sleep", "1000"]);
    expect(await d(["exec", "ex3", "sh", "-c", "nosuch"])).toMatchObject({ code: 127, stdout: "", stderr: "sh: nosuch: not found\n" });
    // A relative path is looked up from the exec's working directory, as runc does.
    expect(await d(["exec", "-w", "/bin", "ex3", "./echo", "found"])).toMatchObject({ code: 0, stdout: "found\n" });
  });
});

describe("the build cache across a restart of the state folder", () => {
  test("a second docker build after a SIGKILL and a restart uses the cache for every step and makes the same image", async () => {
    const state = join(scratch, "state");
    const dir = context("ctx-restart");
    const first = await serve(["--state", state]);
    expect(await docker(first.dockerHost, ["pull", "-q", "busybox"])).toMatchObject({ code: 0 });
    const built = await docker(first.dockerHost, ["build", "-t", "app:1", dir]);
    expect(built.code).toBe(0);
    expect(stepOutcomes(built.stdout)).toEqual(["RUN echo hi > /hi: ran", "ENV GREETING=hello: ran", "COPY note /note: ran", 'CMD ["cat", "/hi"]: ran']);
    const id = (await docker(first.dockerHost, ["inspect", "-f", "{{.Id}}", "app:1"])).stdout.trim();
    const multi = twoStages("ctx-two-stages");
    const twoBuilt = await docker(first.dockerHost, ["build", "-t", "two", multi]);
    expect(stepOutcomes(twoBuilt.stdout)).toEqual(["RUN echo built > /artifact && echo unused > /leftover: ran", "FROM busybox: base", "COPY --from=tools /artifact /artifact: ran", 'CMD ["cat", "/artifact"]: ran']);
    first.child.kill("SIGKILL");
    await first.exited;

    const second = await serve(["--state", state]);
    const again = await docker(second.dockerHost, ["build", "-t", "app:2", dir]);
    expect(again.code).toBe(0);
    expect(stepOutcomes(again.stdout)).toEqual(["RUN echo hi > /hi: cached", "ENV GREETING=hello: cached", "COPY note /note: cached", 'CMD ["cat", "/hi"]: cached']);
    expect(again.stdout).not.toContain("Running in");
    expect(again.stdout).toContain(`Successfully built ${id.slice(7, 19)}\n`);
    expect((await docker(second.dockerHost, ["inspect", "-f", "{{.Id}}", "app:2"])).stdout.trim()).toBe(id);
    // The first stage's layer (with /leftover) is no image's, yet its step is cached too (dockerd keeps it as an intermediate image).
    const twoAgain = await docker(second.dockerHost, ["build", "-t", "two", multi]);
    expect(stepOutcomes(twoAgain.stdout)).toEqual(["RUN echo built > /artifact && echo unused > /leftover: cached", "FROM busybox: base", "COPY --from=tools /artifact /artifact: cached", 'CMD ["cat", "/artifact"]: cached']);
    expect(await docker(second.dockerHost, ["run", "--rm", "two"])).toMatchObject({ code: 0, stdout: "built\n" });
    // A changed file is a changed COPY: the steps before it still come from the cache, it and the ones after run.
    writeFileSync(join(dir, "note"), "another note\n");
    const changed = await docker(second.dockerHost, ["build", "-t", "app:3", dir]);
    expect(stepOutcomes(changed.stdout)).toEqual(["RUN echo hi > /hi: cached", "ENV GREETING=hello: cached", "COPY note /note: ran", 'CMD ["cat", "/hi"]: ran']);
    expect(await docker(second.dockerHost, ["run", "--rm", "app:3", "sh", "-c", "cat /hi /note; echo $GREETING"])).toMatchObject({ code: 0, stdout: "hi\nanother note\nhello\n" });
    second.child.kill("SIGKILL");
  }, 60_000);
});

// dockerd's history walks an image's parents among its local images: the classic builder keeps each
// step as an image (their ids show), BuildKit does not (`<missing>` below the top). vicsim keeps no
// step images, so its history is BuildKit's; the CreatedBy texts stay the classic builder's.
describe("docker history, as dockerd 28 shows it for images whose steps are not local images (BuildKit's)", () => {
  test("a built image: its id on the top row, <missing> below (its steps are not images of their own), the base's rows under its own", async () => {
    const dir = context("ctx-history");
    await ok(["build", "-q", "-t", "hist", dir]);
    const id = (await ok(["inspect", "-f", "{{.Id}}", "hist"])).trim();
    const rows = (await ok(["history", "--no-trunc", "--format", "{{.ID}}\t{{.CreatedBy}}\t{{.Size}}", "hist"])).trimEnd().split("\n").map((r) => r.split("\t"));
    expect(rows.map((r) => r[0])).toEqual([id, "<missing>", "<missing>", "<missing>", "<missing>", "<missing>"]);
    expect(rows.map((r) => r[1])).toEqual([
      '/bin/sh -c #(nop)  CMD ["cat" "/hi"]',
      expect.stringMatching(/^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/note $/),
      "/bin/sh -c #(nop)  ENV GREETING=hello",
      "/bin/sh -c echo hi > /hi",
      '/bin/sh -c #(nop)  CMD ["sh"]',
      expect.stringMatching(/^\/bin\/sh -c #\(nop\) ADD file:[0-9a-f]{64} in \/ $/),
    ]);
    // Layer sizes where a step wrote files, 0B for a config step.
    expect(rows.map((r) => r[2])).toEqual(["0B", "7B", "0B", "3B", "0B", expect.stringMatching(/^[\d.]+[kM]B$/)]);
    // The steps' images are not kept as images, as with BuildKit: `images -a` lists no more than `images`.
    expect(await ok(["images", "-a", "-q", "--no-trunc"])).toBe(await ok(["images", "-q", "--no-trunc"]));
    expect(await ok(["images", "-a", "-q", "--no-trunc"])).toContain(id);
  });

  test("a pulled image: its id on the top row, <missing> for the layers below", async () => {
    const id = (await ok(["inspect", "-f", "{{.Id}}", "busybox"])).trim();
    const ids = (await ok(["history", "--no-trunc", "--format", "{{.ID}}", "busybox"])).trimEnd().split("\n");
    expect(ids.length).toBeGreaterThan(1);
    expect(ids).toEqual([id, ...ids.slice(1).map(() => "<missing>")]);
  });
});
