// pyvmomi 6.7.1 (Debian's python3-pyvmomi, under /usr/bin/python3) against `serveVsphere`: connect,
// list hosts and VMs through ContainerViews, power a VM off and WaitForTask, read quick stats.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { serveVsphere, type VsphereServerHandle } from "../bindings/vsphere/node.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = new URL("./fixtures/pyvmomi-session.py", import.meta.url).pathname;
if (!existsSync(PYTHON) || spawnSync(PYTHON, ["-c", "import pyVmomi"]).status !== 0) {
  throw new Error("pyvmomi tests need Debian's python3-pyvmomi under /usr/bin/python3: run `bash scripts/tools/pyvmomi.sh` (as root)");
}

let vch: VirtualContainerHost;
let server: VsphereServerHandle;
let web = "";

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ cluster: { hosts: 4 }, clock: { mode: "manual" }, name: "vch-py" });
  await vch.pullImage("busybox");
  for (const name of ["web", "db", "cache"]) {
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "100000"] }, name);
    await vch.start(c.id);
    if (name === "web") web = `web-${c.id.slice(0, 12)}`;
  }
  server = await serveVsphere(vch, { listen: "https://127.0.0.1:0/sdk" });
});
afterAll(async () => {
  await server?.close();
  await vch?.close();
});

test("pyvmomi: connect, hosts and VMs through views, quick stats, power off with WaitForTask", async () => {
  const { spawn } = await import("node:child_process");
  // The clock is manual: the memory engine's figures hold still while pyvmomi reads them.
  const mem = vch.vmMemory("web")!;
  const lines: Record<string, unknown>[] = await new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, "127.0.0.1", String(server.port), "user", "pass", web]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => (code === 0 ? resolve(stdout.trim().split("\n").map((l) => JSON.parse(l))) : reject(new Error(`pyvmomi exited ${code}\n${stdout}\n${stderr}`))));
  });
  const step = (name: string): Record<string, unknown> => lines.find((l) => l.step === name)!;
  expect(step("about")).toMatchObject({ apiType: "VirtualCenter", apiVersion: "6.7" });
  expect(step("hosts").rows).toEqual(["H0", "H1", "H2", "H3"].map((name) => ({ name, "runtime.connectionState": "connected" })));
  const vms = step("vms").rows as { name: string; "runtime.powerState": string }[];
  expect(vms.map((v) => v["runtime.powerState"])).toEqual(["poweredOn", "poweredOn", "poweredOn"]);
  expect(vms.map((v) => v.name)).toContain(web);
  expect(step("quickStats")).toMatchObject({ guestMemoryUsage: Math.round((mem.granted * 4096) / 1048576), privateMemory: Math.round((mem.private * 4096) / 1048576) });
  expect(step("poweredOff")).toEqual({ step: "poweredOff", state: "success", powerState: "poweredOff" });
  expect(step("again")).toEqual({ step: "again", fault: "InvalidPowerState", existing: "poweredOff" });
  expect(vch.getContainer("web").state.Status).toBe("exited");
  expect(step("done")).toBeTruthy();
}, 60_000);
