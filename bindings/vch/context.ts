/**
 * What the VCH's modules share: the virtual clock, the seeded random stream, the journal (records
 * marked dirty, events in the outbox) and the fault counters. The facade builds one and hands it to
 * every module; a module owns its own state and reaches the others' only through their methods.
 */
import type { VirtualClock } from "./clock.js";
import { MIN_MEMORY_MIB } from "./config.js";
import type { Container } from "./container.js";
import type { Journal } from "./journal.js";
import type { Rng } from "./rng.js";
import type { VchEventType } from "./types.js";

/** Faults the VCH met and reported (as events too): `info().faults`. */
export interface VchFaults {
  guestWriteFailures: number;
  restartFailures: number;
  outputDropped: number;
}

export class VchContext {
  /** A reopened VCH replaces the stream (restore.ts). */
  rng: Rng;
  closed = false;
  readonly faults: VchFaults = { guestWriteFailures: 0, restartFailures: 0, outputDropped: 0 };
  /** Set by the facade once the journal exists. */
  journal!: Journal;
  /** Smallest memory limit a create may ask for (VchOptions.minMemoryMiB). */
  minMemoryMiB = MIN_MEMORY_MIB;

  constructor(readonly clock: VirtualClock, rng: Rng) {
    this.rng = rng;
  }

  now(): number {
    return this.clock.now();
  }

  /** An event of the current transaction (published once journaled). */
  emit(type: VchEventType, action: string, id: string, attributes: Record<string, string>): void {
    this.journal.emit(type, action, id, attributes, this.clock.now());
  }

  markContainer(c: Container): void {
    if (!c.removed) this.journal.mark("container", c.rec.id);
  }

  /** Runs what is due now (zero-delay guest work); the clock's settle journals and emits. */
  settle(): void {
    if (this.clock.mode === "manual") this.clock.runUntil(this.clock.now());
    else this.journal.settled(this.clock.now());
  }
}
