/**
 * Docker's container state machine: start (power the container VM on through the binding, spawn
 * the guest, health probes), the guest's timers (deferred while paused, dropped with their run),
 * exits and restart policies (Docker's backoff), stop and kill with a timeout, removal, and what a
 * guest sees; the guest's output goes to stdio.ts. Waiters are waiters.ts, the periodic guest tick
 * and CPU accounting guest-tick.ts, endpoint and volume bookkeeping attachments.ts.
 */
import type { Cancel } from "./clock.js";
import { serviceCommands } from "./config.js";
import { mainIo, type MainIoHost } from "./guest-io.js";
import { containerAttrs, ownMap, type Container, type Waiter } from "./container.js";
import type { ContainerVms } from "./container-vm.js";
import type { VchContext } from "./context.js";
import { conflict, invalid, notFound, notModified, VchError } from "./errors.js";
import type { Execs } from "./execs.js";
import { hostsFileOf, type VchFilesystems } from "./filesystems.js";
import { serviceNetwork, type ServiceNetDeps } from "./service-net.js";
import { refusalError, refusalExitCode, startRefusal } from "./exec-check.js";
import { parseTime, rfc3339 } from "./format.js";
import { guestEntropyOf } from "./guest-entropy.js";
import { parseSignal, type Guest, type GuestContext } from "./guest.js";
import { healthPlan, recordProbe, startingHealth, type HealthPlan } from "./health.js";
import type { Images } from "./images.js";
import { Attachments } from "./attachments.js";
import { GuestTick } from "./guest-tick.js";
import { waitFor, wakeWaiters as wake } from "./waiters.js";
import type { Networks } from "./networks.js";
import type { ContainerRegistry } from "./registry.js";
import { hash32 } from "./rng.js";
import type { Stdio } from "./stdio.js";
import type { RestartPolicy, VolumeRecord } from "./types.js";
import { linkEnvironment } from "./links.js";
import { ttyOutput } from "./tty.js";
import { ANONYMOUS_VOLUME_LABEL, type Volumes } from "./volumes.js";

/** The label `docker inspect` shows on a container whose command runs on a real runtime (docs/guest.md). */
export const REAL_RUNTIME_LABEL = "vicsim.guest.runtime";
/** Docker's restart backoff: 100 ms doubling, capped at one minute. */
const RESTART_BACKOFF_MS = 100;
const RESTART_BACKOFF_MAX_MS = 60_000;

/** What the state machine works with. */
export interface LifecycleDeps {
  ctx: VchContext;
  registry: ContainerRegistry;
  images: Images;
  vms: ContainerVms;
  nets: Networks;
  vols: Volumes;
  guest: Guest;
  stdio: Stdio;
  /** The containers' files and the volumes. */
  fs: VchFilesystems;
  /** The first container VM runs: the periodic DRS and TPS passes begin. */
  onFirstRun: () => void;
}

export class ContainerLifecycle {
  private readonly ctx: VchContext;
  private readonly registry: ContainerRegistry;
  private readonly images: Images;
  private readonly vms: ContainerVms;
  private readonly nets: Networks;
  private readonly vols: Volumes;
  private readonly guest: Guest;
  private readonly stdio: Stdio;
  readonly fs: VchFilesystems;
  /** Set once the exec module exists (they call each other). */
  execs!: Execs;
  /** Containers whose guest runs (the guest tick visits only these). */
  readonly running = new Set<Container>();
  /** Containers waiting out a restart policy's backoff (`runUntilIdle` waits for these). */
  readonly restarting = new Set<Container>();
  private nextTimerKey = 1;
  /** What every guest's clock and network share (one set of closures for the VCH, not one per container). */
  private readonly guestNow = (): number => this.ctx.now();
  readonly netDeps: ServiceNetDeps = {
    containers: () => this.registry.all(), filesOf: (p) => this.filesOf(p), now: this.guestNow,
    // An image built FROM nginx serves as nginx does: its catalogue base names the service.
    repoOf: (p) => this.images.get(p.rec.imageId)?.rootfs?.base ?? this.images.parseRef(this.images.get(p.rec.imageId)?.repoTags[0] ?? p.rec.image).repo.split("/").pop()!,
  };
  /** What every main process calls back (guest-io.ts); a real guest's pages are the container VM's, its runtime is said in inspect. */
  private readonly mainIoHost: MainIoHost = {
    timer: (c, run, ms, fn) => this.containerTimer(c, run, ms, fn),
    output: (c, stream, text) => this.stdio.output(c, c.rec.config.Tty ? "stdout" : stream, c.rec.config.Tty ? ttyOutput(text) : text),
    exited: (c, status, how) => {
      if (how?.oomKilled) c.rec.state.OOMKilled = true;
      if (c.rt.frozen) c.rt.pendingExit = status;
      else this.processExited(c, status);
    },
    settle: () => this.settleOutside(),
    realClone: (c, key, image) => this.vms.realClone(c, key, image),
    realWrite: (c, memory) => this.vms.realWrite(c, memory),
    runtime: (c, description) => {
      c.rec.config.Labels = { ...(c.rec.config.Labels ?? {}), [REAL_RUNTIME_LABEL]: description };
      this.ctx.markContainer(c);
    },
  };
  private readonly tick: GuestTick;
  private readonly attachments: Attachments;

