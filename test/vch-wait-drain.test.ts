// An exit is told to waiters only once the run's attached readers have taken its last output, as
// dockerd waits for its stream copiers: `docker run` reads the status and the output on two
// connections and must never see the status first (dockerode's run lost a TTY container's output).
import { afterEach, expect, test } from "vitest";
import type { VirtualContainerHost } from "../bindings/vch/index.js";
import { DRAIN_LIMIT_MS } from "../bindings/vch/waiters.js";
import { openVch } from "./fixtures/vch-helpers.js";

let vch: VirtualContainerHost | undefined;
afterEach(async () => {
  await vch?.close();
  vch = undefined;
});

/** Whether a promise has settled by the time the queued jobs and a macrotask have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
}

test("a wait for the exit resolves after the attached reader has read the last output", async () => {
  vch = await openVch();
  const { id: Id } = vch.createContainer({ Image: "busybox", Cmd: ["echo", "last words"], Tty: true });
  const reader = vch.attach(Id, { stream: true, stdout: true, stderr: true })[Symbol.asyncIterator]();
  const exit = vch.wait(Id, "next-exit");
  await vch.start(Id);
  vch.runUntilIdle();
  expect(vch.getContainer(Id).state.Status).toBe("exited");
  expect(await settled(exit)).toBe(false);
  // A wait that comes after the exit also waits for the reader.
  const late = vch.wait(Id, "not-running");
  expect(await settled(late)).toBe(false);
  const first = await reader.next();
  expect(new TextDecoder().decode(first.value!.data)).toBe("last words\r\n"); // a TTY's onlcr
  expect(await settled(exit)).toBe(false);
  expect((await reader.next()).done).toBe(true);
  expect(await exit).toEqual({ StatusCode: 0 });
  expect(await late).toEqual({ StatusCode: 0 });
});

test("a reader that never reads holds the exit back at most the drain limit, and only once", async () => {
  vch = await openVch();
  const { id: Id } = vch.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "exit 3"] });
  vch.attach(Id, { stream: true, stdout: true, stderr: true }); // never read
  const exit = vch.wait(Id, "next-exit");
  await vch.start(Id);
  vch.runUntilIdle();
  const since = Date.now();
  expect(await exit).toEqual({ StatusCode: 3 });
  expect(Date.now() - since).toBeGreaterThanOrEqual(DRAIN_LIMIT_MS - 50);
  // The stuck reader was let go: the next wait answers at once.
  expect(await settled(vch.wait(Id, "not-running"))).toBe(true);
});

test("without an attached reader the exit is told as before, in the same turn", async () => {
  vch = await openVch();
  const { id: Id } = vch.createContainer({ Image: "busybox", Cmd: ["true"] });
  const exit = vch.wait(Id, "next-exit");
  await vch.start(Id);
  vch.runUntilIdle();
  expect(await settled(exit)).toBe(true);
  expect(await exit).toEqual({ StatusCode: 0 });
});
