/**
 * The deployment (API.md §6, §8) and the read-only nouns around it: datastores, `/info`, `/status`,
 * `/available`. Pause/resume, cluster types, image datastores, security groups, size.
 */
import { ApiError, stateError } from "./errors.js";
import { checkGroups, pushGroups } from "./auth.js";
import type { PhotonPlatform } from "./platform.js";
import { created, ok, required, type Ctx, type Route } from "./route.js";
import type { ClusterType, DeploymentDoc } from "./types.js";

export const VERSION = { baseVersion: "1.1.1", fullVersion: "1.1.1-vicsim", gitCommitHash: "582d170", networkType: "NOT_CONFIGURED" };
const TYPES: ClusterType[] = ["KUBERNETES", "MESOS", "SWARM", "HARBOR"];

export function deploymentJson(p: PhotonPlatform, d: DeploymentDoc, origin: string, authEndpoint: { enabled: boolean; endpoint?: string; port?: number; tenant?: string }): Record<string, unknown> {
  return {
    id: d.id,
    selfLink: `${origin}/deployments/${d.id}`,
    kind: "deployment",
    state: d.state,
    imageDatastores: d.imageDatastores,
    useImageDatastoreForVms: d.useImageDatastoreForVms,
    auth: authEndpoint.enabled
      ? { enabled: true, endpoint: authEndpoint.endpoint, port: authEndpoint.port, tenant: authEndpoint.tenant, securityGroups: d.securityGroups }
      : { enabled: false, endpoint: null, port: null, tenant: null, securityGroups: null },
    stats: { enabled: false },
    networkConfiguration: { sdnEnabled: false },
    loadBalancerEnabled: d.loadBalancerEnabled,
    loadBalancerAddress: p.fleet.address(0),
    // no VIBs: the simulated hosts need no agent upload
    migrationStatus: { completedDataMigrationCycles: d.migration?.cycles ?? 0, dataMigrationCycleProgress: d.migration?.lastCycleSize ?? 0, dataMigrationCycleSize: d.migration?.lastCycleSize ?? 0, vibsUploaded: 0, vibsUploading: 0 },
    clusterConfigurations: d.clusterConfigurations,
  };
}
function dep(c: Ctx): DeploymentDoc {
  if (c.params.id !== c.p.deployment.id) throw new ApiError(404, "DeploymentNotFound", `Deployment #${c.params.id} not found`, { id: c.params.id });
  return c.p.deployment;
}
function transition(op: string, from: DeploymentDoc["state"][], to: DeploymentDoc["state"]): Route {
  return {
    method: "POST",
    path: `/deployments/:id/${op.toLowerCase()}`,
    run(c) {
      const d = dep(c);
      if (!from.includes(d.state)) throw stateError("deployment", d.id, op.toUpperCase(), d.state);
      d.state = to;
      c.p.put("deployment", d);
      return created(c.p.tasks.json(c.p.tasks.completed(op.toUpperCase(), { kind: "deployment", id: d.id }), c.origin));
    },
  };
}