  constructor(deps: LifecycleDeps) {
    this.ctx = deps.ctx;
    this.registry = deps.registry;
    this.images = deps.images;
    this.vms = deps.vms;
    this.nets = deps.nets;
    this.vols = deps.vols;
    this.guest = deps.guest;
    this.stdio = deps.stdio;
    this.fs = deps.fs;
    this.tick = new GuestTick(deps, this.running);
    this.attachments = new Attachments(deps);
  }

  // ───────────── the commands clients give ─────────────

  /** Docker's start: refused when paused or marked for removal, `notModified` when running. */
  start(c: Container): void {
    const s = c.rec.state;
    if (s.Paused) throw conflict(`cannot start a paused container, try unpause instead`);
    if (s.Running) throw notModified(`container ${c.rec.id} is already running`);
    if (s.Status === "removing" || s.Dead) throw conflict(`container ${c.rec.id} is marked for removal and cannot be started`);
    this.cancelRestart(c);
    const refusal = this.refusal(c, c.rec.path, c.rec.config.Env, c.rec.config.WorkingDir, "create");
    if (refusal) {
      // dockerd records the refusal on the container, which stays created, and answers 400 (runc's) or 500 (an unknown user).
      Object.assign(s, { ExitCode: refusalExitCode(refusal), Error: refusal });
      if (c.rec.hostConfig.AutoRemove) this.destroy(c, true); // `--rm`: dockerd removes it after the failed start
      throw refusalError(refusal);
    }
    c.manuallyStopped = false;
    this.bootContainer(c, null);
  }

  /**
   * The refusal to start `argv0` as `user` in the container (unknown user; missing or not executable in
   * its filesystem), as its main process (`create`) or an exec's, or null.
   */
  refusal(c: Container, argv0: string, env: string[], workdir: string | undefined, at: "create" | "exec", user = c.rec.config.User ?? ""): string | null {
    // A container labelled as a service runs any command (docs/guest.md): nothing to look up.
    if (!argv0 || c.rec.config.Labels?.["vicsim.guest.service"] === "true") return null;
    // A wasi/wasm image's program is a module its WASI runtime loads, not a runc process (the guest reports a missing one).
    const image = this.images.get(c.rec.imageId);
    if (image && image.os === "wasi") return null;
    let files;
    try { files = this.filesOf(c); } catch { return null; } // the boot reports a filesystem it cannot make
    return startRefusal(files, argv0, env, workdir || "/", at, user);
  }

  /** Docker's stop: SIGTERM (or its stop signal), SIGKILL after `timeout` seconds; a restarting one just stops. */
  async stop(c: Container, options: { timeout?: number; signal?: string }): Promise<void> {
    const sig = this.stopSignal(c, options.signal);
    if (c.rec.state.Restarting) {
      this.cancelRestart(c);
      c.manuallyStopped = true;
      this.setExited(c, c.rec.state.ExitCode, false);
      this.ctx.emit("container", "stop", c.rec.id, containerAttrs(c));
      return;
    }
    if (!c.rec.state.Running) throw notModified(`container ${c.rec.id} is already stopped`);
    c.manuallyStopped = true;
    await this.terminate(c, sig, options.timeout ?? c.rec.config.StopTimeout ?? 10);
    this.ctx.emit("container", "stop", c.rec.id, containerAttrs(c));
  }

