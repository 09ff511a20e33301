/**
 * A cluster's nodes and its maintenance (API.md §9): nodes are VMs of the project tagged `cluster:<id>`.
 * Maintenance, after create and resize, on `trigger_maintenance` and hourly, replaces inactive workers
 * (not STARTED, or on a host in ERROR) and brings the workers up to `workerCount`; an inactive master,
 * etcd, zookeeper, marathon or harbor node, or a worker that cannot be made, leaves the cluster in
 * RECOVERABLE_ERROR with the reason, and the next maintenance tries again. Maintenance of a FATAL_ERROR
 * cluster is cancelled, as the controller's was: the cluster stays FATAL_ERROR with the cancel's reason.
 */
import { ApiError } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import type { ClusterDoc, ClusterType, VmDoc } from "./types.js";
import { createVm, destroyVm, power } from "./vms.js";

export const WORKER: Record<ClusterType, string> = { KUBERNETES: "KubernetesWorker", MESOS: "MesosWorker", SWARM: "SwarmWorker", HARBOR: "Harbor" };

export function clusterNodes(p: PhotonPlatform, id: string): VmDoc[] {
  const tag = `cluster:${id}`;
  return [...p.docs.vm.values()].filter((v) => v.tags.includes(tag));
}
export const workers = (p: PhotonPlatform, c: ClusterDoc): VmDoc[] => clusterNodes(p, c.id).filter((v) => v.tags.includes(`cluster:${c.id}:${WORKER[c.type]}`));
export const update = (p: PhotonPlatform, id: string, change: Partial<ClusterDoc>): void => {
  const c = p.docs.cluster.get(id);
  if (c) p.put("cluster", { ...c, ...change });
};

/** Creates, starts and waits for one node (a VM of the project); the VM task's error fails the caller's step. */
export async function node(p: PhotonPlatform, c: ClusterDoc, role: string, prefix: string, master: boolean): Promise<void> {
  const { task } = createVm(
    p,
    c.projectId,
    {
      name: `${prefix}-${crypto.randomUUID()}`,
      flavor: master ? c.masterVmFlavorName : c.otherVmFlavorName,
      sourceImageId: c.imageId,
      attachedDisks: [{ name: "boot-disk", kind: "ephemeral-disk", flavor: c.diskFlavorName, bootDisk: true }],
      affinities: [],
      tags: [`cluster:${c.id}`, `cluster:${c.id}:${role}`],
      subnets: c.vmNetworkId ? [c.vmNetworkId] : undefined,
      clusterId: c.id,
    },
    (v) => power(p, v.id, "START_VM"),
  );
  p.commit();
  const done = await p.tasks.done(task.id);
  if (done.state === "ERROR") {
    const e = done.steps.find((s) => s.state === "ERROR")?.errors[0];
    throw new ApiError(400, e?.code ?? "InternalError", e?.message ?? null, e?.data ?? {});
  }
}
/** Adds workers up to `target` in batches of the cluster's batch size. */
export async function growWorkers(p: PhotonPlatform, id: string, target: number): Promise<void> {
  for (;;) {
    const c = p.docs.cluster.get(id);
    if (!c || p.isClosed) return;
    const have = workers(p, c).length;
    if (have >= target) return;
    const n = Math.min(c.batchSize, target - have);
    await Promise.all(Array.from({ length: n }, () => node(p, c, WORKER[c.type], "worker", false)));
  }
}
/** A node that does not serve: its VM is not running, or its host has failed. */
function inactive(p: PhotonPlatform, v: VmDoc): boolean {
  return v.state !== "STARTED" || v.host < 0 || p.fleet.stateOf(v.host) === "ERROR";
}

/** Clusters whose maintenance runs now, and those asked again meanwhile. */
const running = new WeakMap<PhotonPlatform, Map<string, boolean>>();

/** Runs the cluster's maintenance after the current request (once at a time per cluster). */
export function maintain(p: PhotonPlatform, id: string): void {
  let mine = running.get(p);
  if (!mine) running.set(p, (mine = new Map()));
  if (mine.has(id)) {
    mine.set(id, true);
    return;
  }
  mine.set(id, false);
  p.later(async () => {
    try {
      await maintenance(p, id);
    } finally {
      const again = mine.get(id);
      mine.delete(id);
      if (again && !p.isClosed) maintain(p, id);
    }
  });
}

/** The errorReason ClusterMaintenanceTaskService wrote when it found the cluster FATAL_ERROR. */
export const MAINTENANCE_CANCELLED = "Cluster Maintenance was cancelled, putting cluster into FATAL_ERROR";

async function maintenance(p: PhotonPlatform, id: string): Promise<void> {
  const c = p.docs.cluster.get(id);
  if (!c || c.state === "PENDING_DELETE") return;
  if (c.state === "FATAL_ERROR") {
    update(p, id, { errorReason: MAINTENANCE_CANCELLED });
    p.commit();
    return;
  }
  const role = `cluster:${c.id}:${WORKER[c.type]}`;
  try {
    const nodes = clusterNodes(p, id);
    const down = nodes.filter((v) => (c.type === "HARBOR" || !v.tags.includes(role)) && inactive(p, v));
    if (down.length > 0) {
      const v = down[0];
      const kind = v.tags.find((t) => t.startsWith(`cluster:${c.id}:`))!.slice(`cluster:${c.id}:`.length);
      throw new ApiError(400, "InternalError", `${kind} node ${v.id} is ${v.state === "STARTED" ? "on a failed host" : v.state}`);
    }
    for (const v of nodes) if (v.tags.includes(role) && c.type !== "HARBOR" && inactive(p, v)) destroyVm(p, v);
    p.commit();
    await growWorkers(p, id, c.type === "HARBOR" ? 0 : c.workerCount);
    update(p, id, { state: "READY", errorReason: undefined });
  } catch (e) {
    update(p, id, { state: "RECOVERABLE_ERROR", errorReason: (e as Error).message });
  }
  p.commit();
}

/** The hourly pass: every cluster that is neither being made, resized nor deleted. */
export function maintainAll(p: PhotonPlatform): void {
  for (const c of p.docs.cluster.values()) if (c.state === "READY" || c.state === "RECOVERABLE_ERROR" || c.state === "FATAL_ERROR") maintain(p, c.id);
}
