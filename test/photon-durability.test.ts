/**
 * `vicsim photon serve --state DIR` killed with SIGKILL and started again: everything acknowledged is
 * there, a task that was running ends ERROR with its reason, placed VMs still hold their hosts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = new URL("../dist/cli.js", import.meta.url).pathname;
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

async function start(state: string, stepMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, "photon", "serve", "--listen", "http://127.0.0.1:0", "--hosts", "32", "--state", state, "--step-ms", String(stepMs)], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
      const m = /photon target set --nocertcheck (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  return { url, child };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

describe("photon state folder", () => {
  it("loses nothing acknowledged across SIGKILL and ends the running task ERROR", async () => {
    const state = mkdtempSync(join(tmpdir(), "photon-state-"));
    let { url, child } = await start(state, 0);
    const call = async (method: string, path: string, body?: unknown): Promise<J> => (await fetch(url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) })).json();
    const wait = async (t: J): Promise<J> => {
      for (;;) {
        const x = await call("GET", `/tasks/${t.id}`);
        if (x.state === "COMPLETED" || x.state === "ERROR") return x;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const tenant = (await call("POST", "/tenants", { name: "acme" })).entity.id;
    await call("POST", `/tenants/${tenant}/resource-tickets`, { name: "gold", limits: [{ key: "vm", value: 100, unit: "COUNT" }] });
    const project = (await call("POST", `/tenants/${tenant}/projects`, { name: "dev", resourceTicket: { name: "gold", limits: [{ key: "vm", value: 50, unit: "COUNT" }] } })).entity.id;
    await call("POST", "/flavors", { name: "small", kind: "vm", cost: [{ key: "vm", value: 1, unit: "COUNT" }, { key: "vm.memory", value: 2, unit: "GB" }] });
    await call("POST", "/flavors", { name: "eph", kind: "ephemeral-disk", cost: [{ key: "ephemeral-disk", value: 1, unit: "COUNT" }] });
    const fd = new FormData();
    fd.append("ImageReplication", "EAGER");
    fd.append("file", new Blob([new Uint8Array(1000)]), "img.ova");
    const image = (await wait(await (await fetch(url + "/images", { method: "POST", body: fd })).json())).entity.id;
    const spec = { name: "web", flavor: "small", sourceImageId: image, attachedDisks: [{ name: "boot", kind: "ephemeral-disk", flavor: "eph", bootDisk: true }] };
    const done = await wait(await call("POST", `/projects/${project}/vms`, spec));
    const placed = await call("GET", `/vms/${done.entity.id}`);
    expect(placed.state).toBe("STOPPED");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    // slow steps: a VM create is acknowledged, then the process dies while its task runs
    ({ url, child } = await start(state, 5000));
    const inflight = await call("POST", `/projects/${project}/vms`, { ...spec, name: "late" });
    expect(inflight.state).toBe("QUEUED");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    ({ url, child } = await start(state, 0));
    expect((await call("GET", "/tenants")).items.map((t: J) => t.name)).toEqual(["acme"]);
    // the same VM on the same host and datastore (the port, and so selfLink, is new)
    expect({ ...(await call("GET", `/vms/${done.entity.id}`)), selfLink: null }).toEqual({ ...placed, selfLink: null });
    const ended = await call("GET", `/tasks/${inflight.id}`);
    expect(ended.state).toBe("ERROR");
    expect(ended.steps[0].errors[0]).toEqual({ code: "InternalError", message: `Request #${inflight.id} failed due to an internal error: the controller restarted while the task ran`, data: {} });
    expect((await call("GET", `/vms/${inflight.entity.id}`)).state).toBe("ERROR");
    // both VMs keep their quota (an ERROR VM keeps it until deleted)
    expect((await call("GET", `/projects/${project}`)).resourceTicket.usage).toContainEqual({ key: "vm", value: 2, unit: "COUNT" });
    // the placed VM still holds its host: maintenance is refused
    const dep = (await call("GET", "/deployments")).items[0].id;
    const hosts = (await call("GET", `/deployments/${dep}/hosts`)).items;
    const host = hosts.find((h: J) => h.address === placed.host).id;
    await wait(await call("POST", `/hosts/${host}/suspend`));
    expect((await wait(await call("POST", `/hosts/${host}/enter_maintenance`))).steps[0].errors[0].code).toBe("HostHasVms");
    expect((await wait(await call("POST", `/projects/${project}/vms`, { ...spec, name: "again" }))).state).toBe("COMPLETED");
  }, 60_000);
});
