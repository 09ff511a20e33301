// What a user of the docker CLI meets against `vicsim serve` where dockerd 28 (API 1.50) answers
// otherwise than a shell would: an exec of a program the container has not got, the build cache
// across a restart of a state folder, and `docker history` of built and pulled images.
import { describe, expect, test } from "vitest";
import { dockerCliServer } from "./fixtures/docker-cli-harness.js";

const { d, ok } = dockerCliServer("docker-polish", ["busybox"]);

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
