/**
 * The controller's limits and failure ends through the handler: 429 TooManyRequests when too many
 * requests are in flight, 503 OutOfThreadPoolWorker when the task queue is full (both changing nothing),
 * `/status` and `/info` (the system endpoints of 1.1.1), and a cluster whose create fails ending
 * FATAL_ERROR, then deleted with its nodes and its quota given back.
 */
import { describe, expect, it } from "vitest";
import { parsePhotonArgs } from "../bindings/cli/photon.js";
import { photonHarness, type Json } from "./photon-helpers.js";

const BUSY = { code: "OutOfThreadPoolWorker", message: "Unable to process request because system is currently busy.", data: {} };
const TOO_MANY = { code: "TooManyRequests", message: "The API client is generating too many requests at the moment", data: {} };

/** A POST whose body arrives only when `finish` is called: the request stays in flight until then. */
function slowPost(h: ReturnType<typeof photonHarness>["h"], path: string, body: unknown) {
  let push!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
  const reply = h(new Request(`http://pc:9000${path}`, { method: "POST", body: stream, duplex: "half" } as RequestInit));
  return {
    reply,
    finish() {
      push.enqueue(new TextEncoder().encode(JSON.stringify(body)));
      push.close();
    },
  };
}

describe("Photon Platform: 429 TooManyRequests", () => {
  it("refuses a request beyond the in-flight bound with the controller's body, and serves again once one ends", async () => {
    const h = photonHarness({}, { limits: { requestsInFlight: 1 } });
    const slow = slowPost(h.h, "/tenants", { name: "acme" });
    await new Promise((r) => setTimeout(r, 5));
    const refused = await h.call("POST", "/tenants", { name: "other" });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(TOO_MANY);
    expect((await h.call("GET", "/tenants")).status).toBe(429);
    slow.finish();
    const first = await slow.reply;
    expect(first.status).toBe(201);
    // the refused create changed nothing; the one in flight went through
    const tenants = (await h.call("GET", "/tenants")).body.items.map((t: Json) => t.name);
    expect(tenants).toEqual(["acme"]);
    expect((await h.call("POST", "/tenants", { name: "other" })).status).toBe(201);
  });

  it("does not count /auth (open) and the default bound is far above a burst of 500 concurrent requests", async () => {
    const h = photonHarness();
    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => h.call("POST", "/tenants", { name: `t${i}` })));
    expect(replies.filter((r) => r.status !== 201)).toEqual([]);
    const limited = photonHarness({}, { limits: { requestsInFlight: 1 } });
    const slow = slowPost(limited.h, "/tenants", { name: "acme" });
    await new Promise((r) => setTimeout(r, 5));
    expect((await limited.call("GET", "/auth")).body).toEqual({ enabled: false });
    slow.finish();
    expect((await slow.reply).status).toBe(201);
  });

  it("rejects a bound that is not a positive integer", () => {
    expect(() => photonHarness({}, { limits: { requestsInFlight: 0 } })).toThrow("limits.requestsInFlight must be a positive integer, not 0");
    expect(() => photonHarness({}, { limits: { tasksInFlight: 1.5 } })).toThrow("limits.tasksInFlight must be a positive integer, not 1.5");
  });
});

