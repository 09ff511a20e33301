/**
 * Clusters (API.md §9): KUBERNETES, MESOS, SWARM and HARBOR as sets of VMs in a project. The create
 * task checks the spec, builds the fixed nodes and one worker; the cluster's maintenance then adds the
 * remaining workers in batches (20 by default) and the cluster turns READY. Resize grows the same way;
 * delete stops and deletes every node.
 */
import { ApiError, invalidEntity } from "./errors.js";
import { ensureFlavor } from "./flavors.js";
import type { PhotonPlatform } from "./platform.js";
import { project } from "./projects.js";
import { byName, checkName, created, ok, type Route } from "./route.js";
import { filterTasks } from "./tenants.js";
import type { ClusterDoc, ClusterType } from "./types.js";
import { clusterNodes, growWorkers, maintain, node, update } from "./cluster-maintenance.js";
import { destroyVm, vmJson } from "./vms.js";

const TYPES: ClusterType[] = ["KUBERNETES", "MESOS", "SWARM", "HARBOR"];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;

interface NodeGroup {
  step: string;
  role: string;
  prefix: string;
  count: number;
  master: boolean;
}
/** The fixed nodes of each type (workers come after), in step order. */
function layout(c: ClusterDoc): { groups: NodeGroup[]; tail: string[] } {
  const ips = (k: string): number => (c.extendedProperties[k] ? c.extendedProperties[k].split(",").length : 0);
  switch (c.type) {
    case "KUBERNETES":
      return {
        groups: [
          { step: "CREATE_KUBERNETES_CLUSTER_SETUP_ETCD", role: "KubernetesEtcd", prefix: "etcd", count: ips("etcd_ips"), master: false },
          { step: "CREATE_KUBERNETES_CLUSTER_SETUP_MASTER", role: "KubernetesMaster", prefix: "master", count: 1, master: true },
        ],
        tail: ["CREATE_KUBERNETES_CLUSTER_UPDATE_EXTENDED_PROPERTIES", "CREATE_KUBERNETES_CLUSTER_SETUP_WORKERS"],
      };
    case "MESOS":
      return {
        groups: [
          { step: "CREATE_MESOS_CLUSTER_SETUP_ZOOKEEPERS", role: "MesosZookeeper", prefix: "zookeeper", count: ips("zookeeper_ips"), master: false },
          { step: "CREATE_MESOS_CLUSTER_SETUP_MASTERS", role: "MesosMaster", prefix: "master", count: 3, master: true },
          { step: "CREATE_MESOS_CLUSTER_SETUP_MARATHON", role: "MesosMarathon", prefix: "marathon", count: 1, master: false },
        ],
        tail: ["CREATE_MESOS_CLUSTER_SETUP_WORKERS"],
      };
    case "SWARM":
      return {
        groups: [
          { step: "CREATE_SWARM_CLUSTER_SETUP_ETCD", role: "SwarmEtcd", prefix: "etcd", count: ips("etcd_ips"), master: false },
          { step: "CREATE_SWARM_CLUSTER_SETUP_MASTER", role: "SwarmMaster", prefix: "master", count: 1, master: true },
        ],
        tail: ["CREATE_SWARM_CLUSTER_SETUP_WORKERS"],
      };
    case "HARBOR":
      return { groups: [{ step: "CREATE_HARBOR_CLUSTER_SETUP_HARBOR", role: "Harbor", prefix: "harbor", count: 1, master: true }], tail: ["CREATE_HARBOR_CLUSTER_UPDATE_EXTENDED_PROPERTIES"] };
  }
}

