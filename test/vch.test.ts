// The VCH as a library: Docker's state machine, restart policies, auto-remove, exec, attach, errors.
import { afterEach, describe, expect, it } from "vitest";
import { VchError } from "../bindings/vch/errors.js";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { collect, openVch, record } from "./fixtures/vch-helpers.js";
import { dockerStats } from "../bindings/docker/stats.js";

let vch: VirtualContainerHost;
afterEach(async () => {
  await vch?.close();
});

const run = async (cmd: string[], extra: Record<string, unknown> = {}, name?: string) => {
  const c = vch.createContainer({ Image: "busybox", Cmd: cmd, ...extra }, name);
  await vch.start(c.id);
  return c.id;
};

describe("container lifecycle", () => {
  it("runs a short command: create → start → die, with its output in the logs", async () => {
    vch = await openVch();
    const ev = record(vch, (e) => e.Type === "container" || e.Type === "network");
    const id = await run(["sh", "-c", "echo hello; echo oops >&2; printf '%s-%d\\n' a 7"]);
    const c = vch.getContainer(id);
    expect(c.state.Status).toBe("exited");
    expect(c.state.ExitCode).toBe(0);
    expect(c.host).toBeNull();
    expect(ev.actions()).toEqual(["container create", "network connect", "container start", "container die", "network disconnect"]);
    expect(ev.list[3].Actor.Attributes.exitCode).toBe("0");
    const logs = await collect(vch.logs(id));
    expect(logs.stdout).toBe("hello\na-7\n");
    expect(logs.stderr).toBe("oops\n");
  });

  it("createContainerId creates the same container as createContainer and answers only its id", async () => {
    vch = await openVch();
    const ev = record(vch, (e) => e.Type === "container");
    const id = vch.createContainerId({ Image: "busybox", Cmd: ["sleep", "30"] }, "by-id");
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const c = vch.getContainer("by-id");
    expect(c.id).toBe(id);
    expect(c.state.Status).toBe("created");
    expect(ev.actions()).toEqual(["container create"]);
    expect(() => vch.createContainerId({ Image: "busybox" }, "by-id")).toThrow(/already in use/);
    expect(vch.listContainers({ all: true }).map((x) => x.name)).toEqual(["/by-id"]);
  });

  it("keeps a sleeping container running until virtual time passes", async () => {
    vch = await openVch();
    const id = await run(["sleep", "30"]);
    expect(vch.getContainer(id).state.Status).toBe("running");
    expect(vch.getContainer(id).statusText).toBe("Less than a second".replace(/^/, "Up "));
    vch.advance(29_000);
    expect(vch.getContainer(id).state.Running).toBe(true);
    expect(vch.getContainer(id).statusText).toBe("Up 29 seconds");
    vch.advance(1_000);
    const c = vch.getContainer(id);
    expect(c.state.Status).toBe("exited");
    expect(c.statusText).toBe("Exited (0) Less than a second ago");
  });

  it("exits with the status of `exit N`, `false` and && / || sequences", async () => {
    vch = await openVch();
    const cases: [string[], number, string][] = [
      [["false"], 1, ""],
      [["sh", "-c", "exit 42"], 42, ""],
      [["sh", "-c", "false && echo no || echo yes; exit 7"], 7, "yes\n"],
      [["sh", "-c", "true && echo $HOSTNAME"], 0, "HOST\n"],
      [["cat", "/etc/hostname"], 0, "HOST\n"],
      [["cat", "/nonexistent"], 1, ""],
    ];
    for (const [cmd, code, out] of cases) {
      const id = await run(cmd);
      const c = vch.getContainer(id);
      expect(c.state.ExitCode, cmd.join(" ")).toBe(code);
      expect((await collect(vch.logs(id, { stderr: false }))).stdout).toBe(out.replace("HOST", id.slice(0, 12)));
    }
  });

  it("stop sends SIGTERM: kill → die → stop, status 143 for a plain process, 0 for a server", async () => {
    vch = await openVch({ pull: ["busybox", "nginx"] });
    const sleeper = await run(["sleep", "1000"]);
    const ev = record(vch, (e) => e.Type === "container");
    await vch.stop(sleeper);
    expect(ev.actions()).toEqual(["container kill", "container die", "container stop"]);
    expect(ev.list[0].Actor.Attributes.signal).toBe("15");
    expect(vch.getContainer(sleeper).state.ExitCode).toBe(143);
    const web = vch.createContainer({ Image: "nginx" }, "web");
    await vch.start("web");
    expect((await collect(vch.logs("web"))).stderr).toContain("start worker processes");
    await vch.stop("web");
    expect(vch.getContainer(web.id).state.ExitCode).toBe(0);
    await expect(vch.stop("web")).rejects.toMatchObject({ kind: "notModified" });
  });

  it("rm -f of a running container: kill(9) → die → destroy; plain rm is refused", async () => {
    vch = await openVch();
    const id = await run(["sleep", "100"], {}, "victim");
    expect(() => vch.remove("victim")).toThrow(
      'cannot remove container "/victim": container is running: stop the container before removing or force remove',
    );
    const ev = record(vch, (e) => e.Type === "container");
    vch.remove("victim", { force: true });
    expect(ev.actions()).toEqual(["container kill", "container die", "container destroy"]);
    expect(ev.list[0].Actor.Attributes.signal).toBe("9");
    expect(() => vch.getContainer(id)).toThrow(`No such container: ${id}`);
    expect(vch.info().hosts.every((h) => h.containers === 0)).toBe(true);
  });

  it("kill with a signal: SIGKILL gives 137, an unknown signal is refused and changes nothing", async () => {
    vch = await openVch();
    const id = await run(["sleep", "100"]);
    expect(() => vch.kill(id, "SIGBOGUS")).toThrow("Invalid signal: SIGBOGUS");
    expect(vch.getContainer(id).state.Running).toBe(true);
    vch.kill(id, "SIGWINCH"); // ignored by default
    expect(vch.getContainer(id).state.Running).toBe(true);
    vch.kill(id);
    expect(vch.getContainer(id).state.ExitCode).toBe(137);
    expect(() => vch.kill(id)).toThrow(`Container ${id} is not running`);
  });

  it("pause freezes the guest: a sleep that ends while paused exits only on unpause", async () => {
    vch = await openVch();
    const id = await run(["sleep", "5"]);
    vch.advance(1000);
    vch.pause(id);
    expect(vch.getContainer(id).state.Status).toBe("paused");
    expect(vch.getContainer(id).statusText).toMatch(/\(Paused\)$/);
    expect(() => vch.pause(id)).toThrow(`Container ${id} is already paused`);
    vch.advance(10_000);
    expect(vch.getContainer(id).state.Status).toBe("paused");
    const ev = record(vch, (e) => e.Type === "container");
    vch.unpause(id);
    expect(ev.actions()).toEqual(["container unpause", "container die"]);
    expect(vch.getContainer(id).state.Status).toBe("exited");
  });

  it("a signal to a paused container takes effect when it is unpaused; stop of a paused container works", async () => {
    vch = await openVch();
    const id = await run(["sleep", "100"]);
    vch.pause(id);
    vch.kill(id, "SIGTERM");
    expect(vch.getContainer(id).state.Status).toBe("paused");
    vch.unpause(id);
    expect(vch.getContainer(id).state).toMatchObject({ Status: "exited", ExitCode: 143 });
    const other = await run(["sleep", "100"]);
    vch.pause(other);
    await vch.stop(other);
    expect(vch.getContainer(other).state).toMatchObject({ Status: "exited", ExitCode: 143 });
  });

  it("restart: stop then start, with a restart event", async () => {
    vch = await openVch();
    const id = await run(["sleep", "100"]);
    const ev = record(vch, (e) => e.Type === "container");
    await vch.restart(id);
    expect(ev.actions()).toEqual(["container kill", "container die", "container stop", "container start", "container restart"]);
    expect(vch.getContainer(id).state.Running).toBe(true);
  });

  it("wait: not-running at once for a created container, next-exit with the status, removed", async () => {
    vch = await openVch();
    const created = vch.createContainer({ Image: "busybox", Cmd: ["true"] });
    await expect(vch.wait(created.id)).resolves.toEqual({ StatusCode: 0 });
    const id = await run(["sh", "-c", "sleep 2; exit 5"]);
    const next = vch.wait(id, "next-exit");
    const removed = vch.wait(id, "removed");
    let removedDone = false;
    void removed.then(() => (removedDone = true));
    vch.advance(2000);
    await expect(next).resolves.toEqual({ StatusCode: 5 });
    await Promise.resolve();
    expect(removedDone).toBe(false);
    vch.remove(id);
    await expect(removed).resolves.toEqual({ StatusCode: 5 });
    const ac = new AbortController();
    const sleeper = await run(["sleep", "100"]);
    const aborted = vch.wait(sleeper, "next-exit", ac.signal);
    ac.abort();
    await expect(aborted).rejects.toThrow();
  });
});

