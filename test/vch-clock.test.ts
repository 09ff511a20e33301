// The virtual clock's timer queue under many cancellations (removed containers cancel their guest's
// far-off timers): what runs, and in which order, is what an uncompacted queue would run.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { VirtualClock } from "../bindings/vch/clock.js";

describe("virtual clock", () => {
  it("runs the timers nobody cancelled, in (time, scheduling) order, whatever was cancelled between", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean(), advance: fc.integer({ min: 0, max: 10 }) }), { minLength: 1, maxLength: 400 }),
        (ops) => {
          const clock = new VirtualClock({ mode: "manual", start: 0 });
          const ran: number[] = [];
          const expected: { at: number; seq: number }[] = [];
          const done = new Set<number>();
          ops.forEach((op, seq) => {
            const at = clock.now() + op.ms;
            const cancel = clock.after(op.ms, () => {
              done.add(seq);
              ran.push(seq);
            });
            if (op.cancel) cancel();
            else expected.push({ at, seq });
            if (op.advance) clock.advance(op.advance);
          });
          clock.advance(1000);
          expected.sort((a, b) => a.at - b.at || a.seq - b.seq);
          expect(ran).toEqual(expected.map((e) => e.seq));
          expect(clock.nextDue()).toBeNull();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("drops cancelled far-off timers without waiting for them to come due", () => {
    const clock = new VirtualClock({ mode: "manual", start: 0 });
    let fired = 0;
    const cancels = Array.from({ length: 1000 }, () => clock.after(1e9, () => fired++));
    clock.after(5, () => fired++);
    for (const c of cancels) c();
    expect(clock.nextDue()).toBe(5);
    clock.advance(2e9);
    expect(fired).toBe(1);
    expect(clock.nextDue()).toBeNull();
  });
});
