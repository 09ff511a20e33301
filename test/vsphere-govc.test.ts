// The real govc 0.24.2 (built by scripts/tools/govc.sh) against `serveVsphere` on loopback, and the
// docker CLI on the same VCH: what each user sees, and what each sees of the other's doing.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { serveVsphere, type VsphereServerHandle } from "../bindings/vsphere/node.js";

const GOVC = process.env.GOVC ?? join(process.env.VICSIM_TOOLS ?? join(homedir(), ".cache/vicsim"), "govmomi/bin/govc");
if (!existsSync(GOVC)) throw new Error(`govc 0.24.2 is needed at ${GOVC}: run \`bash scripts/tools/govc.sh\` (as root; builds it offline from Debian's source package)`);
const DOCKER = process.env.DOCKER_CLI ?? "/usr/local/bin/docker";
if (!existsSync(DOCKER)) throw new Error(`the docker CLI is needed at ${DOCKER} for the cross-door tests`);

let vch: VirtualContainerHost;
let vsphere: VsphereServerHandle;
let dockerd: DockerServer;
let home: string;
const ids: Record<string, string> = {};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const govcRun = (...args: string[]): Promise<Run> =>
  run(GOVC, args, { GOVC_URL: vsphere.url.replace("https://", "https://admin:secret@"), GOVC_INSECURE: "1", GOVMOMI_HOME: home });