describe("Photon Platform: 503 OutOfThreadPoolWorker", () => {
  it("refuses a task-making call while the task queue is full, debits no quota, and accepts again once tasks end", async () => {
    const h = photonHarness({ stepDelayMs: 30 }, { limits: { tasksInFlight: 2 } });
    const { project, image } = await h.tenantStory();
    const usage = async (): Promise<Json> => (await h.call("GET", `/projects/${project}`)).body.resourceTicket.usage.find((u: Json) => u.key === "vm");
    const a = await h.call("POST", `/projects/${project}/vms`, h.vmSpec(image, { name: "a" }));
    const b = await h.call("POST", `/projects/${project}/vms`, h.vmSpec(image, { name: "b" }));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((await usage()).value).toBe(2);

    const refused = await h.call("POST", `/projects/${project}/vms`, h.vmSpec(image, { name: "c" }));
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual(BUSY);
    // metadata calls and task-answering reads are refused too; plain reads are served
    expect((await h.call("POST", "/tenants", { name: "later" })).body).toEqual(BUSY);
    const vms = (await h.call("GET", `/projects/${project}/vms`)).body.items;
    expect(vms.map((v: Json) => v.name).sort()).toEqual(["a", "b"]);
    expect((await h.call("GET", `/vms/${vms[0].id}/subnets`)).status).toBe(503);
    expect((await usage()).value).toBe(2);

    expect((await h.wait(a.body)).state).toBe("COMPLETED");
    expect((await h.wait(b.body)).state).toBe("COMPLETED");
    const c = await h.call("POST", `/projects/${project}/vms`, h.vmSpec(image, { name: "c" }));
    expect(c.status).toBe(201);
    expect((await h.wait(c.body)).state).toBe("COMPLETED");
    expect((await usage()).value).toBe(3);
    h.p.close();
  });

  it("`photon serve --max-requests/--max-tasks` set the bounds and check them", () => {
    expect(parsePhotonArgs(["serve", "--max-requests", "50", "--max-tasks", "7"]).limits).toEqual({ requestsInFlight: 50, tasksInFlight: 7 });
    expect(parsePhotonArgs(["serve"]).limits).toEqual({ requestsInFlight: undefined, tasksInFlight: undefined });
    expect(() => parsePhotonArgs(["serve", "--max-tasks", "0"])).toThrow("--max-tasks 0: expected an integer from 1 to 1000000");
  });
});

describe("Photon Platform: system endpoints", () => {
  it("GET /status and GET /info answer as API.md shapes them; there is no /system route in 1.1.1", async () => {
    const h = photonHarness();
    const status = (await h.call("GET", "/status")).body;
    expect(status.status).toBe("READY");
    expect(status.components.length).toBeGreaterThan(0);
    for (const c of status.components) expect(["READY", "INITIALIZING", "UNREACHABLE", "ERROR", "PARTIAL_ERROR"]).toContain(c.status);
    const info = (await h.call("GET", "/info")).body;
    expect(Object.keys(info).sort()).toEqual(["baseVersion", "fullVersion", "gitCommitHash", "networkType"]);
    const none = await h.call("GET", "/system/status");
    expect(none.status).toBe(404);
    expect(none.body.code).toBe("NotFound");
  });
});