  /** Docker's kill: a signal to a running container (SIGKILL thaws a paused one first). */
  kill(c: Container, ref: string, signal: string | number): void {
    const sig = parseSignal(signal);
    if (sig === null) throw invalid(`Invalid signal: ${signal}`);
    if (!c.rec.state.Running) throw conflict(`Cannot kill container: ${ref}: Container ${c.rec.id} is not running`);
    this.ctx.emit("container", "kill", c.rec.id, { ...containerAttrs(c), signal: String(sig) });
    if (sig === 9 || sig === 15 || sig === 2) c.manuallyStopped = true;
    if (c.rec.state.Paused && sig === 9) {
      c.rt.frozen = false;
      c.rt.process?.pause?.(false);
      c.rec.state.Paused = false;
    }
    c.rt.process?.signal(sig);
  }

  /** Docker's restart: stop (if running), then start; emits `restart`. */
  async restart(c: Container, ref: string, options: { timeout?: number; signal?: string }): Promise<void> {
    this.cancelRestart(c);
    if (c.rec.state.Running) {
      if (c.rec.state.Paused) this.unpause(c);
      c.manuallyStopped = true;
      await this.terminate(c, this.stopSignal(c, options.signal), options.timeout ?? c.rec.config.StopTimeout ?? 10);
      this.ctx.emit("container", "stop", c.rec.id, containerAttrs(c));
    }
    if (c.removed) throw notFound(`No such container: ${ref}`);
    c.manuallyStopped = false;
    this.bootContainer(c, null);
    this.ctx.emit("container", "restart", c.rec.id, containerAttrs(c));
  }

  /** Freezes a running container (its container VM stops dirtying memory). */
  pause(c: Container): void {
    if (!c.rec.state.Running) throw conflict(`Container ${c.rec.id} is not running`);
    if (c.rec.state.Paused) throw conflict(`Container ${c.rec.id} is already paused`);
    this.accountCpu(c);
    c.rt.frozen = true;
    c.rt.process?.pause?.(true);
    c.rec.state.Paused = true;
    c.rec.state.Status = "paused";
    this.ctx.markContainer(c);
    this.ctx.emit("container", "pause", c.rec.id, containerAttrs(c));
  }

  /** Thaws a paused container (what came due while frozen runs now). */
  unpause(c: Container): void {
    if (!c.rec.state.Paused) throw conflict(`Container ${c.rec.id} is not paused`);
    c.rt.frozen = false;
    c.rt.process?.pause?.(false);
    c.rec.state.Paused = false;
    c.rec.state.Status = "running";
    c.rt.cpuSince = this.ctx.now();
    this.ctx.markContainer(c);
    this.ctx.emit("container", "unpause", c.rec.id, containerAttrs(c));
    this.thaw(c);
  }

  /** Waits for a condition: `not-running`, `next-exit` or `removed`. */
  wait(c: Container, condition: "not-running" | "next-exit" | "removed", signal?: AbortSignal): Promise<{ StatusCode: number }> {
    // A script awaiting the exit keeps the process alive (held once waitFor has accepted the condition).
    return waitFor(c, condition, signal).finally(this.ctx.clock.hold());
  }

  /** Docker's rm: a running or restarting container only when forced (SIGKILL first). */
  remove(c: Container, options: { force?: boolean; volumes?: boolean }): void {
    if (c.rec.state.Status === "removing") throw conflict(`removal of container ${c.rec.id} is already in progress`);
    if ((c.rec.state.Running || c.rec.state.Restarting) && !options.force) {
      const what = c.rec.state.Paused ? "container is paused and must be unpaused first" : c.rec.state.Restarting ? "container is restarting: stop the container before removing or force remove" : "container is running: stop the container before removing or force remove";
      throw conflict(`cannot remove container "${c.rec.name}": ${what}`);
    }
    if (c.rec.state.Restarting) {
      this.cancelRestart(c);
      this.setExited(c, c.rec.state.ExitCode, false);
    }
    if (c.rec.state.Running) {
      c.manuallyStopped = true;
      this.ctx.emit("container", "kill", c.rec.id, { ...containerAttrs(c), signal: "9" });
      c.rt.frozen = false;
      c.rec.state.Paused = false;
      c.rt.process?.signal(9);
    }
    this.destroy(c, options.volumes ?? false);
  }