/** Checks the type's extendedProperties (SpecInvalid) and returns what the cluster stores. */
export function clusterProperties(type: ClusterType, raw: Record<string, unknown>): Record<string, string> {
  const bad = (m: string): never => {
    throw new ApiError(400, "SpecInvalid", m);
  };
  const get = (k: string): string | undefined => (raw[k] === undefined || raw[k] === null ? undefined : String(raw[k]));
  const ip = (k: string): string => {
    const v = get(k);
    if (v === undefined) bad(`Missing extended property: ${k}`);
    if (!IPV4.test(v!)) bad(`Invalid extended property: ${k}: ${v}`);
    return v!;
  };
  const out: Record<string, string> = { dns: ip("dns"), gateway: ip("gateway"), netmask: ip("netmask") };
  if (get("ssh_key") !== undefined) out.ssh_key = get("ssh_key")!;
  const list = (prefix: string): string => {
    const ips = [1, 2, 3].filter((i) => get(`${prefix}${i}`) !== undefined).map((i) => ip(`${prefix}${i}`));
    if (ips.length === 0) bad(`Missing extended property: ${prefix}1`);
    return ips.join(",");
  };
  if (type === "KUBERNETES") {
    out.etcd_ips = list("etcd_ip");
    out.master_ip = ip("master_ip");
    const cn = get("container_network");
    if (cn === undefined) bad("Missing extended property: container_network");
    if (!CIDR.test(cn!)) bad(`Invalid extended property: container_network: ${cn}`);
    out.container_network = cn!;
  } else if (type === "MESOS") out.zookeeper_ips = list("zookeeper_ip");
  else if (type === "SWARM") out.etcd_ips = list("etcd_ip");
  else {
    out.master_ip = ip("master_ip");
    const pw = get("admin_password");
    if (!pw) bad("Missing extended property: admin_password");
    out.admin_password = pw!;
  }
  return out;
}

export function clusterJson(c: ClusterDoc, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: c.id,
    selfLink: `${origin}/clusters/${c.id}`,
    kind: "cluster",
    name: c.name,
    type: c.type,
    state: c.state,
    projectId: c.projectId,
    workerCount: c.workerCount,
    slaveCount: 0,
    masterVmFlavorName: c.masterVmFlavorName,
    otherVmFlavorName: c.otherVmFlavorName,
    imageId: c.imageId,
    extendedProperties: c.extendedProperties,
  };
  if (c.errorReason) out.errorReason = c.errorReason;
  return out;
}
const cluster = (p: PhotonPlatform, id: string): ClusterDoc => p.get("cluster", id, "ClusterNotFound", "Cluster");