describe("restart policies and auto-remove", () => {
  it("on-failure:2 restarts a failing container twice, with Docker's backoff", async () => {
    vch = await openVch();
    const ev = record(vch, (e) => e.Type === "container" && (e.Action === "start" || e.Action === "die"));
    const id = await run(["sh", "-c", "echo try; exit 1"], { HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 2 } } });
    expect(vch.getContainer(id).state.Status).toBe("restarting");
    vch.advance(100);
    expect(vch.getContainer(id).restartCount).toBe(1);
    vch.advance(200);
    expect(vch.getContainer(id).restartCount).toBe(2);
    vch.advance(10_000);
    const c = vch.getContainer(id);
    expect(c.state.Status).toBe("exited");
    expect(c.state.ExitCode).toBe(1);
    expect(c.restartCount).toBe(2);
    expect(ev.actions()).toEqual(Array(3).fill(["container start", "container die"]).flat());
    expect((await collect(vch.logs(id))).stdout).toBe("try\ntry\ntry\n");
  });

  it("on-failure does not restart a clean exit; always does, until stopped", async () => {
    vch = await openVch();
    const clean = await run(["true"], { HostConfig: { RestartPolicy: { Name: "on-failure" } } });
    expect(vch.getContainer(clean).state.Status).toBe("exited");
    const always = await run(["sh", "-c", "sleep 1"], { HostConfig: { RestartPolicy: { Name: "always" } } });
    vch.advance(1000);
    expect(vch.getContainer(always).state.Status).toBe("restarting");
    vch.advance(100);
    expect(vch.getContainer(always).state.Status).toBe("running");
    expect(vch.getContainer(always).restartCount).toBe(1);
    await vch.stop(always);
    vch.advance(60_000);
    expect(vch.getContainer(always).state.Status).toBe("exited");
    expect(vch.getContainer(always).restartCount).toBe(1);
  });

  it("auto-remove removes the container when it exits; wait(removed) resolves", async () => {
    vch = await openVch();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "sleep 1; exit 3"], HostConfig: { AutoRemove: true } });
    const removed = vch.wait(c.id, "removed");
    const ev = record(vch, (e) => e.Type === "container");
    await vch.start(c.id);
    vch.advance(1000);
    await expect(removed).resolves.toEqual({ StatusCode: 3 });
    expect(ev.actions()).toEqual(["container start", "container die", "container destroy"]);
    expect(() => vch.getContainer(c.id)).toThrow("No such container");
    expect(() => vch.createContainer({ Image: "busybox", HostConfig: { AutoRemove: true, RestartPolicy: { Name: "always" } } })).toThrow(
      "can't create 'AutoRemove' container with restart policy",
    );
  });
});