  /** The signal a stop sends: the override, the container's StopSignal, or SIGTERM. */
  private stopSignal(c: Container, override?: string): number {
    const s = override ?? c.rec.config.StopSignal ?? "SIGTERM";
    const n = parseSignal(s);
    if (n === null) throw invalid(`Invalid signal: ${s}`);
    return n;
  }

  // ───────────── transitions ─────────────

  /** Powers the container VM on (placing it, unless HA already chose `placedOn`) and starts the guest. */
  bootContainer(c: Container, placedOn: number | null): void {
    const img = this.images.get(c.rec.imageId);
    if (!img) throw conflict(`image ${c.rec.imageId} of container ${c.rec.id} no longer exists`);
    // An address asked for that cannot be had refuses the start before anything is powered on.
    for (const name of Object.keys(c.rec.networks)) this.nets.checkRequested(name, c.rec.networks[name]);
    this.filesOf(c);
    this.vms.powerOn(c, img, placedOn);
    const now = this.ctx.now();
    c.rt.run++;
    c.rt.guestTimers.clear();
    const run = c.rt.run;
    const s = c.rec.state;
    Object.assign(s, { Status: "running", Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Error: "", ExitCode: 0, StartedAt: rfc3339(now) });
    s.Pid = 1000 + (hash32(`${c.rec.id}/${run}`) % 60000);
    c.rt.frozen = false;
    c.rt.frozenQueue = [];
    c.rt.pendingExit = null;
    c.rt.cpuSince = now;
    c.rt.cpuRate = 0;
    c.rt.precpuSample = null;
    c.rt.runLogStart = c.logs.next;
    for (const n of Object.keys(c.rec.networks)) this.attachEndpoint(c, n);
    this.fs.booted(c, img, this.hostsFile(c));
    for (const m of c.rec.mounts) if (m.Type === "volume") this.ctx.emit("volume", "mount", m.Name!, { container: c.rec.id, destination: m.Destination, driver: "local", propagation: "", "read/write": String(m.RW) });
    this.running.add(c);
    this.ctx.markContainer(c);
    this.ctx.emit("container", "start", c.rec.id, containerAttrs(c));
    const ctx = this.guestContext(c, [], c.rec.config.Tty, c.rec.config.OpenStdin, undefined, undefined, "main");
    const proc = this.guest.spawn([c.rec.path, ...c.rec.args].filter((x, i) => i > 0 || x !== ""), ctx, mainIo(this.mainIoHost, c, run));
    c.rt.process = proc;
    for (const d of c.rt.stdin) proc.stdin(d);
    c.rt.stdin = [];
    if (c.rt.stdinClosed || !c.rec.config.OpenStdin) proc.closeStdin();
    const plan = healthPlan(c.rec.config.Healthcheck);
    if (plan) {
      s.Health = startingHealth(s.Health);
      this.scheduleProbe(c, run, plan, now);
    }
    this.armGuestTick();
  }

  /**
   * The next health probe of run `run` in `plan.intervalMs`: the check's command in the guest,
   * killed at its timeout; the result goes into `State.Health` (a change of status is an event).
   * Probes do not count as work `runUntilIdle` waits for (they never end a container).
   */
  scheduleProbe(c: Container, run: number, plan: HealthPlan, startedAt: number): void {
    this.containerTimer(c, run, plan.intervalMs, () => {
      const health = c.rec.state.Health;
      if (!health || !c.rec.state.Running) return;
      const start = this.ctx.now();
      let output = "";
      let done = false;
      const finish = (exitCode: number) => {
        if (done || c.rt.run !== run) return;
        done = true;
        cancelTimeout();
        const changed = recordProbe(health, plan, { start: rfc3339(start), end: rfc3339(this.ctx.now()), exitCode, output }, this.ctx.now() - startedAt < plan.startPeriodMs);
        this.ctx.markContainer(c);
        if (changed) this.ctx.emit("container", `health_status: ${changed}`, c.rec.id, containerAttrs(c));
        this.scheduleProbe(c, run, plan, startedAt);
      };
      const ctx = this.guestContext(c, [], false, false, undefined, undefined, "exec");
      const probe = this.guest.spawn(plan.argv, ctx, {
        after: (ms, fn) => this.containerTimer(c, run, ms, fn),
        write: (_stream, text) => {
          output += text;
        },
        exit: (status) => finish(status),
        settle: () => this.settleOutside(),
      });
      probe.closeStdin();
      const cancelTimeout = this.containerTimer(c, run, plan.timeoutMs, () => {
        if (done) return;
        output = `Health check exceeded timeout (${plan.timeoutMs / 1000}s)`;
        probe.signal(9);
        finish(-1);
      }, false);
    }, false);
  }

