// Closing a VCH settles what waits on it and leaves nothing behind that keeps the process alive.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { VchError } from "../bindings/vch/errors.js";
import { openVch } from "./fixtures/vch-helpers.js";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("close()", () => {
  it("rejects pending wait()s (every condition) and a stop waiting for the exit with an unavailable VchError", async () => {
    const vch = await openVch();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "100000"] });
      await vch.start(c.id);
      ids.push(c.id);
    }
    const waits = [vch.wait(ids[0]), vch.wait(ids[1], "next-exit"), vch.wait(ids[2], "removed")];
    // A stop signal the guest ignores: stop waits 60 s of virtual time for the exit, and the VCH closes first.
    const stopping = vch.stop(ids[3], { signal: "SIGWINCH", timeout: 60 });
    const settled = Promise.allSettled([...waits, stopping]);
    await vch.close();
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected", "rejected"]);
    for (const r of results) {
      const e = (r as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(VchError);
      expect(e).toMatchObject({ kind: "unavailable", message: "the Virtual Container Host is closing" });
    }
    expect(() => vch.wait(ids[0])).toThrow();
  });

  describe("on a real-time clock, in a process of its own", () => {
    beforeAll(() => {
      execFileSync(process.execPath, ["scripts/build.mjs", "--if-needed"], { cwd: root, stdio: "inherit" });
    }, 300_000);

    it("lets the process exit by itself once closed, with a pending wait and a pending HA declaration", () => {
      const script = `
        import { VirtualContainerHost } from "vicsim";
        const vch = await VirtualContainerHost.open({ cluster: { hosts: 2 }, clock: { mode: "realtime", speed: 1 } });
        await vch.pullImage("busybox");
        const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "100000"] });
        await vch.start(c.id);
        const other = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "100000"] });
        await vch.start(other.id);
        const waiting = vch.wait(c.id).then(() => "resolved", (e) => e.kind + ": " + e.message);
        vch.failHost(vch.getContainer(other.id).host.name === "H0" ? "H1" : "H0");
        await vch.close();
        console.log(await waiting);
      `;
      const started = Date.now();
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 20_000 });
      expect(out.trim()).toBe("unavailable: the Virtual Container Host is closing");
      // Guests sleep 100 000 s and HA would declare the host dead after 15 s: nothing of it held the process.
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  });
});