describe("independence", () => {
  it("several VCHs in one process share nothing", async () => {
    vch = await openVch();
    const other = await openVch();
    try {
      const a = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "50"] }, "same");
      const b = other.createContainer({ Image: "busybox", Cmd: ["sleep", "50"] }, "same");
      expect(b.id).toBe(a.id); // same seed, same operations
      await vch.start("same");
      vch.advance(60_000);
      expect(vch.getContainer("same").state.Status).toBe("exited");
      expect(other.getContainer("same").state.Status).toBe("created");
      expect(other.now()).not.toBe(vch.now());
      expect(other.info().hosts.every((h) => h.memory.used === 0)).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe("names, defaults and lookups", () => {
  it("gives Docker's defaults: random adjective_name, hostname = short id, vIC sizes", async () => {
    vch = await openVch();
    const c = vch.createContainer({ Image: "busybox" });
    expect(c.name).toMatch(/^\/[a-z]+_[a-z]+$/);
    expect(c.id).toMatch(/^[0-9a-f]{64}$/);
    expect(c.config.Hostname).toBe(c.id.slice(0, 12));
    expect(c.config.Cmd).toEqual(["sh"]);
    expect(c.hostConfig.Memory).toBe(2 * 1024 ** 3);
    expect(c.hostConfig.NanoCpus).toBe(2e9);
    expect(c.hostConfig.NetworkMode).toBe("bridge");
    expect(c.hostConfig.LogConfig).toEqual({ Type: "json-file", Config: {} });
    expect(c.hostConfig.RestartPolicy).toEqual({ Name: "no", MaximumRetryCount: 0 });
    expect(vch.getContainer(c.name).id).toBe(c.id);
    expect(vch.getContainer(c.name.slice(1)).id).toBe(c.id);
    expect(vch.getContainer(c.id.slice(0, 12)).id).toBe(c.id);
    vch.rename(c.id, "renamed");
    expect(vch.getContainer("renamed").id).toBe(c.id);
    expect(() => vch.getContainer(c.name)).toThrow(`No such container: ${c.name}`);
  });

  it("refuses bad input in Docker's terms and changes nothing", async () => {
    vch = await openVch();
    const first = vch.createContainer({ Image: "busybox" }, "web");
    const before = { list: vch.listContainers({ all: true }).length, events: 0 };
    const ev = record(vch);
    const bad: [() => unknown, string, string][] = [
      [() => vch.createContainer({ Image: "nosuchimage" }), "notFound", "No such image: nosuchimage:latest"],
      [() => vch.createContainer({ Image: "busybox" }, "web"), "conflict",
        `Conflict. The container name "/web" is already in use by container "${first.id}". You have to remove (or rename) that container to be able to reuse that name.`],
      [() => vch.createContainer({ Image: "busybox" }, "-bad"), "invalid", "Invalid container name (-bad), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"],
      [() => vch.createContainer({ Image: "busybox", HostConfig: { Memory: -1 } }), "invalid", "invalid memory limit -1: a memory limit cannot be negative"],
      [() => vch.createContainer({ Image: "busybox", HostConfig: { Memory: 256 * 1024 * 1024 } }), "invalid", "Minimum memory limit allowed is 512MB (a container VM needs at least 512 MiB)"],
      [() => vch.createContainer({ Image: "busybox", HostConfig: { RestartPolicy: { Name: "sometimes" as never } } }), "invalid",
        "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"],
      [() => vch.createContainer({ Image: "busybox", ExposedPorts: { "99999/tcp": {} } }), "invalid", 'invalid port specification: "99999/tcp"'],
      [() => vch.createContainer({ Image: "busybox", HostConfig: { NetworkMode: "nonet" } }), "notFound", "network nonet not found"],
      [() => vch.getContainer("nope"), "notFound", "No such container: nope"],
      [() => vch.rename("web", "web"), "conflict", "Renaming a container with the same name as its current name"],
    ];
    for (const [fn, kind, message] of bad) {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(error, message).toBeInstanceOf(VchError);
      expect((error as VchError).kind).toBe(kind);
      expect((error as VchError).message).toBe(message);
    }
    await expect(vch.start("nope")).rejects.toThrow("No such container: nope");
    expect(vch.listContainers({ all: true }).length).toBe(before.list);
    expect(ev.list.length).toBe(before.events);
  });

  it("lists with Docker's filters: status, label, name, ancestor, exited", async () => {
    vch = await openVch({ pull: ["busybox", "alpine"] });
    const a = await run(["sleep", "100"], { Labels: { tier: "web" } }, "a1");
    const b = await run(["sh", "-c", "exit 3"], { Labels: { tier: "db" } }, "b1"); // exit is a shell builtin: exec form would be refused
    const c = vch.createContainer({ Image: "alpine", Cmd: ["true"] }, "c1");
    const ids = (opts: Parameters<VirtualContainerHost["listContainers"]>[0]) => vch.listContainers(opts).map((x) => x.name);
    expect(ids({})).toEqual(["/a1"]);
    expect(ids({ all: true })).toEqual(["/c1", "/b1", "/a1"]);
    expect(ids({ filters: { status: ["exited"] } })).toEqual(["/b1"]);
    expect(ids({ all: true, filters: { label: ["tier=db"] } })).toEqual(["/b1"]);
    expect(ids({ all: true, filters: { label: ["tier"] } })).toEqual(["/b1", "/a1"]);
    expect(ids({ all: true, filters: { ancestor: ["alpine"] } })).toEqual(["/c1"]);
    expect(ids({ all: true, filters: { exited: ["3"] } })).toEqual(["/b1"]);
    expect(ids({ all: true, limit: 1 })).toEqual(["/c1"]);
    expect(ids({ all: true, filters: { name: ["^a1$"] } })).toEqual(["/a1"]);
    expect(() => vch.listContainers({ filters: { status: ["sleepy"] } })).toThrow("invalid filter 'status=sleepy'");
    expect([a, b, c.id].every((x) => typeof x === "string")).toBe(true);
  });
});

describe("IO: attach, stdin, exec, top, stats", () => {
  it("keeps output produced before the first attach; the stream ends when the container stops", async () => {
    vch = await openVch();
    const id = await run(["sh", "-c", "echo early; sleep 3; echo late"]);
    const stream = vch.attach(id, { stream: true });
    vch.advance(3000);
    const out = await collect(stream);
    expect(out.stdout).toBe("early\nlate\n");
    expect(out.all[1].time - out.all[0].time).toBe(3000);
  });

  it("echoes stdin through `cat` and runs an interactive sh from stdin", async () => {
    vch = await openVch();
    const c = vch.createContainer({ Image: "busybox", Cmd: ["cat"], OpenStdin: true, StdinOnce: true });
    vch.writeStdin(c.id, new TextEncoder().encode("before start\n"));
    await vch.start(c.id);
    vch.writeStdin(c.id, new TextEncoder().encode("after\n"));
    expect(vch.getContainer(c.id).state.Running).toBe(true);
    vch.closeStdin(c.id);
    expect(vch.getContainer(c.id).state.ExitCode).toBe(0);
    expect((await collect(vch.logs(c.id))).stdout).toBe("before start\nafter\n");
    const sh = vch.createContainer({ Image: "busybox", Cmd: ["sh"], OpenStdin: true });
    await vch.start(sh.id);
    vch.writeStdin(sh.id, new TextEncoder().encode("echo one\nsleep 2; echo two\nexit 4\n"));
    // An interactive sh is one shell session on promises (loaded on first use): let it run between the clock's steps.
    for (let i = 0; i < 200 && vch.getContainer(sh.id).state.Running; i++) {
      await new Promise((r) => setTimeout(r, 5));
      vch.advance(100);
    }
    expect(vch.getContainer(sh.id).state.ExitCode).toBe(4);
    expect((await collect(vch.logs(sh.id))).stdout).toBe("one\ntwo\n");
    const noStdin = await run(["sh"]);
    expect(vch.getContainer(noStdin).state.Status).toBe("exited");
  });

  it("exec runs the vocabulary in a running container; ExitCode is set before the output ends", async () => {
    vch = await openVch();
    const id = await run(["sleep", "100"]);
    const ev = record(vch, (e) => e.Type === "container");
    const exec = vch.createExec(id, { Cmd: ["sh", "-c", "echo in-exec; cat /etc/hostname; exit 9"], AttachStdout: true, AttachStderr: true });
    expect(vch.inspectExec(exec)).toMatchObject({ Running: false, ExitCode: null, ContainerID: id });
    const { output, done } = vch.startExec(exec);
    let codeAtEnd: number | null = null;
    const out = await (async () => {
      const r = await collect(output);
      codeAtEnd = vch.inspectExec(exec).ExitCode;
      return r;
    })();
    expect(out.stdout).toBe(`in-exec\n${id.slice(0, 12)}\n`);
    expect(codeAtEnd).toBe(9);
    await expect(done).resolves.toBe(9);
    expect(ev.actions()).toEqual([
      "container exec_create: sh -c echo in-exec; cat /etc/hostname; exit 9",
      "container exec_start: sh -c echo in-exec; cat /etc/hostname; exit 9",
      "container exec_die",
    ]);
    expect((await collect(vch.logs(id))).stdout).toBe(""); // exec output is not the container's log
    const stopped = await run(["true"]);
    expect(() => vch.createExec(stopped, { Cmd: ["echo"] })).toThrow(`Container ${stopped} is not running`);
  });

  it("an exec still running when its container stops ends with 137", async () => {
    vch = await openVch();
    const id = await run(["sleep", "100"]);
    const exec = vch.createExec(id, { Cmd: ["sleep", "1000"] });
    const { output, done } = vch.startExec(exec);
    expect(vch.top(id).Processes.map((p) => p[7])).toEqual(["sleep 100", "sleep 1000"]);
    vch.kill(id);
    await expect(done).resolves.toBe(137);
    expect((await collect(output)).all).toEqual([]);
    expect(vch.inspectExec(exec)).toMatchObject({ Running: false, ExitCode: 137 });
  });

  it("top lists the guest's process; stats report memory from the memory engine", async () => {
    vch = await openVch();
    const id = await run(["sleep", "100"]);
    expect(vch.top(id).Processes.map((p) => p[7])).toEqual(["sleep 100"]);
    vch.advance(30_000);
    const s = dockerStats(vch.statsSample(id));
    expect(s.name).toBe(vch.getContainer(id).name);
    expect(s.cpu_stats.online_cpus).toBe(2);
    expect(s.memory_stats.limit).toBe(2 * 1024 ** 3);
    expect(s.vm!.private).toBeGreaterThanOrEqual(64); // the boot writes
    expect(s.vm!.shared).toBeGreaterThan(0); // the template's pages
    expect(s.memory_stats.usage).toBe(s.vm!.consumed * 4096);
    // precpu is the sample of the last guest tick (30 s in: the one at 30 s), not of the last read.
    expect(s.precpu_stats.cpu_usage.total_usage).toBe(s.cpu_stats.cpu_usage.total_usage);
    vch.advance(5_000);
    const later = dockerStats(vch.statsSample(id));
    expect(later.precpu_stats.cpu_usage.total_usage).toBe(s.cpu_stats.cpu_usage.total_usage);
    expect(later.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(s.cpu_stats.cpu_usage.total_usage);
  });
});

describe("logs and the idle clock", () => {
  it("logs filter by stream, since/until (virtual ms) and tail, and follow until the container stops", async () => {
    vch = await openVch();
    const t0 = vch.now();
    const id = await run(["sh", "-c", "echo a; sleep 1; echo b >&2; sleep 1; echo c; sleep 1; echo d"]);
    const follow = collect(vch.logs(id, { follow: true, since: t0 + 2000 }));
    vch.runUntilIdle();
    expect(vch.getContainer(id).state.Status).toBe("exited");
    expect(vch.now() - t0).toBe(3000);
    expect((await follow).stdout).toBe("c\nd\n");
    expect((await collect(vch.logs(id, { tail: 2 }))).stdout).toBe("c\nd\n");
    expect((await collect(vch.logs(id, { tail: 0 }))).all).toEqual([]);
    const early = await collect(vch.logs(id, { until: t0 + 1000 }));
    expect([early.stdout, early.stderr]).toEqual(["a\n", "b\n"]);
    expect((await collect(vch.logs(id, { stdout: false }))).stdout).toBe("");
    const times = (await collect(vch.logs(id))).all.map((c) => c.time - t0);
    expect(times).toEqual([0, 1000, 2000, 3000]);
  });

  it("runUntilIdle stops at services (they never end by themselves)", async () => {
    vch = await openVch({ pull: ["busybox", "nginx"] });
    const web = vch.createContainer({ Image: "nginx" });
    await vch.start(web.id);
    const job = await run(["sleep", "90"]);
    vch.runUntilIdle();
    expect(vch.getContainer(job).state.Status).toBe("exited");
    expect(vch.getContainer(web.id).state.Status).toBe("running");
  });
});

describe("images", () => {
  it("pull reports Docker's progress and creates the template profile", async () => {
    vch = await openVch({ pull: [] });
    const statuses: string[] = [];
    const img = await vch.pullImage("docker.io/library/busybox:latest", (p) => statuses.push(p.status));
    expect(statuses[0]).toBe("Pulling from library/busybox");
    expect(statuses).toContain("Pulling fs layer");
    expect(statuses).toContain("Downloading");
    expect(statuses).toContain("Download complete");
    expect(statuses).toContain("Pull complete");
    expect(statuses.at(-2)).toMatch(/^Digest: sha256:[0-9a-f]{64}$/);
    expect(statuses.at(-1)).toBe("Status: Downloaded newer image for busybox:latest");
    expect(img.repoTags).toEqual(["busybox:latest"]);
    expect(img.config.Cmd).toEqual(["sh"]);
    expect(img.profile.bootPages).toBeGreaterThan(0);
    const again: string[] = [];
    await vch.pullImage("busybox", (p) => again.push(p.status));
    expect(again.at(-1)).toBe("Status: Image is up to date for busybox:latest");
    const other = await vch.pullImage("myorg/thing:1.2");
    expect((await vch.pullImage("myorg/thing:1.2")).id).toBe(other.id);
    await expect(vch.pullImage("Bad/Name")).rejects.toMatchObject({ kind: "invalid" });
  });

  it("tags, refuses to remove an image in use unless forced, prunes dangling ones", async () => {
    vch = await openVch({ pull: ["busybox", "alpine"] });
    vch.tagImage("busybox", "mybox", "v1");
    expect(vch.getImage("mybox:v1").repoTags).toEqual(["busybox:latest", "mybox:v1"]);
    expect(vch.removeImage("mybox:v1")).toEqual({ untagged: ["mybox:v1"], deleted: [] });
    const c = vch.createContainer({ Image: "busybox", Cmd: ["true"] });
    expect(() => vch.removeImage("busybox")).toThrow(/unable to remove repository reference "busybox" \(must force\) - container [0-9a-f]{12} is using its referenced image/);
    const removed = vch.removeImage("busybox", { force: true });
    expect(removed.untagged[0]).toBe("busybox:latest");
    expect(removed.deleted).toHaveLength(1);
    expect(() => vch.getImage("busybox")).toThrow("No such image: busybox:latest");
    vch.remove(c.id);
    const alpine = vch.getImage("alpine");
    vch.tagImage("alpine", "x", "1");
    vch.removeImage("alpine:latest");
    vch.removeImage("x:1");
    expect(() => vch.getImage(alpine.id)).toThrow("No such image");
    expect(vch.listImages()).toEqual([]);
  });
});

describe("networks and volumes", () => {
  it("has bridge, host and none; gives running containers an address on bridge", async () => {
    vch = await openVch();
    expect(vch.listNetworks().map((n) => n.Name).sort()).toEqual(["bridge", "host", "none"]);
    const id = await run(["sleep", "100"]);
    const ep = vch.getContainer(id).networks.bridge;
    expect(ep.IPAddress).toBe("172.17.0.2");
    expect(ep.Gateway).toBe("172.17.0.1");
    expect(Object.keys(vch.getNetwork("bridge").Containers)).toEqual([id]);
    expect(() => vch.removeNetwork("bridge")).toThrow("bridge is a pre-defined network and cannot be removed");
    const net = vch.createNetwork({ Name: "backend" });
    expect(net.IPAM.Config[0].Subnet).toBe("172.18.0.0/16");
    vch.connectNetwork("backend", id);
    expect(vch.getContainer(id).networks.backend.IPAddress).toBe("172.18.0.2");
    expect(() => vch.removeNetwork("backend")).toThrow(/has active endpoints/);
    vch.disconnectNetwork("backend", id);
    vch.removeNetwork("backend");
    expect(() => vch.getNetwork("backend")).toThrow("network backend not found");
  });

  it("creates named and anonymous volumes; refuses to remove one in use; rm -v and prune", async () => {
    vch = await openVch({ pull: ["busybox", "redis"] });
    const c = vch.createContainer({ Image: "busybox", Cmd: ["true"], HostConfig: { Binds: ["data:/data", "/srv:/srv:ro"] } });
    expect(vch.getVolume("data").Mountpoint).toBe("/var/lib/docker/volumes/data/_data");
    expect(vch.getContainer(c.id).mounts.map((m) => [m.Type, m.Destination, m.RW])).toEqual([["volume", "/data", true], ["bind", "/srv", false]]);
    expect(() => vch.removeVolume("data")).toThrow(`remove data: volume is in use - [${c.id}]`);
    const r = vch.createContainer({ Image: "redis" });
    const anon = vch.getContainer(r.id).mounts[0];
    expect(anon.Destination).toBe("/data");
    expect(anon.Name).toMatch(/^[0-9a-f]{64}$/);
    vch.remove(r.id, { volumes: true });
    expect(() => vch.getVolume(anon.Name!)).toThrow("no such volume");
    vch.remove(c.id);
    expect(vch.pruneVolumes().deleted).toEqual([]); // named volumes survive a plain prune
    expect(vch.pruneVolumes({ all: true }).deleted).toEqual(["data"]);
  });
});

describe("events", () => {
  it("replays the ring between since and until and filters by type and container", async () => {
    vch = await openVch();
    const t0 = vch.now();
    const a = await run(["true"], {}, "a1");
    vch.advance(5000);
    await run(["true"], {}, "b1");
    const all: string[] = [];
    for await (const e of vch.events({ since: t0, until: vch.now(), filters: { type: ["container"] } })) all.push(`${e.Actor.Attributes.name} ${e.Action}`);
    expect(all).toEqual(["a1 create", "a1 start", "a1 die", "b1 create", "b1 start", "b1 die"]);
    const onlyA: string[] = [];
    for await (const e of vch.events({ since: t0, until: vch.now(), filters: { container: [a], event: ["die"] } })) onlyA.push(e.Action);
    expect(onlyA).toEqual(["die"]);
    const later: string[] = [];
    for await (const e of vch.events({ since: t0 + 1000, until: vch.now(), filters: { type: ["container"] } })) later.push(e.Action);
    expect(later).toEqual(["create", "start", "die"]);
  });

  it("streams live events until `until` passes on the virtual clock", async () => {
    vch = await openVch();
    const stream = vch.events({ until: vch.now() + 10_000, filters: { type: ["container"] } });
    const done = collectEvents(stream);
    await run(["true"]);
    vch.advance(20_000);
    await run(["true"]);
    expect((await done).map((e) => e.Action)).toEqual(["create", "start", "die"]);
  });

  it("keeps the last 256 events", async () => {
    vch = await openVch();
    for (let i = 0; i < 100; i++) await run(["true"]);
    const list: unknown[] = [];
    for await (const e of vch.events({ since: 0, until: vch.now() })) list.push(e);
    expect(list).toHaveLength(256);
  });
});

async function collectEvents<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