  /** A timer of the guest of run `run`: deferred while paused, dropped once the run ended. */
  containerTimer(c: Container, run: number, ms: number, fn: () => void, tracked = true): Cancel {
    const key = this.nextTimerKey++;
    if (tracked) (c.rt.guestTimers = ownMap(c.rt.guestTimers)).set(key, this.ctx.now() + ms);
    const cancel = this.ctx.clock.after(ms, () => {
      c.rt.guestTimers.delete(key);
      if (c.rt.run !== run || c.removed) return;
      if (c.rt.frozen) c.rt.frozenQueue.push(fn);
      else fn();
    });
    return () => {
      c.rt.guestTimers.delete(key);
      cancel();
    };
  }

  /** The guest process ended by itself or by a signal: die, then the restart policy or auto-remove. */
  processExited(c: Container, status: number): void {
    const policy = (c.rec.hostConfig.RestartPolicy ?? { Name: "no" }) as RestartPolicy;
    this.setExited(c, status, true);
    if (c.removed) return;
    const restart =
      !c.manuallyStopped &&
      (policy.Name === "always" || policy.Name === "unless-stopped" ||
        (policy.Name === "on-failure" && status !== 0 && (!policy.MaximumRetryCount || c.rec.restartCount < policy.MaximumRetryCount)));
    if (restart) {
      const delay = Math.min(RESTART_BACKOFF_MS * 2 ** Math.min(c.rec.restartCount, 20), RESTART_BACKOFF_MAX_MS);
      c.rec.state.Restarting = true;
      c.rec.state.Status = "restarting";
      this.ctx.markContainer(c);
      c.rt.restartDue = this.ctx.now() + delay;
      this.restarting.add(c);
      c.rt.restartTimer = this.ctx.clock.after(delay, () => {
        c.rt.restartTimer = null;
        c.rt.restartDue = null;
        this.restarting.delete(c);
        if (c.removed || !c.rec.state.Restarting) return;
        c.rec.restartCount++;
        try {
          this.bootContainer(c, null);
        } catch (e) {
          c.rec.state.Restarting = false;
          c.rec.state.Status = "exited";
          this.restartFailed(c, e);
          this.wakeWaiters(c, "exit");
        }
      });
      return;
    }
    if (c.rec.hostConfig.AutoRemove) this.destroy(c, true);
  }

  /**
   * A restart the VCH started by itself (a restart policy's backoff, a reopened state folder) could
   * not power the container VM on: the reason goes into `State.Error`, a `restart-failed` event and
   * `info().faults.restartFailures`, since no client call is there to hear the error.
   */
  restartFailed(c: Container, e: unknown): void {
    const reason = e instanceof Error ? e.message : String(e);
    c.rec.state.Error = reason;
    this.ctx.markContainer(c);
    this.ctx.faults.restartFailures++;
    this.ctx.emit("cluster", "restart-failed", c.rec.id, { name: c.rec.name.slice(1), reason });
  }

  /** Marks the container exited with `status`, powering its container VM off. */
  setExited(c: Container, status: number, emitDie: boolean): void {
    const wasRunning = c.rec.state.Running;
    this.accountCpu(c);
    c.rt.run++; // ignore the old guest from now on
    c.rt.guestTimers.clear();
    for (const execId of c.rt.execs) this.execs.kill(execId);
    c.rt.process = null;
    this.vms.powerOff(c, wasRunning);
    this.running.delete(c);
    const s = c.rec.state;
    const now = this.ctx.now();
    Object.assign(s, { Status: "exited", Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: status, FinishedAt: rfc3339(now) });
    c.rt.frozen = false;
    c.rt.frozenQueue = [];
    if (wasRunning) {
      if (emitDie) {
        const started = parseTime(s.StartedAt) ?? now;
        this.ctx.emit("container", "die", c.rec.id, { ...containerAttrs(c), exitCode: String(status), execDuration: String(Math.round((now - started) / 1000)) });
      }
      for (const n of Object.keys(c.rec.networks)) this.detachEndpoint(c, n);
      for (const m of c.rec.mounts) if (m.Type === "volume") this.ctx.emit("volume", "unmount", m.Name!, { container: c.rec.id, driver: "local" });
    }
    this.ctx.markContainer(c);
    for (const l of c.rt.listeners) l(null);
    c.rt.listeners.clear();
    this.wakeWaiters(c, "exit");
  }