describe("Photon Platform: clusters in FATAL_ERROR", () => {
  const K8S = { name: "k8s", type: "KUBERNETES", workerCount: 2, extendedProperties: { dns: "10.0.0.2", gateway: "10.0.0.1", netmask: "255.255.255.0", master_ip: "10.0.0.10", etcd_ip1: "10.0.0.11", container_network: "10.2.0.0/16" } };

  it("the periodic maintenance pass cancels on a FATAL_ERROR cluster too, and leaves its nodes", async () => {
    const h = photonHarness({ clusterMaintenanceMs: 20 });
    const { project, image } = await h.tenantStory([{ key: "vm", value: 100, unit: "COUNT" }]);
    await h.run("/flavors", { name: "cluster-master-vm", kind: "vm", cost: [{ key: "vm", value: 1, unit: "COUNT" }, { key: "vm.memory", value: 4096, unit: "GB" }] });
    await h.run(`/deployments/${h.p.deployment.id}/enable_cluster_type`, { type: "KUBERNETES", imageId: image });
    const task = await h.wait((await h.call("POST", `/projects/${project}/clusters`, K8S)).body);
    expect(task.state).toBe("ERROR");
    let c: Json = null;
    for (let i = 0; i < 500; i++) {
      c = (await h.call("GET", `/clusters/${task.entity.id}`)).body;
      if (c.errorReason !== "NotEnoughMemoryResource") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(c).toMatchObject({ state: "FATAL_ERROR", errorReason: "Cluster Maintenance was cancelled, putting cluster into FATAL_ERROR" });
    expect((await h.call("GET", `/clusters/${task.entity.id}/vms`)).body.items).toHaveLength(2);
    h.p.close();
  });

  it("a create whose master cannot be placed ends FATAL_ERROR with the reason; resize is refused; DELETE removes its nodes and gives the quota back", async () => {
    const h = photonHarness();
    // only the VM count is enforced, so the master's memory is a placement refusal, not a quota one
    const { project, image } = await h.tenantStory([{ key: "vm", value: 100, unit: "COUNT" }]);
    // the master flavor asks more memory than any host has (the largest has 1 TB)
    await h.run("/flavors", { name: "cluster-master-vm", kind: "vm", cost: [{ key: "vm", value: 1, unit: "COUNT" }, { key: "vm.cpu", value: 4, unit: "COUNT" }, { key: "vm.memory", value: 4096, unit: "GB" }] });
    await h.run(`/deployments/${h.p.deployment.id}/enable_cluster_type`, { type: "KUBERNETES", imageId: image });
    const vmUsage = async (): Promise<number> => (await h.call("GET", `/projects/${project}`)).body.resourceTicket.usage.find((u: Json) => u.key === "vm").value;

    const task = await h.wait((await h.call("POST", `/projects/${project}/clusters`, K8S)).body);
    expect(task.state).toBe("ERROR");
    const failed = task.steps.find((s: Json) => s.state === "ERROR");
    expect(failed.operation).toBe("CREATE_KUBERNETES_CLUSTER_SETUP_MASTER");
    expect(failed.errors[0].code).toBe("NotEnoughMemoryResource");
    expect(task.steps.filter((s: Json) => s.state === "QUEUED").map((s: Json) => s.operation)).toEqual(["CREATE_KUBERNETES_CLUSTER_UPDATE_EXTENDED_PROPERTIES", "CREATE_KUBERNETES_CLUSTER_SETUP_WORKERS"]);
    const id = task.entity.id;
    const c = (await h.call("GET", `/clusters/${id}`)).body;
    expect(c.state).toBe("FATAL_ERROR");
    expect(c.errorReason).toBe("NotEnoughMemoryResource");
    // the etcd node and the unplaced master stay until the cluster is deleted (quota kept, as for any ERROR VM)
    const nodes = (await h.call("GET", `/clusters/${id}/vms`)).body.items;
    expect(nodes.map((v: Json) => v.state).sort()).toEqual(["ERROR", "STARTED"]);
    expect(await vmUsage()).toBe(2);

    // a FATAL_ERROR cluster neither grows nor is repaired: its maintenance is cancelled, as the controller's was
    const resize = await h.wait((await h.call("POST", `/clusters/${id}/resize`, { newWorkerCount: 5 })).body);
    expect(resize.state).toBe("ERROR");
    expect(resize.steps[0].errors[0]).toMatchObject({ code: "InvalidClusterState", message: `Cluster ${id} is FATAL_ERROR, not READY` });
    expect((await h.call("POST", `/clusters/${id}/trigger_maintenance`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect((await h.call("GET", `/clusters/${id}`)).body).toMatchObject({ state: "FATAL_ERROR", errorReason: "Cluster Maintenance was cancelled, putting cluster into FATAL_ERROR" });
    expect((await h.call("GET", `/clusters/${id}/vms`)).body.items).toHaveLength(2);

    const del = await h.wait((await h.call("DELETE", `/clusters/${id}`)).body);
    expect(del.state).toBe("COMPLETED");
    expect((await h.call("GET", `/clusters/${id}`)).body.code).toBe("ClusterNotFound");
    expect((await h.call("GET", `/projects/${project}/vms`)).body.items).toEqual([]);
    expect(await vmUsage()).toBe(0);
    // the project, now empty, can be deleted
    expect((await h.wait((await h.call("DELETE", `/projects/${project}`)).body)).state).toBe("COMPLETED");
  });
});
