// `docker run -u` and `docker exec -u` through the real docker CLI against `vicsim serve`: the user is
// looked up in the container's own /etc/passwd and /etc/group, as dockerd does before runc starts the
// process (the image's tag decides which alpine-baselayout: postgres is uid 70 up to Alpine 3.10).
import { describe, expect, test } from "vitest";
import { dockerCliServer } from "./fixtures/docker-cli-harness.js";

const { d, ok } = dockerCliServer("docker-user", ["alpine:3.10", "alpine", "busybox"]);

describe("users in containers, through the docker CLI", () => {
  test("-u postgres in alpine:3.10: id, whoami and HOME come from its /etc/passwd", async () => {
    expect(await ok(["run", "--rm", "-u", "postgres", "alpine:3.10", "id"])).toBe("uid=70(postgres) gid=70(postgres) groups=70(postgres)\n");
    expect(await ok(["run", "--rm", "-u", "postgres", "alpine:3.10", "sh", "-c", "whoami; echo $HOME; id -G"])).toBe("postgres\n/var/lib/postgresql\n70\n");
    expect(await ok(["run", "--rm", "alpine:3.10", "cat", "/etc/alpine-release"])).toBe("3.10.0\n");
  });

  test("root's groups are its memberships in the image's /etc/group; a uid without an entry keeps its number and gid 0", async () => {
    expect(await ok(["run", "--rm", "alpine", "id"])).toBe("uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),26(tape),27(video)\n");
    expect(await ok(["run", "--rm", "-u", "1234", "alpine", "id"])).toBe("uid=1234 gid=0(root) groups=0(root)\n");
    expect(await ok(["run", "--rm", "-u", "nobody:users", "busybox", "id"])).toBe("uid=65534(nobody) gid=100(users) groups=100(users)\n");
    const whoami = await d(["run", "--rm", "-u", "1234", "alpine", "whoami"]);
    expect(whoami).toMatchObject({ code: 1, stdout: "", stderr: "whoami: unknown uid 1234\n" });
  });

  test("a user the image does not have: docker run fails at start, docker exec with dockerd's message and 126", async () => {
    // Current Alpine's base install has no postgres account (since 3.11).
    const run = await d(["run", "--rm", "-u", "postgres", "alpine", "id"]);
    expect(run.code).toBe(125);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("docker: Error response from daemon: unable to find user postgres: no matching entries in passwd file");
    expect(await d(["run", "--rm", "-u", "root:nogroup2", "alpine", "id"])).toMatchObject({ code: 125 });

    await ok(["run", "-d", "--name", "pg", "alpine:3.10", "sleep", "1000"]);
    expect(await ok(["exec", "-u", "postgres", "pg", "whoami"])).toBe("postgres\n");
    expect(await d(["exec", "-u", "nobody2", "pg", "whoami"])).toMatchObject({ code: 126, stdout: "unable to find user nobody2: no matching entries in passwd file\r\n" });
    expect(await ok(["inspect", "-f", "{{.State.Running}}", "pg"])).toBe("true\n");
    await ok(["rm", "-f", "pg"]);
  });

  test("a container whose start failed for its user stays created, with dockerd's error and exit code 128", async () => {
    await ok(["create", "--name", "nouser", "-u", "ghost", "alpine", "id"]);
    const start = await d(["start", "nouser"]);
    expect(start).toMatchObject({ code: 1, stderr: "Error response from daemon: unable to find user ghost: no matching entries in passwd file\nError: failed to start containers: nouser\n" });
    expect(await ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}", "nouser"])).toBe("created 128 unable to find user ghost: no matching entries in passwd file\n");
    await ok(["rm", "nouser"]);
  });

  test("a build's RUN runs as the image's USER, looked up the same way", async () => {
    const built = await d(["build", "-t", "users-built", "-"], "FROM alpine:3.10\nUSER 1234\nRUN id\nUSER postgres\nRUN id && whoami\n");
    expect(built.code).toBe(0);
    expect(built.stdout).toContain(" ---> Running in ");
    expect(built.stdout).toContain("\nuid=1234 gid=0(root) groups=0(root)\n");
    expect(built.stdout).toContain("\nuid=70(postgres) gid=70(postgres) groups=70(postgres)\npostgres\n");
    const unknown = await d(["build", "-"], "FROM alpine\nUSER ghost\nRUN id\n");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unable to find user ghost: no matching entries in passwd file");
  });
});