  /** The container VM was lost with its host: the run ends (status 255) without a guest exit. */
  abandonRun(c: Container, status: number, error: string): void {
    const wasRunning = c.rec.state.Running;
    this.accountCpu(c);
    c.rt.run++;
    c.rt.guestTimers.clear();
    for (const execId of c.rt.execs) this.execs.kill(execId);
    c.rt.process?.release?.();
    c.rt.process = null;
    c.vm.host = null;
    this.running.delete(c);
    Object.assign(c.rec.state, { Status: "exited", Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: status, Error: error, FinishedAt: rfc3339(this.ctx.now()) });
    if (wasRunning) {
      this.ctx.emit("container", "die", c.rec.id, { ...containerAttrs(c), exitCode: String(status) });
      for (const n of Object.keys(c.rec.networks)) this.detachEndpoint(c, n);
    }
    this.ctx.markContainer(c);
    if (error) {
      for (const l of c.rt.listeners) l(null);
      c.rt.listeners.clear();
      this.wakeWaiters(c, "exit");
    }
  }

  /** Signals the container and waits (virtual time) until it exits; SIGKILL after `timeout` s. */
  async terminate(c: Container, sig: number, timeout: number): Promise<void> {
    if (c.rec.state.Paused) {
      c.rt.frozen = false;
      c.rt.process?.pause?.(false);
      c.rec.state.Paused = false;
      c.rec.state.Status = "running";
      this.thaw(c);
      if (!c.rec.state.Running) return;
    }
    const run = c.rt.run;
    this.ctx.emit("container", "kill", c.rec.id, { ...containerAttrs(c), signal: String(sig) });
    c.rt.process?.signal(sig);
    this.ctx.settle();
    if (c.rt.run !== run || !c.rec.state.Running) return;
    if (timeout >= 0) {
      const exited = new Promise<void>((resolve, reject) => {
        const w: Waiter = { condition: "next-exit", resolve: () => resolve(), reject };
        c.rt.waiters.push(w);
      });
      const cancel = this.ctx.clock.after(timeout * 1000, () => {
        if (c.rt.run === run && c.rec.state.Running) {
          this.ctx.emit("container", "kill", c.rec.id, { ...containerAttrs(c), signal: "9" });
          c.rt.process?.signal(9);
        }
      });
      this.ctx.settle();
      await exited;
      cancel();
    } else {
      await new Promise<void>((resolve, reject) => c.rt.waiters.push({ condition: "next-exit", resolve: () => resolve(), reject }));
    }
  }

  /** Removes the container: its container VM, its name, its anonymous volumes with `volumes`. */
  destroy(c: Container, volumes: boolean): void {
    if (c.removed) return;
    if (c.rec.state.Running) this.setExited(c, c.rec.state.ExitCode, false);
    this.cancelRestart(c);
    c.removed = true;
    this.vms.unregister(c);
    this.registry.delete(c);
    this.execs.forgetAll(c);
    this.ctx.journal.unmark("container", c.rec.id);
    this.fs.dropContainer(c.rec.id);
    this.ctx.journal.unmark("layer", `container/${c.rec.id}`);
    this.ctx.emit("container", "destroy", c.rec.id, containerAttrs(c));
    for (const m of c.rec.mounts) {
      if (m.Type !== "volume" || !m.Name) continue;
      const v = this.vols.get(m.Name);
      if (v && (volumes || c.rec.hostConfig.AutoRemove) && ANONYMOUS_VOLUME_LABEL in v.Labels && !this.registry.volumeUsers(m.Name).length) this.deleteVolume(m.Name);
    }
    for (const l of c.rt.listeners) l(null);
    c.rt.listeners.clear();
    this.wakeWaiters(c, "removed");
  }

