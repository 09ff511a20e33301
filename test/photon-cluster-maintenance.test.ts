/**
 * Cluster maintenance through the handler (API.md §9): `trigger_maintenance` and the periodic pass
 * replace inactive workers and bring the workers back to `workerCount`; an inactive master, or workers
 * that cannot be made, leave the cluster RECOVERABLE_ERROR until a later pass succeeds.
 */
import { describe, expect, it } from "vitest";
import { photonHarness, type Json } from "./photon-helpers.js";

const SWARM = { name: "swarm", type: "SWARM", workerCount: 3, extendedProperties: { dns: "10.0.0.2", gateway: "10.0.0.1", netmask: "255.255.255.0", etcd_ip1: "10.0.0.11" } };

async function swarm(h: ReturnType<typeof photonHarness>, limits?: Parameters<ReturnType<typeof photonHarness>["tenantStory"]>[0]) {
  const { project, image } = await h.tenantStory(limits);
  await h.run(`/deployments/${h.p.deployment.id}/enable_cluster_type`, { type: "SWARM", imageId: image });
  const made = await h.wait((await h.call("POST", `/projects/${project}/clusters`, SWARM)).body);
  expect(made.state).toBe("COMPLETED");
  const id: string = made.entity.id;
  const until = async (ok: (c: Json, nodes: Json[]) => boolean): Promise<{ c: Json; nodes: Json[] }> => {
    for (let i = 0; i < 5000; i++) {
      const c = (await h.call("GET", `/clusters/${id}`)).body;
      const nodes = (await h.call("GET", `/clusters/${id}/vms`)).body.items;
      if (ok(c, nodes)) return { c, nodes };
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`cluster ${id} never reached the expected state`);
  };
  const role = (nodes: Json[], r: string): Json[] => nodes.filter((v) => v.tags.includes(`cluster:${id}:${r}`));
  await until((c) => c.state === "READY");
  return { id, project, image, until, role };
}

describe("photon cluster maintenance", () => {
  it("trigger_maintenance replaces stopped and deleted workers with new started ones", async () => {
    const h = photonHarness({ hosts: 32 });
    const { id, until, role } = await swarm(h);
    const before = role((await h.call("GET", `/clusters/${id}/vms`)).body.items, "SwarmWorker");
    expect(before.map((v) => v.state)).toEqual(["STARTED", "STARTED", "STARTED"]);
    const [stopped, deleted, kept] = before.map((v) => v.id);
    await h.run(`/vms/${stopped}/stop`);
    await h.run(`/vms/${deleted}/stop`);
    expect((await h.wait((await h.call("DELETE", `/vms/${deleted}`)).body)).state).toBe("COMPLETED");
    const t = await h.call("POST", `/clusters/${id}/trigger_maintenance`);
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ state: "COMPLETED", operation: "TRIGGER_CLUSTER_MAINTENANCE", entity: { kind: "cluster", id } });
    const { c, nodes } = await until((_, nodes) => {
      const w = role(nodes, "SwarmWorker");
      return w.length === 3 && w.every((v) => v.state === "STARTED") && !w.some((v) => v.id === stopped);
    });
    expect(c.state).toBe("READY");
    const ids = role(nodes, "SwarmWorker").map((v) => v.id);
    expect(ids).toContain(kept);
    expect(ids).not.toContain(deleted);
    // the stopped worker was deleted, not restarted
    expect((await h.call("GET", `/vms/${stopped}`)).body.code).toBe("VmNotFound");
    expect(nodes).toHaveLength(5);
    h.p.close();
  });

  it("the periodic pass finds an inactive master (RECOVERABLE_ERROR) and recovers the cluster once it runs again", async () => {
    const h = photonHarness({ hosts: 32, clusterMaintenanceMs: 40 });
    const { id, until, role } = await swarm(h);
    const master = role((await h.call("GET", `/clusters/${id}/vms`)).body.items, "SwarmMaster")[0].id;
    await h.run(`/vms/${master}/stop`);
    // no trigger: the periodic pass notices
    const { c } = await until((c) => c.state === "RECOVERABLE_ERROR");
    expect(c.errorReason).toBe(`SwarmMaster node ${master} is STOPPED`);
    await h.run(`/vms/${master}/start`);
    const back = await until((c) => c.state === "READY");
    expect(back.c.errorReason).toBeUndefined();
    expect(role(back.nodes, "SwarmWorker")).toHaveLength(3);
    h.p.close();
  });

  it("workers that cannot be made (quota) leave the cluster RECOVERABLE_ERROR; the next maintenance recovers it", async () => {
    // the project holds 5 VMs: 1 etcd, 1 master and 3 workers fill it
    const h = photonHarness({ hosts: 32 });
    const { id, project, image, until, role } = await swarm(h, [{ key: "vm", value: 10, unit: "COUNT" }]);
    const worker = role((await h.call("GET", `/clusters/${id}/vms`)).body.items, "SwarmWorker")[0].id;
    await h.run(`/vms/${worker}/stop`);
    await h.wait((await h.call("DELETE", `/vms/${worker}`)).body);
    // another VM takes the freed quota before the maintenance runs
    const squatter = await h.call("POST", `/projects/${project}/vms`, h.vmSpec(image));
    expect(squatter.status).toBe(201);
    await h.call("POST", `/clusters/${id}/trigger_maintenance`);
    const { c } = await until((c) => c.state === "RECOVERABLE_ERROR");
    expect(c.errorReason).toMatch(/^Not enough quota: Current Limit: vm, 5\.0, COUNT/);
    await h.wait(squatter.body);
    await h.wait((await h.call("DELETE", `/vms/${squatter.body.entity.id}`)).body);
    await h.call("POST", `/clusters/${id}/trigger_maintenance`);
    const back = await until((c, nodes) => c.state === "READY" && role(nodes, "SwarmWorker").length === 3);
    expect(role(back.nodes, "SwarmWorker").every((v) => v.state === "STARTED")).toBe(true);
    h.p.close();
  });

  it("a delete while a resize holds the cluster ends ERROR (ConcurrentTask) and leaves the cluster as it was", async () => {
    const h = photonHarness({ hosts: 32, stepDelayMs: 5 });
    const { id, until, role } = await swarm(h);
    const resize = await h.call("POST", `/clusters/${id}/resize`, { newWorkerCount: 4 });
    // a maintenance asked meanwhile runs after the resize's own
    expect((await h.call("POST", `/clusters/${id}/trigger_maintenance`)).status).toBe(200);
    const lost = await h.wait((await h.call("DELETE", `/clusters/${id}`)).body);
    expect(lost.state).toBe("ERROR");
    expect(lost.steps.every((s: Json) => s.state === "QUEUED" && s.errors.length === 0)).toBe(true);
    expect((await h.wait(resize.body)).state).toBe("COMPLETED");
    const { c, nodes } = await until((c, nodes) => c.state === "READY" && role(nodes, "SwarmWorker").length === 4);
    expect(c.workerCount).toBe(4);
    expect(nodes).toHaveLength(6);
    h.p.close();
  });
});