export const deploymentRoutes: Route[] = [
  { method: "GET", path: "/deployments", run: ({ p, origin }) => ok({ items: [deploymentJson(p, p.deployment, origin, p.authShown)], nextPageLink: null, previousPageLink: null }) },
  { method: "GET", path: "/deployments/:id", run: (c) => ok(deploymentJson(c.p, dep(c), c.origin, c.p.authShown)) },
  {
    method: "POST",
    path: "/deployments",
    run: () => {
      throw new ApiError(400, "DeploymentAlreadyExist", "Deployment already exists", {});
    },
  },
  {
    method: "POST",
    path: "/deployments/:id/deploy",
    async run(c) {
      const d = dep(c);
      if (d.state !== "NOT_DEPLOYED") throw stateError("deployment", d.id, "DEPLOY", d.state);
      const want = String((await c.body()).desiredState ?? "READY").toUpperCase();
      if (!["READY", "PAUSED", "BACKGROUND_PAUSED"].includes(want)) throw new ApiError(400, "InvalidEntity", `desiredState must be READY, PAUSED or BACKGROUND_PAUSED (was ${want})`);
      d.state = "CREATING";
      c.p.put("deployment", d);
      const t = c.p.tasks.queue("PERFORM_DEPLOYMENT", { kind: "deployment", id: d.id }, [
        ["PROVISION_CONTROL_PLANE_HOSTS", () => undefined],
        ["PROVISION_CONTROL_PLANE_VMS", () => undefined],
        [
          "PROVISION_CLOUD_HOSTS",
          () => {
            d.state = want as DeploymentDoc["state"];
            c.p.put("deployment", d);
          },
        ],
      ], {}, () => {
        d.state = "ERROR";
        c.p.put("deployment", d);
      });
      return created(c.p.tasks.json(t, c.origin));
    },
  },
  {
    method: "POST",
    path: "/deployments/:id/destroy",
    run(c) {
      const d = dep(c);
      if (!["NOT_DEPLOYED", "READY", "ERROR"].includes(d.state)) throw stateError("deployment", d.id, "DESTROY", d.state);
      const t = c.p.tasks.queue("DESTROY_DEPLOYMENT", { kind: "deployment", id: d.id }, [
        [
          "DESTROY_DEPLOYMENT",
          () => {
            if (c.p.docs.vm.size > 0) throw new ApiError(400, "ContainerNotEmpty", `Deployment '${d.id}' still runs ${c.p.docs.vm.size} VMs`, { kind: "deployment", id: d.id, message: "VMs remain" });
            d.state = "NOT_DEPLOYED";
            c.p.put("deployment", d);
          },
        ],
      ]);
      return created(c.p.tasks.json(t, c.origin));
    },
  },
  {
    method: "DELETE",
    path: "/deployments/:id",
    run(c) {
      const d = dep(c);
      if (!["CREATING", "NOT_DEPLOYED", "DELETED"].includes(d.state)) throw stateError("deployment", d.id, "DELETE_DEPLOYMENT", d.state);
      d.state = "DELETED";
      c.p.put("deployment", d);
      return created(c.p.tasks.json(c.p.tasks.completed("DELETE_DEPLOYMENT", { kind: "deployment", id: d.id }), c.origin));
    },
  },
  transition("pause_system", ["READY", "PAUSED", "BACKGROUND_PAUSED"], "PAUSED"),
  transition("pause_background_tasks", ["READY", "PAUSED", "BACKGROUND_PAUSED"], "BACKGROUND_PAUSED"),
  transition("resume_system", ["READY", "PAUSED", "BACKGROUND_PAUSED"], "READY"),
  {
    method: "POST",
    path: "/deployments/:id/enable_cluster_type",
    async run(c) {
      const d = dep(c);
      const b = await c.body();
      const type = String(b.type ?? "").toUpperCase() as ClusterType;
      if (!TYPES.includes(type)) throw new ApiError(400, "InvalidEntity", `type must be one of ${TYPES.join(", ")} (was ${b.type ?? "null"})`);
      const imageId = required(b.imageId, "imageId");
      c.p.get("image", imageId, "ImageNotFound", "Image");
      if (d.clusterConfigurations.some((x) => x.type === type)) throw new ApiError(400, "ClusterTypeAlreadyConfigured", `Cluster type ${type} is already configured`, { clusterType: type });
      d.clusterConfigurations = [...d.clusterConfigurations, { type, imageId }];
      c.p.put("deployment", d);
      return created(c.p.tasks.json(c.p.tasks.completed("CONFIGURE_CLUSTER", { kind: "deployment", id: d.id }), c.origin));
    },
  },
  {
    method: "POST",
    path: "/deployments/:id/disable_cluster_type",
    async run(c) {
      const d = dep(c);
      const type = String((await c.body()).type ?? "").toUpperCase();
      if (!d.clusterConfigurations.some((x) => x.type === type)) throw new ApiError(404, "ClusterTypeNotConfigured", `Cluster type ${type} is not configured`, { clusterType: type });
      d.clusterConfigurations = d.clusterConfigurations.filter((x) => x.type !== type);
      c.p.put("deployment", d);
      return created(c.p.tasks.json(c.p.tasks.completed("DELETE_CLUSTER_CONFIGURATION", { kind: "deployment", id: d.id }), c.origin));
    },
  },
  {
    method: "POST",
    path: "/deployments/:id/set_image_datastores",
    async run(c) {
      const d = dep(c);
      const items = (await c.body()).items;
      if (!Array.isArray(items) || items.length === 0) throw new ApiError(400, "InvalidEntity", "items size must be between 1 and 2147483647 (was [])");
      d.imageDatastores = [...new Set([...d.imageDatastores, ...items.map(String)])];
      c.p.put("deployment", d);
      return ok(c.p.tasks.json(c.p.tasks.completed("UPDATE_IMAGE_DATASTORES", { kind: "deployment", id: d.id }), c.origin));
    },
  },
  {
    method: "POST",
    path: "/deployments/:id/set_security_groups",
    async run(c) {
      const d = dep(c);
      if (!c.p.authShown.enabled) throw new ApiError(400, "InvalidAuthConfig", "Auth is not enabled, and security groups cannot be set.");
      d.securityGroups = checkGroups((await c.body()).items);
      c.p.put("deployment", d);
      pushGroups(c.p);
      return ok(c.p.tasks.json(c.p.tasks.completed("UPDATE_DEPLOYMENT_SECURITY_GROUPS", { kind: "deployment", id: d.id }), c.origin));
    },
  },
  {
    method: "POST",
    path: "/deployments/:id/sync_hosts_config",
    run(c) {
      const d = dep(c);
      if (d.state !== "READY") throw stateError("deployment", d.id, "SYNC_HOSTS_CONFIG", d.state);
      // the simulated hosts read the deployment's configuration directly: there is nothing to push
      const t = c.p.tasks.queue("SYNC_HOSTS_CONFIG", { kind: "deployment", id: d.id }, [["SYNC_HOSTS_CONFIG_INITIATE", () => undefined]]);
      return ok(c.p.tasks.json(t, c.origin));
    },
  },
  {
    method: "GET",
    path: "/deployments/:id/size",
    run(c) {
      dep(c);
      const p = c.p;
      let hosts = 0;
      for (let h = 0; h < p.fleet.n; h++) if (p.fleet.stateOf(h) !== "DELETED") hosts++;
      return ok({ numberHosts: hosts, numberVMs: p.docs.vm.size, numberTenants: p.docs.tenant.size, numberProjects: p.docs.project.size, numberDatastores: p.fleet.datastores.length, numberClusters: p.docs.cluster.size });
    },
  },
  {
    method: "GET",
    path: "/datastores",
    run: ({ p, query, origin }) =>
      ok(p.pages.page("/datastores", query, (q) => p.fleet.datastores.filter((d) => !q.get("tag") || d.tags.includes(q.get("tag")!)).map((d) => ({ id: d.id, selfLink: `${origin}/datastores/${d.id}`, kind: "datastore", type: d.type, tags: d.tags })))),
  },
  {
    method: "GET",
    path: "/datastores/:id",
    run({ p, params, origin }) {
      const d = p.fleet.datastore(params.id);
      if (!d) throw new ApiError(404, "DatastoreNotFound", `Datastore #${params.id} not found`, { id: params.id });
      return ok({ id: d.id, selfLink: `${origin}/datastores/${d.id}`, kind: "datastore", type: d.type, tags: d.tags });
    },
  },
  { method: "GET", path: "/info", run: () => ok(VERSION) },
  { method: "GET", path: "/available", run: () => ok({}) },
  {
    method: "GET",
    path: "/status",
    run: () => ok({ status: "READY", components: ["PHOTON_CONTROLLER"].map((component) => ({ component, status: "READY", message: null, stats: { READY: "1" }, instances: [{ address: "127.0.0.1", status: "READY", message: null, stats: null }] })) }),
  },
];