  wakeWaiters(c: Container, what: "exit" | "removed"): void {
    wake(c, what);
  }

  cancelRestart(c: Container): void {
    c.rt.restartTimer?.();
    c.rt.restartTimer = null;
    c.rt.restartDue = null;
    this.restarting.delete(c);
  }

  /** Runs what came due while the container was frozen, and an exit that happened meanwhile. */
  thaw(c: Container): void {
    const queued = c.rt.frozenQueue;
    c.rt.frozenQueue = [];
    for (const fn of queued) fn();
    const pending = c.rt.pendingExit;
    c.rt.pendingExit = null;
    if (pending !== null && c.rec.state.Running) this.processExited(c, pending);
  }

  /** A linked container by name, or undefined when it is gone. */
  private linked(name: string): Container | undefined {
    try {
      return this.registry.resolve(name);
    } catch (error) {
      if (error instanceof VchError && error.kind === "notFound") return undefined;
      throw error;
    }
  }

  guestContext(c: Container, extraEnv: string[], tty: boolean, openStdin: boolean, workdir: string | undefined, user: string | undefined, role: "main" | "exec"): GuestContext {
    // The main process may run the image's service command; an exec only when the container declared itself a service.
    const image = this.images.get(c.rec.imageId)?.config ?? { Cmd: null, Entrypoint: null, Env: [], WorkingDir: "", User: "", ExposedPorts: null, Labels: null, Volumes: null };
    const services = serviceCommands(image, c.rec.config.Labels);
    return {
      services: role === "main" || services.includes("*") ? services : [],
      containerId: c.rec.id,
      hostname: c.rec.config.Hostname,
      hostsFile: this.hostsFile(c),
      env: [...c.rec.config.Env, ...linkEnvironment(c, (name) => this.linked(name)), ...extraEnv],
      workingDir: workdir || c.rec.config.WorkingDir,
      user: user || c.rec.config.User,
      groupAdd: c.rec.hostConfig.GroupAdd ?? [],
      tty,
      openStdin,
      now: this.guestNow,
      fs: this.filesOf(c),
      readOnlyRoot: !!c.rec.hostConfig.ReadonlyRootfs,
      // An image built FROM python:3 is a python image: its catalogue base names it, as for the service network.
      image: this.images.get(c.rec.imageId)?.rootfs?.base ?? this.images.parseRef(this.images.get(c.rec.imageId)?.repoTags[0] ?? c.rec.image).repo.split("/").pop()!,
      memoryLimit: Number(c.rec.hostConfig.Memory) || 0,
      entropy: guestEntropyOf(c.rec.config.Labels, c.rec.imageId),
      platform: ((i) => i && `${i.os}/${i.architecture}`)(this.images.get(c.rec.imageId)),
      cpus: Number(c.rec.hostConfig.NanoCpus) / 1e9 || undefined,
      net: serviceNetwork(c, this.netDeps),
    };
  }

  /** The container's filesystem (made on first use; a bind source the runtime cannot open is refused). */
  filesOf(c: Container) {
    return this.fs.of(c, this.images.get(c.rec.imageId), this.hostsFile(c));
  }

  /** The guest acted outside a timer (the shell's promises): settle as a transaction would, unless closed. */
  settleOutside(): void {
    if (!this.ctx.closed) this.ctx.settle();
  }

  hostsFile(c: Container): string { return hostsFileOf(c); }

  // ───── the guest tick and CPU time (guest-tick.ts); endpoints and volumes (attachments.ts) ─────
  armGuestTick(): void { this.tick.armGuestTick(); }
  cpuNsAt(c: Container, now: number): number { return this.tick.cpuNsAt(c, now); }
  accountCpu(c: Container): void { this.tick.accountCpu(c); }
  attachEndpoint(c: Container, name: string): void { this.attachments.attachEndpoint(c, name); }
  detachEndpoint(c: Container, name: string): void { this.attachments.detachEndpoint(c, name); }
  createVolumeRecord(name: string, labels: Record<string, string>): VolumeRecord { return this.attachments.createVolumeRecord(name, labels); }
  deleteVolume(name: string): void { this.attachments.deleteVolume(name); }
  volumeDeleted(name: string): void { this.attachments.volumeDeleted(name); }
}
