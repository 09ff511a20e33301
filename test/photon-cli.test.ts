/**
 * VMware's own `photon` CLI (v1.1.1, built by scripts/tools/photon-cli.sh) against `vicsim photon serve`
 * through a socket: the tenant and administrator story of that era, asserting what the CLI prints.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = join(ROOT, "dist/cli.js");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
const PHOTON = join(ROOT, ".tools/photon-cli/photon");

let server: ChildProcess;
let url = "";
let home = mkdtempSync(join(tmpdir(), "photon-cli-"));
const servers: ChildProcess[] = [];

/** Starts `vicsim photon serve …` on a free port; resolves with the URL it prints. */
async function serve(...args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, "photon", "serve", "--listen", "http://127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  servers.push(child);
  let out = "";
  const at = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /photon target set --nocertcheck (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { child, url: at };
}

/** Runs the real CLI; returns what it printed (stdout), or throws with stderr. */
function photon(...args: string[]): string {
  return execFileSync(PHOTON, args, { env: { ...process.env, HOME: home }, encoding: "utf8", timeout: 60_000 });
}
/** Runs it expecting failure; returns stdout + stderr. */
function photonFails(...args: string[]): string {
  try {
    photon(...args);
  } catch (e) {
    const x = e as { stdout: string; stderr: string };
    return x.stdout + x.stderr;
  }
  throw new Error(`photon ${args.join(" ")} succeeded`);
}

beforeAll(async () => {
  if (!existsSync(PHOTON)) {
    try {
      execFileSync("bash", [join(ROOT, "scripts/tools/photon-cli.sh")], { stdio: "pipe", timeout: 300_000 });
    } catch (e) {
      throw new Error(`the photon CLI is missing and could not be built: run \`bash scripts/tools/photon-cli.sh\` (${(e as Error).message})`);
    }
  }
  ({ child: server, url } = await serve("--hosts", "200"));
}, 300_000);
afterAll(() => {
  for (const s of servers) s.kill("SIGTERM");
});

describe("the photon CLI v1.1.1 against vicsim", () => {
  it("drives the tenant and administrator story", () => {
    expect(photon("target", "set", "--nocertcheck", url)).toBe(`API target set to '${url}'\n`);
    expect(photon("target", "info")).toBe("Version: '1.1.1-vicsim'\nNetwork Type: 'NOT_CONFIGURED'\n");
    expect(photon("-n", "tenant", "create", "acme")).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(photon("tenant", "set", "acme")).toBe("Tenant set to 'acme'\n");
    expect(photon("-n", "tenant", "list")).toMatch(/^[0-9a-f-]{36}\tacme\n$/);
    photon("-n", "resource-ticket", "create", "--name", "gold", "--limits", "vm.memory 200 GB, vm 40 COUNT, vm.cpu 100 COUNT");
    expect(photon("-n", "resource-ticket", "list")).toMatch(/\tgold\t/);
    photon("-n", "project", "create", "--resource-ticket", "gold", "--name", "dev", "--limits", "vm.memory 100 GB, vm 20 COUNT, vm.cpu 50 COUNT");
    expect(photon("project", "set", "dev")).toBe("Project set to 'dev'\n");
    photon("-n", "flavor", "create", "--name", "small", "--kind", "vm", "--cost", "vm.memory 4 GB, vm 1 COUNT, vm.cpu 2 COUNT");
    photon("-n", "flavor", "create", "--name", "eph", "--kind", "ephemeral-disk", "--cost", "ephemeral-disk 1 COUNT");
    photon("-n", "flavor", "create", "--name", "pd", "--kind", "persistent-disk", "--cost", "persistent-disk 1 COUNT");
    expect(photon("flavor", "list")).toMatch(/small\s+vm\s/);

    const ova = join(home, "kube.ova");
    writeFileSync(ova, Buffer.alloc(300_000, 7));
    const image = photon("-n", "image", "create", ova, "-n", "kube", "-i", "EAGER").trim();
    expect(image).toMatch(/^[0-9a-f-]{36}$/);
    expect(photon("image", "list")).toMatch(new RegExp(`${image}\\s+kube\\s+READY\\s+300000\\s+EAGER\\s+100.0%`));

    const vm = photon("-n", "vm", "create", "--name", "web-1", "--flavor", "small", "--disks", "boot eph boot=true", "--image", image).trim();
    expect(photon("-n", "vm", "list")).toBe(`${vm}\tweb-1\tSTOPPED\n`);
    photon("-n", "vm", "start", vm);
    const shown = photon("vm", "show", vm);
    expect(shown).toMatch(/State:\s+STARTED/);
    expect(shown).toMatch(/Host:\s+10\.0\.\d+\.\d+/);
    expect(photon("-n", "vm", "networks", vm)).toMatch(/^VM Network\t00:50:56:[0-9a-f:]{8}\t192\.168\.\d+\.\d+\t255\.255\.0\.0\tCONNECTED\n$/);
    // a powered-on VM is not deleted: the task's DELETE_VM step fails
    expect(photonFails("-n", "vm", "delete", vm)).toMatch(/InvalidVmState/);
    photon("-n", "vm", "stop", vm);
    expect(photon("-n", "vm", "list")).toBe(`${vm}\tweb-1\tSTOPPED\n`);

    const disk = photon("-n", "disk", "create", "--name", "d1", "--flavor", "pd", "--capacityGB", "2").trim();
    expect(photon("-n", "disk", "list")).toBe(`${disk}\td1\tDETACHED\n`);
    photon("-n", "vm", "attach-disk", vm, "--disk", disk);
    expect(photon("-n", "disk", "list")).toBe(`${disk}\td1\tATTACHED\n`);
    photon("-n", "vm", "detach-disk", vm, "--disk", disk);
    photon("-n", "disk", "delete", disk);
    photon("-n", "vm", "delete", vm);
    expect(photon("-n", "vm", "list")).toBe("");

    // clusters: the administrator enables the type, the tenant creates, resizes and deletes
    const deployment = photon("-n", "deployment", "list").trim().split("\t")[0];
    photon("-n", "deployment", "enable-cluster-type", deployment, "-k", "KUBERNETES", "-i", image);
    const cluster = photon(
      "-n", "cluster", "create", "-n", "k8s", "-k", "KUBERNETES", "--dns", "10.0.0.2", "--gateway", "10.0.0.1", "--netmask", "255.255.255.0",
      "--master-ip", "10.0.0.10", "--container-network", "10.2.0.0/16", "--etcd1", "10.0.0.11", "-c", "3", "--wait-for-ready",
    );
    expect(cluster).toMatch(/[0-9a-f-]{36}/);
    const id = /([0-9a-f-]{36})/.exec(cluster)![1];
    expect(photon("-n", "cluster", "list")).toMatch(new RegExp(`${id}\\tk8s\\tKUBERNETES\\tREADY\\t3`));
    expect(photon("cluster", "show", id)).toMatch(/Cluster ID:\s+[0-9a-f-]{36}[\s\S]*State:\s+READY/);
    // 1 master + 1 etcd + 3 workers
    expect(photon("-n", "cluster", "list-vms", id).trim().split("\n")).toHaveLength(5);
    photon("-n", "cluster", "resize", id, "5", "--wait-for-ready");
    expect(photon("-n", "cluster", "list-vms", id).trim().split("\n")).toHaveLength(7);
    photon("-n", "cluster", "delete", id);
    expect(photon("-n", "cluster", "list")).toBe("");

    // hosts: a suspended host with no VMs enters maintenance
    const hosts = photon("-n", "host", "list").trim().split("\n");
    expect(hosts).toHaveLength(200);
    const host = hosts[150].split("\t")[0];
    photon("-n", "host", "suspend", host);
    photon("-n", "host", "enter-maintenance", host);
    expect(photon("-n", "host", "show", host)).toMatch(/MAINTENANCE/);
    expect(photon("-n", "availability-zone", "list").trim().split("\n")).toHaveLength(4);
    expect(photon("deployment", "show", deployment)).toMatch(/State:\s+READY[\s\S]*KUBERNETES/);
    const tasks = photon("-n", "task", "list");
    expect(tasks).toMatch(/^[0-9a-f-]{36}\tCOMPLETED\tCREATE_VM\t\d{13}\t\d+$/m);
    const task = tasks.split("\n")[0].split("\t")[0];
    expect(photon("task", "show", task)).toMatch(new RegExp(`^Task:\\s+${task}\nEntity:\\s+tenant [0-9a-f-]{36}\nState:\\s+COMPLETED\nOperation:\\s+CREATE_TENANT\n`));
  }, 240_000);
});

describe("the photon CLI v1.1.1 with Lightwave auth (HTTPS)", () => {
  it("logs in with a password, and a non-administrator is refused and sees only its tenants", async () => {
    const users = join(home, "users.json");
    writeFileSync(users, JSON.stringify({ domain: "esxcloud", users: [{ name: "admin", password: "Adm!n", groups: ["ESXCloudAdmins"] }, { name: "dana", password: "d4na", groups: ["dev"] }] }));
    const s = await serve("--hosts", "20", "--auth", "--users", users);
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    home = mkdtempSync(join(tmpdir(), "photon-cli-auth-"));
    expect(photon("target", "set", "--nocertcheck", s.url)).toBe(`API target set to '${s.url}'\n`);
    expect(photonFails("-n", "tenant", "list")).toMatch(/HTTP status: '401', code: 'MissingAuthToken'/);
    expect(photonFails("target", "login", "-u", "admin@esxcloud", "-p", "wrong")).toMatch(/invalid_grant|Incorrect username or password/);
    expect(photon("target", "login", "-u", "admin@esxcloud", "-p", "Adm!n")).toBe("Token stored in config file\n");
    photon("-n", "tenant", "create", "acme");
    photon("-n", "tenant", "create", "devs", "--security-groups", "esxcloud\\dev");
    expect(photon("-n", "tenant", "list").trim().split("\n").map((l) => l.split("\t")[1])).toEqual(["acme", "devs"]);
    photon("target", "login", "-u", "dana@esxcloud", "-p", "d4na");
    expect(photonFails("-n", "tenant", "create", "other")).toMatch(/HTTP status: '403', code: 'AccessForbidden'/);
    expect(photon("-n", "tenant", "list").trim().split("\n").map((l) => l.split("\t")[1])).toEqual(["devs"]);
  }, 120_000);
});

describe("the photon CLI v1.1.1: system, zones, hosts, a failed cluster, a busy controller", () => {
  /** A fresh CLI configuration targeting `at`, with tenant acme, project dev and an image; returns the image id. */
  const tenantOn = (at: string, ticket: string): string => {
    home = mkdtempSync(join(tmpdir(), "photon-cli-admin-"));
    photon("target", "set", "--nocertcheck", at);
    photon("-n", "tenant", "create", "acme");
    photon("tenant", "set", "acme");
    photon("-n", "resource-ticket", "create", "--name", "gold", "--limits", ticket);
    photon("-n", "project", "create", "--resource-ticket", "gold", "--name", "dev", "--limits", "vm 20 COUNT");
    photon("project", "set", "dev");
    const ova = join(home, "kube.ova");
    writeFileSync(ova, new Uint8Array(3000));
    return photon("-n", "image", "create", ova, "-n", "kube", "-i", "EAGER").trim();
  };

  it("shows the system status, manages availability zones and takes a host through its modes", async () => {
    const s = await serve("--hosts", "20");
    home = mkdtempSync(join(tmpdir(), "photon-cli-admin-"));
    photon("target", "set", "--nocertcheck", s.url);
    expect(photon("system", "status")).toBe("Overall status: READY\n\nComponent          Status\nPHOTON_CONTROLLER  READY\n");

    const zone = photon("-n", "availability-zone", "create", "--name", "zx").trim();
    expect(zone).toMatch(/^[0-9a-f-]{36}$/);
    expect(photon("-n", "availability-zone", "list")).toMatch(new RegExp(`^${zone}\\tzx$`, "m"));
    expect(photon("availability-zone", "show", zone)).toBe(`AvailabilityZone ID: ${zone}\n  Name:        zx\n  Kind:        availability-zone\n  State:       READY\n`);
    expect(photon("-n", "availability-zone", "show", zone)).toBe(`${zone}\tzx\tavailability-zone\tREADY\n`);
    photon("-n", "availability-zone", "delete", zone);
    expect(photon("-n", "availability-zone", "list").trim().split("\n")).toHaveLength(4);

    const host = photon("-n", "host", "list").trim().split("\n")[2].split("\t")[0];
    const state = (): string => photon("-n", "host", "show", host).split("\t")[4];
    photon("-n", "host", "suspend", host);
    expect(state()).toBe("SUSPENDED");
    photon("-n", "host", "resume", host);
    expect(state()).toBe("READY");
    photon("-n", "host", "suspend", host);
    photon("-n", "host", "enter-maintenance", host);
    expect(state()).toBe("MAINTENANCE");
    photon("-n", "host", "exit-maintenance", host);
    expect(state()).toBe("READY");
    // a host that is READY cannot enter maintenance without being suspended first
    expect(photonFails("-n", "host", "enter-maintenance", host)).toContain("code: 'StateError'");
    expect(state()).toBe("READY");
  }, 120_000);

  it("reports a cluster whose master cannot be placed as FATAL_ERROR, and deletes it with its nodes", async () => {
    const s = await serve("--hosts", "20");
    const image = tenantOn(s.url, "vm 40 COUNT");
    // a master flavor larger than any host: placement refuses it
    photon("-n", "flavor", "create", "--name", "cluster-master-vm", "--kind", "vm", "--cost", "vm.memory 4096 GB, vm 1 COUNT, vm.cpu 4 COUNT");
    const deployment = photon("-n", "deployment", "list").trim().split("\t")[0];
    photon("-n", "deployment", "enable-cluster-type", deployment, "-k", "KUBERNETES", "-i", image);
    const failed = photonFails(
      "-n", "cluster", "create", "-n", "k8s", "-k", "KUBERNETES", "--dns", "10.0.0.2", "--gateway", "10.0.0.1", "--netmask", "255.255.255.0",
      "--master-ip", "10.0.0.10", "--etcd1", "10.0.0.11", "--container-network", "10.2.0.0/16", "-c", "2",
    );
    expect(failed).toMatch(/is in error state[\s\S]*code: 'NotEnoughMemoryResource'[\s\S]*CREATE_KUBERNETES_CLUSTER_SETUP_MASTER/);
    const [id, name, type, state] = photon("-n", "cluster", "list").trim().split("\t");
    expect([name, type, state]).toEqual(["k8s", "KUBERNETES", "FATAL_ERROR"]);
    expect(photon("cluster", "show", id)).toMatch(/State:\s+FATAL_ERROR\n[\s\S]*Error Reason:\s+NotEnoughMemoryResource\n/);
    expect(photon("-n", "vm", "list").trim().split("\n").map((l) => l.split("\t")[2]).sort()).toEqual(["ERROR", "STARTED"]);
    photon("-n", "cluster", "delete", id);
    expect(photon("-n", "cluster", "list")).toBe("");
    expect(photon("-n", "vm", "list")).toBe("");
  }, 120_000);

  it("shows and deletes what a tenant made: tenant, ticket, project (--percent), flavor, image, disk; task list --state", async () => {
    const s = await serve("--hosts", "20");
    home = mkdtempSync(join(tmpdir(), "photon-cli-admin-"));
    photon("target", "set", "--nocertcheck", s.url);
    const tenant = photon("-n", "tenant", "create", "acme").trim();
    photon("tenant", "set", "acme");
    expect(photon("tenant", "show", tenant)).toBe(`Tenant ID:  ${tenant}\n  Name:               acme\n`);
    const ticket = photon("-n", "resource-ticket", "create", "--name", "gold", "--limits", "vm 40 COUNT, vm.memory 100 GB").trim();
    expect(photon("-n", "resource-ticket", "show", "gold")).toBe(`gold\t${ticket}\tvm:40:COUNT,vm.memory:100:GB\tvm:0:COUNT,vm.memory:0:GB\n`);
    const project = photon("-n", "project", "create", "--resource-ticket", "gold", "--name", "dev", "--percent", "50").trim();
    // 50 % of each tenant limit is reserved for the project, and debited from the tenant's ticket
    expect(photon("-n", "project", "show", project)).toBe(`${project}\tdev\t${ticket}\tgold\tvm:20:COUNT,vm.memory:50:GB\tvm:0:COUNT,vm.memory:0:GB\t\n`);
    expect(photon("-n", "resource-ticket", "show", "gold")).toMatch(/\tvm:20:COUNT,vm\.memory:50:GB\n$/);
    photon("project", "set", "dev");
    const flavor = photon("-n", "flavor", "create", "--name", "small", "--kind", "vm", "--cost", "vm.memory 4 GB, vm 1 COUNT").trim();
    expect(photon("-n", "flavor", "show", flavor)).toBe(`${flavor}\tsmall\tvm\tvm.memory:4:GB,vm:1:COUNT\tREADY\n`);
    const ova = join(home, "kube.ova");
    writeFileSync(ova, new Uint8Array(3000));
    const image = photon("-n", "image", "create", ova, "-n", "kube", "-i", "EAGER").trim();
    expect(photon("-n", "image", "show", image)).toBe(`${image}\tkube\tREADY\t3000\tEAGER\t100.0%\t100.0%\t\n`);
    photon("-n", "flavor", "create", "--name", "pd", "--kind", "persistent-disk", "--cost", "persistent-disk 1 COUNT");
    const disk = photon("-n", "disk", "create", "--name", "d1", "--flavor", "pd", "--capacityGB", "2").trim();
    expect(photon("disk", "show", disk)).toMatch(new RegExp(`^Disk ID:  ${disk}\n  Name:        d1\n  Kind:        persistent-disk\n  Flavor:      pd\n  CapacityGB:  2\n  State:       DETACHED\n`));
    expect(photon("-n", "task", "list", "--state", "ERROR")).toBe("");
    expect(photon("-n", "task", "list", "--state", "COMPLETED")).toMatch(/^[0-9a-f-]{36}\tCOMPLETED\tCREATE_DISK\t/m);

    photon("-n", "disk", "delete", disk);
    photon("-n", "image", "delete", image);
    expect(photon("-n", "image", "list")).toBe("");
    photon("-n", "flavor", "delete", flavor);
    expect(photon("-n", "flavor", "list")).not.toContain("small");
    photon("-n", "project", "delete", project);
    expect(photon("-n", "project", "list")).toBe("");
    // the reservation is credited back to the tenant's ticket
    expect(photon("-n", "resource-ticket", "show", "gold")).toMatch(/\tvm:0:COUNT,vm\.memory:0:GB\n$/);
    photon("-n", "tenant", "delete", tenant);
    expect(photon("-n", "tenant", "list")).toBe("");
  }, 120_000);

  it("prints 503 OutOfThreadPoolWorker when `serve --max-tasks` is reached, and creates nothing", async () => {
    const s = await serve("--hosts", "20", "--max-tasks", "1", "--step-ms", "1000");
    const image = tenantOn(s.url, "vm 40 COUNT");
    photon("-n", "flavor", "create", "--name", "small", "--kind", "vm", "--cost", "vm.memory 4 GB, vm 1 COUNT, vm.cpu 2 COUNT");
    photon("-n", "flavor", "create", "--name", "eph", "--kind", "ephemeral-disk", "--cost", "ephemeral-disk 1 COUNT");
    // a host suspend holds the only task slot for two 1 s steps
    const host = photon("-n", "host", "list").trim().split("\n")[3].split("\t")[0];
    const suspending = new Promise<void>((resolve, reject) => {
      const c = spawn(PHOTON, ["-n", "host", "suspend", host], { env: { ...process.env, HOME: home }, stdio: "ignore" });
      c.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`host suspend exited ${code}`))));
    });
    for (let i = 0; ; i++) {
      const tasks = (await (await fetch(`${s.url}/tasks?entityKind=host&entityId=${host}`)).json()) as { items: { state: string }[] };
      if (tasks.items.some((t) => t.state !== "COMPLETED" && t.state !== "ERROR")) break;
      if (i > 2000) throw new Error("the host suspend never started");
      await new Promise((r) => setTimeout(r, 5));
    }
    const refused = photonFails("-n", "vm", "create", "--name", "web-1", "--flavor", "small", "--disks", "boot eph boot=true", "--image", image);
    expect(refused).toContain("photon: { HTTP status: '503', code: 'OutOfThreadPoolWorker', message: 'Unable to process request because system is currently busy.', data: 'map[]' }");
    await suspending;
    expect(photon("-n", "vm", "list")).toBe("");
  }, 120_000);
});
