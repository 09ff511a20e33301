/**
 * The emulated busybox `ping`: its output against Debian's busybox pinging the loopback on this
 * machine (round-trip times masked: they are measured there), and what a user sees of names from
 * /etc/hosts and the container's DNS, of a peer that does not answer and of a container on no network.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ContainerFs, ImageFilesystems } from "../bindings/fs/index.js";
import { type Network, runShell } from "../bindings/guests/shell/index.js";

const BUSYBOX = ["/usr/bin/busybox", "/bin/busybox"].find((p) => existsSync(p));
if (!BUSYBOX) throw new Error("busybox is missing: run scripts/tools/busybox.sh (apt-get install -y busybox)");
const images = new ImageFilesystems();
const dec = new TextDecoder();
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

async function sh(script: string, o: { net?: Network; hosts?: string; signalAfterMs?: [number, number] } = {}) {
  const fs = new ContainerFs({ lowers: images.layersOf("busybox"), now: () => T0 });
  if (o.hosts !== undefined) fs.writeFile("/etc/hosts", new TextEncoder().encode(o.hosts));
  let t = T0;
  let stdout = "", stderr = "";
  const stop = new AbortController();
  const status = await runShell({
    // sh -c's last command runs in the shell's own process, as `docker run busybox ping …` does.
    argv: o.signalAfterMs ? script.split(" ") : undefined, script, fs, net: o.net, signal: stop.signal,
    stdout: (c) => { stdout += dec.decode(c); }, stderr: (c) => { stderr += dec.decode(c); },
    clock: {
      now: () => t,
      sleep: async (ms, signal) => {
        const [at, sig] = o.signalAfterMs ?? [Infinity, 0];
        if (t + ms >= T0 + at && !signal?.aborted) { t = T0 + at; stop.abort(sig); return; }
        t += ms;
      },
    },
  });
  return { stdout, stderr, status, elapsed: t - T0 };
}

/** Debian's busybox running the same applet line on this machine. */
function real(args: string[]) {
  const r = spawnSync(BUSYBOX!, ["ping", ...args], { encoding: "utf8", timeout: 20_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const masked = (s: string) => s.replace(/\d+\.\d{3}/g, "T");

/** A network that resolves `web` to 172.18.0.2, which answers, and `gone` to 172.18.0.9, which does not. */
function network(): Network {
  const net: Network = async () => { throw new Error("Connection refused"); };
  const names: Record<string, string> = { web: "172.18.0.2", gone: "172.18.0.9" };
  net.dns = { address: "127.0.0.11", lookup: (name) => (names[name] ? { v4: [names[name]], v6: [] } : null), reverse: () => null };
  net.ping = (address) => (address === "172.18.0.2" ? "answers" : "silent");
  return net;
}

describe("ping as Debian's busybox prints it", () => {
  const cases: [string, string[]][] = [
    ["one echo to the loopback", ["-c1", "127.0.0.1"]],
    ["two echoes of 4 data bytes", ["-c", "2", "-s", "4", "127.0.0.1"]],
    ["quiet", ["-q", "-c1", "127.0.0.1"]],
    ["an unknown option", ["-z", "127.0.0.1"]],
    ["a count that is not a number", ["-c", "x", "127.0.0.1"]],
    ["no host", []],
  ];
  for (const [what, args] of cases) {
    it(what, async () => {
      const mine = await sh(["ping", ...args].join(" "));
      const theirs = real(args);
      expect({ ...mine, stdout: masked(mine.stdout), elapsed: undefined }).toEqual({ ...theirs, stdout: masked(theirs.stdout), elapsed: undefined });
    });
  }
  it("the round trip is a time: `time=0.040 ms`, and the statistics' min/avg/max of the replies", async () => {
    const r = await sh("ping -c3 127.0.0.1");
    expect(r.stdout).toMatch(/^PING 127\.0\.0\.1 \(127\.0\.0\.1\): 56 data bytes\n(64 bytes from 127\.0\.0\.1: seq=\d ttl=64 time=\d\.\d{3} ms\n){3}\n--- 127\.0\.0\.1 ping statistics ---\n3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min\/avg\/max = (\d\.\d{3})\/\d\.\d{3}\/\d\.\d{3} ms\n$/);
    // One second between echoes; the last reply ends it.
    expect(r.elapsed).toBe(2000);
  });
});

describe("signals", () => {
  it("Ctrl-C (SIGINT) ends ping with its statistics and status 0 after replies; SIGTERM kills it (143)", async () => {
    const int = await sh("ping 127.0.0.1", { signalAfterMs: [2500, 2] });
    expect(int.status).toBe(0);
    expect(int.stdout).toMatch(/seq=2 ttl=64 time=\d\.\d{3} ms\n\n--- 127\.0\.0\.1 ping statistics ---\n3 packets transmitted, 3 packets received, 0% packet loss\nround-trip/);
    const term = await sh("ping 127.0.0.1", { signalAfterMs: [2500, 15] });
    expect(term.status).toBe(143);
    expect(term.stdout).not.toContain("statistics");
  });
});

describe("names and peers", () => {
  it("a name in /etc/hosts resolves there first, before the DNS server", async () => {
    const r = await sh("ping -c1 web", { net: network(), hosts: "127.0.0.1\tlocalhost\n# web is here\n127.0.0.1\tweb other\n" });
    expect(r).toMatchObject({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^PING web \(127\.0\.0\.1\): 56 data bytes\n64 bytes from 127\.0\.0\.1: seq=0/);
  });
  it("a name the DNS server knows is pinged at its address", async () => {
    const r = await sh("ping -c1 web", { net: network() });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PING web \(172\.18\.0\.2\): 56 data bytes\n64 bytes from 172\.18\.0\.2: seq=0 ttl=64 time=\d\.\d{3} ms\n/);
  });
  it("a name nobody knows is busybox's bad address, status 1", async () => {
    expect(await sh("ping -c1 nosuch.test", { net: network() })).toMatchObject({ stdout: "", stderr: "ping: bad address 'nosuch.test'\n", status: 1 });
    expect(real(["-c1", "nosuch.invalid"])).toMatchObject({ stdout: "", stderr: "ping: bad address 'nosuch.invalid'\n", status: 1 });
  });
  it("a peer that does not answer: -W seconds of waiting, 100% packet loss, status 1", async () => {
    const r = await sh("ping -c1 -W2 gone", { net: network() });
    expect(r).toMatchObject({ stdout: "PING gone (172.18.0.9): 56 data bytes\n\n--- gone ping statistics ---\n1 packets transmitted, 0 packets received, 100% packet loss\n", stderr: "", status: 1, elapsed: 2000 });
  });
  it("a container on no network reaches only its loopback", async () => {
    expect(await sh("ping -c1 10.0.0.1")).toMatchObject({ stdout: "PING 10.0.0.1 (10.0.0.1): 56 data bytes\n", stderr: "ping: sendto: Network is unreachable\n", status: 1 });
    expect((await sh("ping -c1 localhost")).status).toBe(0);
  });
});