async function govc(...args: string[]): Promise<string> {
  const r = await govcRun(...args);
  if (r.code !== 0) throw new Error(`govc ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}
async function docker(...args: string[]): Promise<string> {
  const r = await run(DOCKER, args, { DOCKER_HOST: dockerd.dockerHost, DOCKER_CONFIG: home, DOCKER_CLI_HINTS: "false" });
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.code}\n${r.stderr}`);
  return r.stdout;
}
const vmName = (name: string): string => `${name}-${ids[name].slice(0, 12)}`;
const field = (out: string, label: string): string => out.match(new RegExp(`^\\s*${label}:\\s+(.*)$`, "m"))?.[1].trim() ?? "";

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "vicsim-govc-"));
  vch = await VirtualContainerHost.open({ cluster: { hosts: 3 }, clock: { mode: "realtime", speed: 1000 }, name: "vch-govc" });
  await vch.pullImage("busybox");
  for (const name of ["web", "db"]) {
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "100000"], HostConfig: { Memory: 1024 * 1048576 } }, name);
    ids[name] = c.id;
    await vch.start(c.id);
  }
  ids.idle = vch.createContainer({ Image: "busybox", Cmd: ["true"] }, "idle").id;
  vsphere = await serveVsphere(vch, { listen: "https://127.0.0.1:0/sdk", user: "admin", password: "secret" });
  dockerd = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
});
afterAll(async () => {
  await vsphere?.close();
  await dockerd?.close();
  await vch?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("govc reads the VCH's inventory", () => {
  test("about: a vCenter of API 6.7", async () => {
    const out = await govc("about");
    expect(field(out, "API type")).toBe("VirtualCenter");
    expect(field(out, "API version")).toBe("6.7");
  });

  test("a wrong password is refused with vCenter's message", async () => {
    const r = await run(GOVC, ["about"], { GOVC_URL: vsphere.url.replace("https://", "https://admin:wrong@"), GOVC_INSECURE: "1", GOVMOMI_HOME: home, GOVC_PERSIST_SESSION: "false" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("incorrect user name or password");
  });

  test("ls: the datacenter's folders, the VCH's vApp, the cluster's hosts and pool", async () => {
    expect((await govc("ls")).trim().split("\n")).toEqual(["/DC0/vm", "/DC0/host", "/DC0/datastore", "/DC0/network"]);
    expect((await govc("ls", "/DC0/vm")).trim()).toBe("/DC0/vm/vch-govc");
    expect((await govc("ls", "/DC0/host/C0")).trim().split("\n").sort()).toEqual(["/DC0/host/C0/H0", "/DC0/host/C0/H1", "/DC0/host/C0/H2", "/DC0/host/C0/Resources"]);
    expect((await govc("ls", "/DC0/network")).trim().split("\n")).toContain("/DC0/network/bridge");
  });

  test("ls -l: one VirtualMachine per container VM, named name-shortid", async () => {
    const out = await govc("ls", "-l", "/DC0/vm/vch-govc/*");
    expect(out.trim().split("\n").sort()).toEqual(
      [`/DC0/vm/vch-govc/${vmName("db")} (VirtualMachine)`, `/DC0/vm/vch-govc/${vmName("idle")} (VirtualMachine)`, `/DC0/vm/vch-govc/${vmName("web")} (VirtualMachine)`].sort(),
    );
  });

  test("find . -type m: every container VM, by its vApp path", async () => {
    const out = (await govc("find", ".", "-type", "m")).trim().split("\n").sort();
    expect(out).toEqual(["db", "idle", "web"].map((n) => `/DC0/host/C0/Resources/vch-govc/${vmName(n)}`).sort());
  });

  test("vm.info: memory, CPUs, power state, host and IP as Docker has them", async () => {
    const c = vch.getContainer("web");
    const out = await govc("vm.info", vmName("web"));
    expect(field(out, "Name")).toBe(vmName("web"));
    expect(field(out, "Memory")).toBe("1024MB");
    expect(field(out, "CPU")).toBe("2 vCPU(s)");
    expect(field(out, "Power state")).toBe("poweredOn");
    expect(field(out, "Host")).toBe(c.host!.name);
    expect(field(out, "IP address")).toBe(c.networks.bridge.IPAddress);
    expect(field(await govc("vm.info", vmName("idle")), "Power state")).toBe("poweredOff");
  });

  test("vm.info -r: quick stats from the memory engine, the image store and the bridge network", async () => {
    const out = await govc("vm.info", "-r", vmName("web"));
    const mem = vch.vmMemory("web")!;
    expect(field(out, "Guest memory usage")).toBe(`${Math.round((mem.granted * 4096) / 1048576)}MB`);
    expect(field(out, "Storage")).toBe("images");
    expect(field(out, "Network")).toBe("bridge");
  });

  test("host.info: hardware, usage and state of a host", async () => {
    const out = await govc("host.info", "/DC0/host/C0/H1");
    expect(field(out, "Name")).toBe("H1");
    expect(field(out, "Memory")).toBe(`${vch.info().hosts[1].memoryMiB}MB`);
    expect(field(out, "State")).toBe("connected");
  });

  test("object.collect: names and power states through a view and WaitForUpdatesEx", async () => {
    const out = await govc("object.collect", "-type", "m", "/", "name", "runtime.powerState");
    for (const n of ["web", "db"]) expect(out).toMatch(new RegExp(`runtime\\.powerState\\s+types\\.VirtualMachinePowerState\\s+poweredOn`));
    expect(out).toContain(vmName("idle"));
    expect(out).toMatch(/poweredOff/);
  });

  test("metric.sample: a host's consumed memory from the memory engine, in KB, and its CPU usage; a VM's CPU MHz and zero memory", async () => {
    const before = vch.info().hosts[0].memory.used * 4;
    const out = await govc("metric.sample", "/DC0/host/C0/H0", "mem.consumed.average", "cpu.usage.average");
    const after = vch.info().hosts[0].memory.used * 4;
    const consumed = Number(out.match(/^H0\s+-\s+mem\.consumed\.average\s+(\d+)\s+KB$/m)?.[1]);
    // Virtual time runs at 1000× here, so the engine's figure moves (pages dirtied, TPS merging) while
    // govc runs: the sample lies within 5 % of it read just before and after (exact figures: vsphere.test.ts).
    expect(consumed).toBeGreaterThanOrEqual(Math.min(before, after) * 0.95);
    expect(consumed).toBeLessThanOrEqual(Math.max(before, after) * 1.05);
    expect(out).toMatch(/^H0\s+-\s+cpu\.usage\.average\s+[\d.]+\s+%$/m);
    const vm = await govc("metric.sample", `/DC0/vm/vch-govc/${vmName("web")}`, "mem.granted.average");
    expect(vm).toMatch(new RegExp(`^${vmName("web")}\\s+-\\s+mem\\.granted\\.average\\s+\\d+\\s+KB$`, "m"));
    expect((await govc("metric.ls", "/DC0/host/C0/H0")).split("\n")).toEqual(expect.arrayContaining(["mem.consumed.average", "mem.shared.average", "mem.active.average", "cpu.usage.average"]));
    // a VM's CPU from the placement engine (its entitlement), its zero pages from the memory engine
    const cpu = await govc("metric.sample", `/DC0/vm/vch-govc/${vmName("web")}`, "cpu.usagemhz.average", "mem.zero.average");
    const mhz = Number(cpu.match(new RegExp(`^${vmName("web")}\\s+-\\s+cpu\\.usagemhz\\.average\\s+(\\d+)\\s+MHz$`, "m"))?.[1]);
    expect(mhz).toBe(Math.round(vch.vmCpuMHz("web")!));
    expect(cpu).toMatch(new RegExp(`^${vmName("web")}\\s+-\\s+mem\\.zero\\.average\\s+\\d+\\s+KB$`, "m"));
    expect((await govc("metric.ls", `/DC0/vm/vch-govc/${vmName("web")}`)).split("\n")).toEqual(expect.arrayContaining(["cpu.usage.average", "cpu.usagemhz.average", "mem.zero.average"]));
  });

  test("session.ls: the caller's session with user and agent", async () => {
    const out = await govc("session.ls");
    expect(out).toMatch(/admin\s+.*127\.0\.0\.1\s+govc\/0\.24/);
  });
});

describe("govc drives the VCH, docker sees it (and the other way)", () => {
  test("vm.power -off stops the container: docker ps -a shows it exited, docker events has its die; a second power-off is InvalidPowerState", async () => {
    const since = Math.floor(vch.now() / 1000) - 1;
    expect((await govcRun("vm.power", "-off", vmName("db"))).stdout).toContain("OK");
    const ps = await docker("ps", "-a", "--filter", "name=db", "--format", "{{.Status}}");
    expect(ps.trim()).toMatch(/^Exited \(137\)/);
    const events = await docker("events", "--since", String(since), "--until", String(Math.ceil(vch.now() / 1000) + 1), "--filter", "container=db", "--format", "{{.Action}}");
    expect(events.trim().split("\n")).toEqual(expect.arrayContaining(["kill", "die"]));
    const again = await govcRun("vm.power", "-off", vmName("db"));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("cannot be performed in the current state (poweredOff)");
  });

  test("vm.power -on starts it again: docker ps lists it running", async () => {
    await govc("vm.power", "-on", vmName("db"));
    expect((await docker("ps", "--filter", "name=db", "--format", "{{.Status}}")).trim()).toMatch(/^Up /);
  });

  test("docker run makes a VM that govc lists powered on", async () => {
    const id = (await docker("run", "-d", "--name", "api", "busybox", "sleep", "100000")).trim();
    ids.api = id;
    const out = await govc("vm.info", vmName("api"));
    expect(field(out, "Power state")).toBe("poweredOn");
    await docker("stop", "-t", "0", "api");
    expect(field(await govc("vm.info", vmName("api")), "Power state")).toBe("poweredOff");
  });

  test("events: power operations from both doors, newest last as govc prints them", async () => {
    const out = await govc("events", "-n", "50");
    // started before the door opened: the VCH's past events are there too
    expect(out).toMatch(new RegExp(`\\[info\\] Created virtual machine ${vmName("web")}( on H\\d)? in DC0`));
    expect(out).toContain(`[info] ${vmName("db")} in DC0 is powered off`);
    expect(out).toMatch(new RegExp(`\\[info\\] ${vmName("api")} on H\\d in DC0 is powered on`));
    expect(out.indexOf(`${vmName("db")} in DC0 is powered off`)).toBeLessThan(out.lastIndexOf(`${vmName("api")} in DC0 is powered off`));
  });

  test("host.maintenance.enter evacuates the host; exit brings it back", async () => {
    const host = vch.getContainer("web").host!.name;
    await govc("host.maintenance.enter", `/DC0/host/C0/${host}`);
    expect(field(await govc("host.info", `/DC0/host/C0/${host}`), "State")).toBe("Maintenance Mode");
    expect(vch.getContainer("web").host!.name).not.toBe(host);
    expect(field(await govc("vm.info", vmName("web")), "Host")).toBe(vch.getContainer("web").host!.name);
    expect(await govc("events", "-n", "5")).toContain(`Host ${host} in DC0 has entered maintenance mode`);
    await govc("host.maintenance.exit", `/DC0/host/C0/${host}`);
    expect(field(await govc("host.info", `/DC0/host/C0/${host}`), "State")).toBe("connected");
  });

  test("vm.migrate moves a container VM by vMotion to the named host", async () => {
    const from = vch.getContainer("web").host!.name;
    const to = ["H0", "H1", "H2"].find((h) => h !== from)!;
    await govc("vm.migrate", "-host", `/DC0/host/C0/${to}`, vmName("web"));
    expect(vch.getContainer("web").host!.name).toBe(to);
    expect(field(await govc("vm.info", vmName("web")), "Host")).toBe(to);
    expect(await govc("events", "-n", "5")).toContain(`Migration of ${vmName("web")} from ${from} to ${to}`);
  });

  test("a failed host: govc sees it not responding, then HA's restarts elsewhere as events; docker sees the containers running again", async () => {
    const host = vch.getContainer("db").host!.name;
    const result = vch.failHost(host);
    expect(field(await govc("host.info", `/DC0/host/C0/${host}`), "State")).toBe("notResponding");
    // HA declares the host dead 15 virtual seconds later (15 ms here) and restarts its container VMs
    await new Promise((r) => setTimeout(r, Math.max(0, result.declaredDeadAt - vch.now()) / 1000 + 100));
    const events = await govc("events", "-n", "20");
    expect(events).toContain(`[error] Host ${host} in DC0 is not responding`);
    expect(events).toMatch(new RegExp(`vSphere HA restarted virtual machine ${vmName("db")} on host H\\d in cluster C0 \\(it ran on ${host}\\)`));
    expect((await docker("ps", "--filter", "name=db", "--format", "{{.Status}}")).trim()).toMatch(/^Up /);
    expect(field(await govc("vm.info", vmName("db")), "Host")).not.toBe(host);
    vch.recoverHost(host);
  });

  test("cluster.change -drs-mode sets the VCH's DRS automation level", async () => {
    await govc("cluster.change", "-drs-mode", "manual", "/DC0/host/C0");
    expect(vch.info().drs.automation).toBe("manual");
    expect((await govc("object.collect", "-s", "/DC0/host/C0", "configurationEx.drsConfig.defaultVmBehavior")).trim()).toBe("manual");
    await govc("cluster.change", "-drs-mode", "fullyAutomated", "/DC0/host/C0");
    expect(vch.info().drs.automation).toBe("fullyAutomated");
  });
});