export const clusterRoutes: Route[] = [
  {
    method: "POST",
    path: "/projects/:id/clusters",
    async run({ p, params, body, origin }) {
      const pr = project(p, params.id);
      const b = await body();
      const name = checkName(b.name);
      const type = String(b.type ?? "").toUpperCase() as ClusterType;
      if (!TYPES.includes(type)) throw invalidEntity(`type must be one of KUBERNETES, MESOS, SWARM, HARBOR (was ${b.type ?? "null"})`);
      const workerCount = b.workerCount === undefined ? 1 : Number(b.workerCount);
      if (!Number.isInteger(workerCount) || workerCount < 0 || workerCount > 1000) throw invalidEntity(`workerCount must be between 0 and 1000 (was ${b.workerCount})`);
      const batch = b.workerBatchExpansionSize === undefined || b.workerBatchExpansionSize === null || b.workerBatchExpansionSize === 0 ? 20 : Number(b.workerBatchExpansionSize);
      if (!Number.isInteger(batch) || batch < 1) throw invalidEntity(`workerBatchExpansionSize must be greater than or equal to 0 (was ${b.workerBatchExpansionSize})`);
      const props = (b.extendedProperties ?? {}) as Record<string, unknown>;
      if (typeof props !== "object" || Object.keys(props).length === 0) throw invalidEntity("extendedProperties size must be between 1 and 2147483647 (was {})");
      const vmFlavor = typeof b.vmFlavor === "string" && b.vmFlavor ? b.vmFlavor : null;
      const diskFlavor = typeof b.diskFlavor === "string" && b.diskFlavor ? b.diskFlavor : "cluster-vm-disk";
      const vmNetworkId = typeof b.vmNetworkId === "string" && b.vmNetworkId ? b.vmNetworkId : undefined;
      const id = crypto.randomUUID();
      let c: ClusterDoc | null = null;
      const shape = layout({ type, extendedProperties: { etcd_ips: "x", zookeeper_ips: "x" } } as unknown as ClusterDoc);
      const task = p.tasks.queue(
        "CREATE_CLUSTER",
        // the id is allotted now: the v1.1.1 CLI waits on the create task's entity id (`--wait-for-ready`)
        { kind: "cluster", id },
        [
          [
            `CREATE_${type}_CLUSTER_INITIATE`,
            () => {
              const conf = p.deployment.clusterConfigurations.find((x) => x.type === type);
              if (!conf) throw new ApiError(400, "SpecInvalid", `Cluster type ${type} is not enabled`);
              const extendedProperties = clusterProperties(type, props);
              if (vmNetworkId !== undefined) p.get("subnet", vmNetworkId, "NetworkNotFound", "Network");
              ensureFlavor(p, "cluster-master-vm", "vm", [
                { key: "vm", value: 1, unit: "COUNT" },
                { key: "vm.cpu", value: 4, unit: "COUNT" },
                { key: "vm.memory", value: 8, unit: "GB" },
                { key: "vm.cost", value: 1, unit: "COUNT" },
                { key: "vm.flavor.cluster-master-vm", value: 1, unit: "COUNT" },
              ]);
              ensureFlavor(p, "cluster-other-vm", "vm", [
                { key: "vm", value: 1, unit: "COUNT" },
                { key: "vm.cpu", value: 1, unit: "COUNT" },
                { key: "vm.memory", value: 4, unit: "GB" },
                { key: "vm.cost", value: 1, unit: "COUNT" },
                { key: "vm.flavor.cluster-other-vm", value: 1, unit: "COUNT" },
              ]);
              ensureFlavor(p, "cluster-vm-disk", "ephemeral-disk", [{ key: "ephemeral-disk", value: 1, unit: "COUNT" }]);
              c = {
                id,
                name,
                type,
                state: "CREATING",
                projectId: pr.id,
                workerCount: type === "HARBOR" ? 0 : workerCount,
                batchSize: batch,
                masterVmFlavorName: vmFlavor ?? "cluster-master-vm",
                otherVmFlavorName: vmFlavor ?? "cluster-other-vm",
                diskFlavorName: diskFlavor,
                imageId: conf.imageId,
                vmNetworkId,
                extendedProperties,
              };
              p.put("cluster", c);
            },
          ],
          ...shape.groups.map((g): [string, () => Promise<void>] => [
            g.step,
            async () => {
              const cur = cluster(p, id);
              const real = layout(cur).groups.find((x) => x.step === g.step)!;
              await Promise.all(Array.from({ length: real.count }, () => node(p, cur, real.role, real.prefix, real.master)));
            },
          ]),
          ...shape.tail.map((s): [string, () => Promise<void> | void] => [
            s,
            async () => {
              const cur = cluster(p, id);
              if (s.endsWith("UPDATE_EXTENDED_PROPERTIES")) {
                const ep = { ...cur.extendedProperties };
                if (cur.type === "KUBERNETES") Object.assign(ep, { cluster_version: "v1.6.0", cluster_ui_url: `http://${ep.master_ip}:8080/ui`, client_url: `https://${ep.master_ip}:6443` });
                else ep.cluster_ui_url = `https://${ep.master_ip}`;
                update(p, id, { extendedProperties: ep });
              } else if (cur.workerCount > 0) await growWorkers(p, id, 1);
            },
          ]),
        ],
        { projectId: pr.id, tenantId: pr.tenantId },
        (e) => {
          if (c) update(p, id, { state: "FATAL_ERROR", errorReason: e.message });
        },
      );
      // after the create task: the maintenance adds the other workers, then READY
      p.later(async () => {
        const t = await p.tasks.done(task.id);
        if (t.state === "COMPLETED") maintain(p, id);
      });
      return created(p.tasks.json(task, origin));
    },
  },
  {
    method: "GET",
    path: "/projects/:id/clusters",
    run({ p, params, query, origin }) {
      const pr = project(p, params.id);
      return ok(p.pages.page(`/projects/${pr.id}/clusters`, query, (q) => byName([...p.docs.cluster.values()].filter((c) => c.projectId === pr.id), q).map((c) => clusterJson(c, origin))));
    },
  },
  { method: "GET", path: "/clusters/:id", run: ({ p, params, origin }) => ok(clusterJson(cluster(p, params.id), origin)) },
  {
    method: "GET",
    path: "/clusters/:id/vms",
    run({ p, params, query, origin }) {
      cluster(p, params.id);
      return ok(p.pages.page(`/clusters/${params.id}/vms`, query, (q) => byName(clusterNodes(p, params.id), q).map((v) => vmJson(p, v, origin))));
    },
  },
  {
    method: "POST",
    path: "/clusters/:id/resize",
    async run({ p, params, body, origin }) {
      const c = cluster(p, params.id);
      const n = Number((await body()).newWorkerCount);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalidEntity(`newWorkerCount must be between 1 and 1000 (was ${n})`);
      const task = p.tasks.queue(
        "RESIZE_CLUSTER",
        { kind: "cluster", id: c.id },
        [
          [
            "RESIZE_CLUSTER_INITIALIZE_CLUSTER",
            () => {
              const cur = cluster(p, c.id);
              if (cur.state !== "READY") throw new ApiError(400, "InvalidClusterState", `Cluster ${cur.id} is ${cur.state}, not READY`, { id: cur.id, state: cur.state });
              if (n < cur.workerCount) throw new ApiError(400, "InvalidClusterState", `Cluster ${cur.id} can only grow: it has ${cur.workerCount} workers, ${n} were asked`, { id: cur.id });
              update(p, c.id, { state: "RESIZING", workerCount: n });
            },
          ],
          ["RESIZE_CLUSTER_RESIZE", () => void maintain(p, c.id)],
        ],
        { projectId: c.projectId },
      );
      return created(p.tasks.json(task, origin));
    },
  },
  {
    method: "POST",
    path: "/clusters/:id/trigger_maintenance",
    run({ p, params, origin }) {
      const c = cluster(p, params.id);
      if (c.state === "READY" || c.state === "RECOVERABLE_ERROR" || c.state === "FATAL_ERROR") maintain(p, c.id);
      return ok(p.tasks.json(p.tasks.completed("TRIGGER_CLUSTER_MAINTENANCE", { kind: "cluster", id: c.id }, { projectId: c.projectId }), origin));
    },
  },
  {
    method: "DELETE",
    path: "/clusters/:id",
    run({ p, params, origin }) {
      const c = cluster(p, params.id);
      // PENDING_DELETE at once, unless a running task holds the cluster (this one then ends ConcurrentTask)
      if (!p.tasks.holder({ kind: "cluster", id: c.id })) update(p, c.id, { state: "PENDING_DELETE" });
      const task = p.tasks.queue(
        "RESIZE_CLUSTER",
        { kind: "cluster", id: c.id },
        [
          ["DELETE_CLUSTER_UPDATE_CLUSTER_DOCUMENT", () => undefined],
          [
            "DELETE_CLUSTER_DELETE_VMS",
            () => {
              for (const v of clusterNodes(p, c.id)) destroyVm(p, v);
            },
          ],
          ["DELETE_CLUSTER_DOCUMENT", () => void p.remove("cluster", c.id)],
        ],
        { projectId: c.projectId },
      );
      return created(p.tasks.json(task, origin));
    },
  },
  {
    method: "GET",
    path: "/clusters/:id/tasks",
    run({ p, params, query, origin }) {
      cluster(p, params.id);
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.entity.id === params.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
];
