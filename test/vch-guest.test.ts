// The emulated guest and the virtual clock on their own: command vocabulary, signals, timer order.
import { afterEach, describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../bindings/vch/clock.js";
import { EmulatedGuest, parseScript, parseSignal, type GuestContext } from "../bindings/vch/guest.js";

/** Runs argv in the emulated guest on a manual clock; returns output, status and when it exited. */
function runGuest(argv: string[], opts: { stdin?: string[]; advance?: number; signal?: number; env?: string[]; services?: string[] } = {}) {
  const clock = new VirtualClock({ mode: "manual", start: 0 });
  let out = "";
  let err = "";
  let status: number | null = null;
  let exitedAt = -1;
  const ctx: GuestContext = {
    containerId: "c".repeat(64), hostname: "abcdef123456", hostsFile: "127.0.0.1\tlocalhost\n", env: opts.env ?? ["PATH=/bin"],
    workingDir: "/srv", user: "", tty: false, openStdin: opts.stdin !== undefined, now: () => clock.now(),
    services: opts.services ?? [],
  };
  const p = new EmulatedGuest().spawn(argv, ctx, {
    after: (ms, fn) => clock.after(ms, fn),
    write: (s, t) => (s === "stdout" ? (out += t) : (err += t)),
    exit: (s) => {
      status = s;
      exitedAt = clock.now();
    },
  });
  clock.runUntil(0);
  for (const line of opts.stdin ?? []) {
    p.stdin(new TextEncoder().encode(line));
    clock.runUntil(clock.now());
  }
  if (opts.stdin !== undefined) p.closeStdin();
  clock.runUntil(clock.now());
  if (opts.signal !== undefined) p.signal(opts.signal);
  clock.advance(opts.advance ?? 0);
  return { out, err, status, exitedAt };
}

describe("emulated guest vocabulary", () => {
  const rows: [string, string[], { out?: string; err?: string; status: number | null; exitedAt?: number }, Parameters<typeof runGuest>[1]?][] = [
    ["true exits 0 at once", ["true"], { status: 0, exitedAt: 0 }],
    ["false exits 1", ["false"], { status: 1 }],
    ["exit N through sh -c", ["sh", "-c", "exit 300"], { status: 44 }],
    ["echo joins its words", ["echo", "a", "b"], { out: "a b\n", status: 0 }],
    ["echo -n leaves the newline out", ["echo", "-n", "x"], { out: "x", status: 0 }],
    ["echo -e knows escapes", ["echo", "-e", "a\\tb"], { out: "a\tb\n", status: 0 }],
    ["printf reuses its format", ["printf", "%s=%d\\n", "a", "1", "b", "2"], { out: "a=1\nb=2\n", status: 0 }],
    ["printf pads", ["printf", "[%5s][%-3d]", "ab", "7"], { out: "[   ab][7  ]", status: 0 }],
    ["cat /etc/hostname is the container's hostname", ["cat", "/etc/hostname"], { out: "abcdef123456\n", status: 0 }],
    ["cat /etc/hosts", ["cat", "/etc/hosts"], { out: "127.0.0.1\tlocalhost\n", status: 0 }],
    ["cat of a missing file fails", ["cat", "/x"], { err: "cat: can't open '/x': No such file or directory\n", status: 1 }],
    ["sleep lasts its seconds", ["sleep", "2.5"], { status: 0, exitedAt: 2500 }, { advance: 10_000 }],
    ["sleep with a unit", ["sleep", "1m"], { status: 0, exitedAt: 60_000 }, { advance: 100_000 }],
    ["sleep infinity never ends", ["sleep", "infinity"], { status: null }, { advance: 1e9 }],
    ["; runs in order, && and || by status", ["sh", "-c", "echo 1; false && echo 2 || echo 3; true || echo 4"], { out: "1\n3\n", status: 0 }],
    ["$VAR, ${VAR} and $? expand; single quotes do not", ["sh", "-c", "X=5; echo $X ${X}y '$X'; false; echo $?"], { out: "5 5y $X\n1\n", status: 0 }],
    ["exec form does not expand", ["echo", "$HOME"], { out: "$HOME\n", status: 0 }],
    ["the environment is visible", ["sh", "-c", "echo $GREETING"], { out: "hi\n", status: 0 }, { env: ["GREETING=hi"] }],
    ["redirections: >&2, 2>&1, >/dev/null", ["sh", "-c", "echo e >&2; cat /nope 2>&1; echo gone >/dev/null"], { out: "cat: can't open '/nope': No such file or directory\n", err: "e\n", status: 0 }],
    ["pwd is the working dir", ["pwd"], { out: "/srv\n", status: 0 }],
    ["a comment ends the line", ["sh", "-c", "echo a # echo b"], { out: "a\n", status: 0 }],
    ["an entrypoint script execs its arguments", ["docker-entrypoint.sh", "echo", "ok"], { out: "ok\n", status: 0 }],
    ["a container declared a service runs any command until stopped", ["myserver", "--port", "80"], { status: null }, { advance: 1e7, services: ["*"] }],
    ["the image's service command runs until stopped", ["redis-server", "--appendonly", "yes"], { status: null }, { advance: 1e7, services: ["redis-server"] }],
    ["a command outside the vocabulary exits 127 at once, saying so on stderr", ["ls", "/"], { out: "", err: "sh: ls: not found in vicsim's emulated guest (see docs/guest.md)\n", status: 127, exitedAt: 0 }, { advance: 1e7 }],
    ["another image's service command is not one here", ["nginx"], { err: "sh: nginx: not found in vicsim's emulated guest (see docs/guest.md)\n", status: 127 }, { services: ["redis-server"] }],
    ["an unknown word does not halt a script", ["sh", "-c", "mkdir /x; python -c 'print(1)' || echo fallback; echo after"], { out: "fallback\nafter\n", status: 0 }],
    ["a service ends cleanly on SIGTERM", ["nginx", "-g", "daemon off;"], { status: 0 }, { signal: 15, services: ["nginx"] }],
    ["a plain process dies of SIGTERM", ["sleep", "100"], { status: 143 }, { signal: 15 }],
    ["SIGKILL is 137 for anyone", ["redis-server"], { status: 137 }, { signal: 9, services: ["redis-server"] }],
    ["SIGWINCH is ignored", ["sleep", "100"], { status: null }, { signal: 28 }],
    ["cat echoes stdin until it closes", ["cat"], { out: "a\nb\n", status: 0 }, { stdin: ["a\n", "b\n"] }],
    ["sh reads commands from stdin", ["sh"], { out: "x\n", status: 3 }, { stdin: ["echo x\n", "exit 3\n"] }],
    ["sh without stdin exits at once", ["sh"], { status: 0 }],
  ];
  for (const [what, argv, want, opts] of rows) {
    it(what, () => {
      const got = runGuest(argv, opts);
      if (want.out !== undefined) expect(got.out).toBe(want.out);
      if (want.err !== undefined) expect(got.err).toBe(want.err);
      expect(got.status).toBe(want.status);
      if (want.exitedAt !== undefined) expect(got.exitedAt).toBe(want.exitedAt);
    });
  }

  it("parses scripts into simple commands with their connectors", () => {
    expect(parseScript(`a "b c" 'd;e'; f && g || h\ni`)).toEqual([
      { words: ["a", "b c", "d;e"], after: ";" },
      { words: ["f"], after: ";" },
      { words: ["g"], after: "&&" },
      { words: ["h"], after: "||" },
      { words: ["i"], after: ";" },
    ]);
  });

  it("parses signals by name, number and SIG prefix", () => {
    expect([parseSignal("SIGTERM"), parseSignal("term"), parseSignal("9"), parseSignal(2), parseSignal("SIGRTMIN+2")]).toEqual([15, 15, 9, 2, 36]);
    expect([parseSignal("SIGNOPE"), parseSignal(0), parseSignal(65)]).toEqual([null, null, null]);
  });
});

describe("virtual clock", () => {
  it("runs timers in time order, same-time timers in scheduling order, cancelled ones never", () => {
    const clock = new VirtualClock({ mode: "manual", start: 1000 });
    const seen: string[] = [];
    clock.after(20, () => seen.push("b"));
    clock.after(10, () => seen.push("a"));
    clock.after(20, () => seen.push("c"));
    const cancel = clock.after(15, () => seen.push("never"));
    cancel();
    clock.after(5, () => clock.after(0, () => seen.push(`nested@${clock.now()}`)));
    clock.advance(19);
    expect(seen).toEqual(["nested@1005", "a"]);
    expect(clock.now()).toBe(1019);
    clock.advance(1);
    expect(seen).toEqual(["nested@1005", "a", "b", "c"]);
    expect(() => clock.advance(-1)).toThrow("cannot advance the clock by -1 ms");
    expect(() => new VirtualClock({ mode: "realtime" }).advance(1)).toThrow(/manual clock/);
  });
});

describe("real-time clock (fake timers: no wall-clock wait)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("maps wall time onto virtual time with its speed and pumps due timers itself", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const clock = new VirtualClock({ mode: "realtime", speed: 10, start: 0 });
    const fired: number[] = [];
    let settled = 0;
    clock.onSettled = () => settled++;
    clock.after(5_000, () => fired.push(clock.now()));
    clock.after(20_000, () => fired.push(clock.now()));
    vi.advanceTimersByTime(499);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(4_990);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([5_000]);
    expect(settled).toBe(1);
    vi.advanceTimersByTime(1_500);
    expect(fired).toEqual([5_000, 20_000]);
    clock.close();
  });
});
