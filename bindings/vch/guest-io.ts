/**
 * The io a container's main process gets: one plain object per run holding the container, the run
 * and the lifecycle's callbacks, its methods shared by every container (a set of closures per
 * container cost ~0.5 KB each). Methods read `this`, so a guest may spread the io (`{ ...io, exit }`)
 * but not call a method detached from it.
 */
import type { Cancel } from "./clock.js";
import type { Container } from "./container.js";
import type { GuestIo } from "./guest.js";

/** What the main process calls back in the lifecycle: made once, for every container. */
export interface MainIoHost {
  timer(c: Container, run: number, ms: number, fn: () => void): Cancel;
  /** Output of the run (only while it is the container's current run). */
  output(c: Container, stream: "stdout" | "stderr", text: string): void;
  exited(c: Container, status: number, how?: { oomKilled?: boolean }): void;
  settle(): void;
  realClone(c: Container, key: string, image: Uint8Array): void;
  realWrite(c: Container, memory: Uint8Array): void;
  runtime(c: Container, description: string): void;
}

interface Bound {
  readonly host: MainIoHost;
  readonly c: Container;
  readonly run: number;
}

function after(this: Bound, ms: number, fn: () => void): Cancel {
  return this.host.timer(this.c, this.run, ms, fn);
}
function write(this: Bound, stream: "stdout" | "stderr", text: string): void {
  if (this.c.rt.run === this.run) this.host.output(this.c, stream, text);
}
function exit(this: Bound, status: number, how?: { oomKilled?: boolean }): void {
  if (this.c.rt.run === this.run) this.host.exited(this.c, status, how);
}
function settle(this: Bound): void {
  this.host.settle();
}
function runtime(this: Bound, description: string): void {
  this.host.runtime(this.c, description);
}
function cloneFrom(this: Bound, key: string, image: Uint8Array): void {
  if (this.c.rt.run === this.run) this.host.realClone(this.c, key, image);
}
function writeMemory(this: Bound, memory: Uint8Array): void {
  if (this.c.rt.run === this.run) this.host.realWrite(this.c, memory);
}

/** The io of run `run` of container `c`: callbacks of an older run are ignored. */
export function mainIo(host: MainIoHost, c: Container, run: number): GuestIo {
  const io = { host, c, run, after, write, exit, settle, runtime, memory: { host, c, run, cloneFrom, write: writeMemory } };
  return io;
}
