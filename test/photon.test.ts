/** Photon Platform through its web-standard handler, in process: resources, tasks, errors, pagination. */
import { describe, expect, it } from "vitest";
import { photonHarness } from "./photon-helpers.js";

describe("photon handler: resources and tasks", () => {
  it("answers metadata-only creates with a COMPLETED task and lists what it made", async () => {
    const { call, tenantStory } = photonHarness();
    const { tenant, project } = await tenantStory();
    const r = await call("POST", "/tenants", { name: "other" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ state: "COMPLETED", operation: "CREATE_TENANT", entity: { kind: "tenant" }, steps: [] });
    expect(r.body.queuedTime).toBe(r.body.endTime);
    expect(r.body.selfLink).toBe(`http://pc:9000/tasks/${r.body.id}`);
    const t = await call("GET", `/tenants/${tenant}`);
    expect(t.body).toMatchObject({ kind: "tenant", name: "acme", resourceTickets: [{ name: "gold" }], securityGroups: [] });
    const pr = await call("GET", `/projects/${project}`);
    // subdivide.percent 50: half of each tenant limit
    expect(pr.body.resourceTicket.limits).toEqual([{ key: "vm.memory", value: 500, unit: "GB" }, { key: "vm", value: 250, unit: "COUNT" }, { key: "vm.cpu", value: 500, unit: "COUNT" }]);
    const ticket = await call("GET", `/resource-tickets/${pr.body.resourceTicket.tenantTicketId}`);
    expect(ticket.body.usage).toEqual([{ key: "vm.memory", value: 500, unit: "GB" }, { key: "vm", value: 250, unit: "COUNT" }, { key: "vm.cpu", value: 500, unit: "COUNT" }]);
    expect((await call("GET", "/tenants?name=acme")).body.items.map((x: { name: string }) => x.name)).toEqual(["acme"]);
  });

  it("creates a VM STOPPED through RESERVE_RESOURCE and CREATE_VM, powers it, and deletes it crediting quota", async () => {
    const { call, run, wait, tenantStory, vmSpec } = photonHarness();
    const { project, image } = await tenantStory();
    const post = await call("POST", `/projects/${project}/vms`, vmSpec(image));
    expect(post.status).toBe(201);
    expect(post.body.state).toBe("QUEUED");
    expect(post.body.steps.map((s: { operation: string }) => s.operation)).toEqual(["RESERVE_RESOURCE", "CREATE_VM"]);
    // quota is debited inside the POST
    expect((await call("GET", `/projects/${project}`)).body.resourceTicket.usage).toContainEqual({ key: "vm", value: 1, unit: "COUNT" });
    const done = await wait(post.body);
    expect(done.state).toBe("COMPLETED");
    const vm = done.entity.id;
    const v = (await call("GET", `/vms/${vm}`)).body;
    expect(v).toMatchObject({ kind: "vm", name: "web", flavor: "small", state: "STOPPED", sourceImageId: image });
    expect(v.host).toMatch(/^10\.0\.\d+\.\d+$/);
    expect((await run(`/vms/${vm}/start`)).state).toBe("COMPLETED");
    expect((await call("GET", `/vms/${vm}`)).body.state).toBe("STARTED");
    expect((await run(`/vms/${vm}/suspend`)).state).toBe("COMPLETED");
    expect((await call("GET", `/vms/${vm}`)).body.state).toBe("SUSPENDED");
    expect((await run(`/vms/${vm}/resume`)).state).toBe("COMPLETED");
    // a started VM is not deleted: the task's DELETE_VM step says so
    const del = await wait((await call("DELETE", `/vms/${vm}`)).body);
    expect(del.state).toBe("ERROR");
    expect(del.steps.map((s: { state: string }) => s.state)).toEqual(["COMPLETED", "ERROR"]);
    expect(del.steps[1].errors[0]).toEqual({ code: "InvalidVmState", message: `VM ${vm} not powered off`, data: { id: vm, state: "STARTED" } });
    await run(`/vms/${vm}/stop`);
    await run(`/vms/${vm}/tags`, { value: "web-tier" });
    await run(`/vms/${vm}/set_metadata`, { metadata: { owner: "ops" } });
    expect((await call("GET", `/vms/${vm}`)).body).toMatchObject({ tags: ["web-tier"], metadata: { owner: "ops" } });
    expect((await wait((await call("DELETE", `/vms/${vm}`)).body)).state).toBe("COMPLETED");
    expect((await call("GET", `/vms/${vm}`)).status).toBe(404);
    expect((await call("GET", `/projects/${project}`)).body.resourceTicket.usage).toContainEqual({ key: "vm", value: 0, unit: "COUNT" });
  });

  it("refuses over quota with 400 QuotaError and creates nothing", async () => {
    const { call, tenantStory, vmSpec } = photonHarness();
    const { project, image } = await tenantStory([{ key: "vm.memory", value: 8, unit: "GB" }]);
    // project has 4 GB (50 %): two VMs of 2 GB fit exactly, the third does not
    expect((await call("POST", `/projects/${project}/vms`, vmSpec(image))).status).toBe(201);
    expect((await call("POST", `/projects/${project}/vms`, vmSpec(image))).status).toBe(201);
    const r = await call("POST", `/projects/${project}/vms`, vmSpec(image));
    expect(r).toEqual({
      status: 400,
      body: { code: "QuotaError", message: "Not enough quota: Current Limit: vm.memory, 4.0, GB, desiredUsage vm.memory, 6.0, GB", data: { limit: "vm.memory, 4.0, GB", usage: "vm.memory, 4.0, GB", newUsage: "vm.memory, 6.0, GB" } },
    });
    expect((await call("GET", `/projects/${project}/vms`)).body.items).toHaveLength(2);
  });

  it("ends RESERVE_RESOURCE in ERROR with the scheduler's code and leaves the VM in ERROR with its quota", async () => {
    const { call, wait, run, tenantStory, vmSpec } = photonHarness({ hosts: 8, zones: 2 });
    const { project, image } = await tenantStory([{ key: "vm.memory", value: 20_000, unit: "GB" }]);
    await run("/flavors", { name: "huge", kind: "vm", cost: [{ key: "vm.memory", value: 2000, unit: "GB" }, { key: "vm.cpu", value: 1, unit: "COUNT" }] });
    // 2,000 GB: more than the largest host (1 TB) has
    const big = await wait((await call("POST", `/projects/${project}/vms`, vmSpec(image, { flavor: "huge" }))).body);
    expect(big.state).toBe("ERROR");
    expect(big.steps[0]).toMatchObject({ operation: "RESERVE_RESOURCE", state: "ERROR", errors: [{ code: "NotEnoughMemoryResource", message: null, data: {} }] });
    expect(big.steps[1].state).toBe("QUEUED");
    expect((await call("GET", `/vms/${big.entity.id}`)).body.state).toBe("ERROR");
    const zones = (await call("GET", "/availabilityzones")).body.items;
    const placed = await wait((await call("POST", `/projects/${project}/vms`, vmSpec(image, { affinities: [{ kind: "availabilityZone", id: zones[1].id }] }))).body);
    const vm = (await call("GET", `/vms/${placed.entity.id}`)).body;
    const host = (await call("GET", `/deployments/${(await call("GET", "/deployments")).body.items[0].id}/hosts`)).body.items.find((x: { address: string }) => x.address === vm.host);
    expect(host.availabilityZone).toBe(zones[1].id);
    // an AZ with no hosts: NoSuchResource
    const empty = (await run("/availabilityzones", { name: "empty" })).entity.id;
    const none = await wait((await call("POST", `/projects/${project}/vms`, vmSpec(image, { affinities: [{ kind: "availabilityZone", id: empty }] }))).body);
    expect(none.steps[0].errors[0].code).toBe("NoSuchResource");
    // pinned to a host
    const pinned = await wait((await call("POST", `/projects/${project}/vms`, vmSpec(image, { affinities: [{ kind: "host", id: host.id }] }))).body);
    expect((await call("GET", `/vms/${pinned.entity.id}`)).body.host).toBe(host.address);
  });

  it("refuses maintenance while a host has VMs (HostHasVms), allows it once they are gone", async () => {
    const { call, run, wait, tenantStory, vmSpec, p } = photonHarness({ hosts: 4, zones: 1 });
    const { project, image } = await tenantStory();
    const vm = (await run(`/projects/${project}/vms`, vmSpec(image))).entity.id;
    const address = (await call("GET", `/vms/${vm}`)).body.host;
    const host = p.fleet.hostId(Array.from({ length: 4 }, (_, i) => i).find((i) => p.fleet.address(i) === address)!);
    expect((await call("POST", `/hosts/${host}/enter_maintenance`)).body).toMatchObject({ code: "StateError", message: `Invalid operation ENTER_MAINTENANCE_MODE for host/${host} in state READY`, data: { state: "READY" } });
    const s = await call("POST", `/hosts/${host}/suspend`);
    expect(s.status).toBe(200);
    expect((await wait(s.body)).steps.map((x: { operation: string }) => x.operation)).toEqual(["SUSPEND_HOST", "QUERY_HOST_CHANGE_MODE_TASK_RESULT"]);
    const refused = await wait((await call("POST", `/hosts/${host}/enter_maintenance`)).body);
    expect(refused.steps[0].errors[0]).toEqual({ code: "HostHasVms", message: `Host ${host} has 1 VMs`, data: { id: host, vmCount: "1" } });
    await run(`/vms/${vm}/stop`);
    await wait((await call("DELETE", `/vms/${vm}`)).body);
    expect((await wait((await call("POST", `/hosts/${host}/enter_maintenance`)).body)).state).toBe("COMPLETED");
    expect((await call("GET", `/hosts/${host}`)).body.state).toBe("MAINTENANCE");
    await run(`/hosts/${host}/exit_maintenance`);
    expect((await call("GET", `/hosts/${host}`)).body.state).toBe("READY");
  });

  it("persistent disks: debit capacity, attach, PersistentDiskAttached, detach, delete", async () => {
    const { call, run, wait, tenantStory, vmSpec } = photonHarness();
    const { project, image } = await tenantStory();
    const disk = (await run(`/projects/${project}/disks`, { name: "data", kind: "persistent-disk", flavor: "pd", capacityGb: 10 })).entity.id;
    expect((await call("GET", `/disks/${disk}`)).body).toMatchObject({ kind: "persistent-disk", state: "DETACHED", capacityGb: 10, vms: [] });
    expect((await call("GET", `/projects/${project}`)).body.resourceTicket.usage).toContainEqual({ key: "persistent-disk.capacity", value: 10, unit: "GB" });
    const vm = (await run(`/projects/${project}/vms`, vmSpec(image))).entity.id;
    await run(`/vms/${vm}/attach_disk`, { diskId: disk });
    expect((await call("GET", `/disks/${disk}`)).body).toMatchObject({ state: "ATTACHED", vms: [vm] });
    expect((await call("DELETE", `/vms/${vm}`)).body.code).toBe("PersistentDiskAttached");
    expect((await call("DELETE", `/disks/${disk}`)).body).toMatchObject({ code: "StateError", data: { operation: "DELETE_DISK", state: "ATTACHED" } });
    await run(`/vms/${vm}/detach_disk`, { diskId: disk });
    expect((await wait((await call("DELETE", `/disks/${disk}`)).body)).state).toBe("COMPLETED");
    expect((await call("GET", `/disks/${disk}`)).body.code).toBe("DiskNotFound");
  });

  it("builds a Kubernetes cluster of 1 master, 3 etcd and 10 workers in batches, resizes it and deletes it", async () => {
    const { call, run, wait, tenantStory } = photonHarness({ hosts: 64 });
    const { project, image } = await tenantStory();
    const dep = (await call("GET", "/deployments")).body.items[0].id;
    const spec = { name: "k8s", type: "KUBERNETES", workerCount: 10, extendedProperties: { dns: "10.0.0.2", gateway: "10.0.0.1", netmask: "255.255.255.0", master_ip: "10.0.0.10", etcd_ip1: "10.0.0.11", etcd_ip2: "10.0.0.12", etcd_ip3: "10.0.0.13", container_network: "10.2.0.0/16" } };
    // the type must be enabled: SpecInvalid in the first step
    const off = await wait((await call("POST", `/projects/${project}/clusters`, spec)).body);
    expect(off.steps[0]).toMatchObject({ operation: "CREATE_KUBERNETES_CLUSTER_INITIATE", state: "ERROR", errors: [{ code: "SpecInvalid" }] });
    await run(`/deployments/${dep}/enable_cluster_type`, { type: "KUBERNETES", imageId: image });
    expect((await call("POST", `/deployments/${dep}/enable_cluster_type`, { type: "KUBERNETES", imageId: image })).body.code).toBe("ClusterTypeAlreadyConfigured");
    const bad = await wait((await call("POST", `/projects/${project}/clusters`, { ...spec, extendedProperties: { ...spec.extendedProperties, master_ip: "10.0.0" } })).body);
    expect(bad.steps[0].errors[0]).toMatchObject({ code: "SpecInvalid", message: "Invalid extended property: master_ip: 10.0.0" });
    const made = await wait((await call("POST", `/projects/${project}/clusters`, spec)).body);
    expect(made.state).toBe("COMPLETED");
    expect(made.steps.map((s: { operation: string }) => s.operation)).toEqual([
      "CREATE_KUBERNETES_CLUSTER_INITIATE",
      "CREATE_KUBERNETES_CLUSTER_SETUP_ETCD",
      "CREATE_KUBERNETES_CLUSTER_SETUP_MASTER",
      "CREATE_KUBERNETES_CLUSTER_UPDATE_EXTENDED_PROPERTIES",
      "CREATE_KUBERNETES_CLUSTER_SETUP_WORKERS",
    ]);
    const id = made.entity.id;
    const until = async (state: string) => {
      for (let i = 0; i < 5000 && (await call("GET", `/clusters/${id}`)).body.state !== state; i++) await new Promise((r) => setTimeout(r, 2));
      return (await call("GET", `/clusters/${id}`)).body;
    };
    expect(await until("READY")).toMatchObject({ kind: "cluster", type: "KUBERNETES", state: "READY", workerCount: 10, masterVmFlavorName: "cluster-master-vm", otherVmFlavorName: "cluster-other-vm" });
    const nodes = (await call("GET", `/clusters/${id}/vms`)).body.items;
    expect(nodes).toHaveLength(14);
    const roles = (role: string) => nodes.filter((v: { tags: string[] }) => v.tags.includes(`cluster:${id}:${role}`)).length;
    expect([roles("KubernetesMaster"), roles("KubernetesEtcd"), roles("KubernetesWorker")]).toEqual([1, 3, 10]);
    expect(nodes.every((v: { state: string }) => v.state === "STARTED")).toBe(true);
    await run(`/clusters/${id}/resize`, { newWorkerCount: 30 });
    expect((await until("READY")).workerCount).toBe(30);
    expect((await call("GET", `/clusters/${id}/vms?pageSize=100`)).body.items).toHaveLength(34);
    // shrinking is refused in the task
    const shrink = await wait((await call("POST", `/clusters/${id}/resize`, { newWorkerCount: 2 })).body);
    expect(shrink.state).toBe("ERROR");
    const gone = await wait((await call("DELETE", `/clusters/${id}`)).body);
    expect(gone).toMatchObject({ state: "COMPLETED", operation: "RESIZE_CLUSTER" });
    expect((await call("GET", `/clusters/${id}`)).body.code).toBe("ClusterNotFound");
    expect((await call("GET", `/projects/${project}/vms`)).body.items).toHaveLength(0);
    expect((await call("GET", `/projects/${project}`)).body.resourceTicket.usage).toContainEqual({ key: "vm", value: 0, unit: "COUNT" });
  });
});

describe("photon handler: errors and pagination", () => {
  it("speaks API.md's error bodies", async () => {
    const { call, tenantStory, vmSpec } = photonHarness();
    const { tenant, project, image } = await tenantStory();
    expect(await call("GET", "/nowhere")).toMatchObject({ status: 404, body: { code: "NotFound" } });
    expect(await call("POST", "/tenants", "{bad")).toMatchObject({ status: 400, body: { code: "InvalidJson" } });
    expect(await call("POST", "/tenants", { name: "9lives" })).toEqual({ status: 400, body: { code: "InvalidEntity", message: 'name must match "^[a-zA-Z][a-zA-Z0-9-]*" (was 9lives)', data: {} } });
    expect((await call("POST", "/tenants", { name: "acme" })).body.code).toBe("NameTaken");
    expect(await call("GET", "/tenants/nope")).toEqual({ status: 404, body: { code: "NotFound", message: "Tenant #nope not found", data: { id: "nope" } } });
    expect((await call("GET", "/vms/nope")).body.code).toBe("VmNotFound");
    expect((await call("GET", "/flavors/nope")).body.code).toBe("FlavorNotFound");
    expect((await call("GET", "/images/nope")).body.code).toBe("ImageNotFound");
    expect((await call("GET", "/hosts/nope")).body.code).toBe("HostNotFound");
    expect((await call("GET", "/resource-tickets/nope")).body.code).toBe("ResourceTicketNotFound");
    expect((await call("GET", "/availabilityzones/nope")).body.code).toBe("AvailabilityZoneNotFound");
    expect((await call("GET", "/datastores/nope")).body.code).toBe("DatastoreNotFound");
    expect((await call("DELETE", `/tenants/${tenant}`)).body).toMatchObject({ code: "ContainerNotEmpty", data: { kind: "tenant", id: tenant } });
    expect((await call("POST", `/projects/${project}/vms`, vmSpec(image, { flavor: "nope" }))).body).toEqual({ code: "InvalidFlavor", message: "Flavor nope is not found for kind vm", data: { name: "nope", kind: "vm" } });
    expect((await call("POST", `/projects/${project}/vms`, vmSpec("nope"))).body.code).toBe("ImageNotFound");
    expect((await call("POST", `/projects/${project}/vms`, { ...vmSpec(image), sourceImageId: undefined })).body).toMatchObject({ code: "InvalidEntity", message: "sourceImageId may not be null (was null)" });
    expect((await call("POST", `/projects/${project}/vms`, vmSpec(image, { attachedDisks: [{ name: "a", kind: "ephemeral-disk", flavor: "eph", bootDisk: false }] }))).body.code).toBe("InvalidEntity");
    expect((await call("POST", `/projects/${project}/vms`, vmSpec(image, { affinities: [{ kind: "vm", id: "x" }] }))).body.code).toBe("InvalidEntity");
    expect((await call("POST", `/tenants/${tenant}/projects`, { name: "p2", resourceTicket: { name: "gold", limits: [{ key: "vm", value: 1, unit: "COUNT" }] } })).body).toMatchObject({ code: "InvalidResourceTicketSubdivide", data: { missingLimit: "vm.memory" } });
    expect((await call("GET", "/tasks?entityId=x")).body.code).toBe("InvalidQueryParams");
    expect((await call("GET", "/tenants?pageSize=101")).body).toEqual({ code: "InvalidPageSize", message: "The page size '101' is not between '1' and '100'", data: { pageSize: "101", minPageSize: "1", maxPageSize: "100" } });
    expect((await call("GET", "/tenants?pageLink=nope")).body).toMatchObject({ code: "PageExpired", data: { pageLink: "nope" } });
    expect((await call("POST", "/deployments", {})).body.code).toBe("DeploymentAlreadyExist");
  });

  it("pages lists by at most 100 with nextPageLink, and /networks is /subnets", async () => {
    const { call, p } = photonHarness({ hosts: 250 });
    const dep = p.deployment.id;
    const seen: string[] = [];
    let r = await call("GET", `/deployments/${dep}/hosts?pageSize=100`);
    for (;;) {
      expect(r.body.items.length).toBeLessThanOrEqual(100);
      seen.push(...r.body.items.map((x: { id: string }) => x.id));
      if (!r.body.nextPageLink) break;
      expect(r.body.nextPageLink).toMatch(new RegExp(`^/deployments/${dep}/hosts\\?pageLink=`));
      r = await call("GET", r.body.nextPageLink);
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect((await call("GET", "/tasks?pageSize=1")).body.nextPageLink).toBeNull();
    expect((await call("GET", "/networks/x")).status).toBe(404);
  });

  it("refuses every change while the system is paused, except resume", async () => {
    const { call, run, p } = photonHarness();
    const dep = p.deployment.id;
    await run(`/deployments/${dep}/pause_system`);
    expect(await call("POST", "/tenants", { name: "acme" })).toMatchObject({ status: 403, body: { code: "SystemPaused" } });
    expect((await call("GET", "/tenants")).status).toBe(200);
    await run(`/deployments/${dep}/resume_system`);
    expect((await call("POST", "/tenants", { name: "acme" })).status).toBe(201);
    expect((await call("GET", `/deployments/${dep}/size`)).body).toMatchObject({ numberHosts: 64, numberTenants: 1, numberDatastores: 8 });
  });

  it("walks the deployment's state machine: deploy only when NOT_DEPLOYED, destroy, delete", async () => {
    const { call, run, p } = photonHarness();
    const dep = p.deployment.id;
    expect((await call("POST", `/deployments/${dep}/deploy`, {})).body).toMatchObject({ code: "StateError", data: { operation: "DEPLOY", state: "READY" } });
    expect((await call("DELETE", `/deployments/${dep}`)).body).toMatchObject({ code: "StateError", data: { state: "READY" } });
    expect((await run(`/deployments/${dep}/destroy`)).state).toBe("COMPLETED");
    expect((await call("GET", `/deployments/${dep}`)).body.state).toBe("NOT_DEPLOYED");
    const deployed = await run(`/deployments/${dep}/deploy`, { desiredState: "PAUSED" });
    expect(deployed.steps.map((s: { operation: string }) => s.operation)).toEqual(["PROVISION_CONTROL_PLANE_HOSTS", "PROVISION_CONTROL_PLANE_VMS", "PROVISION_CLOUD_HOSTS"]);
    expect((await call("GET", `/deployments/${dep}`)).body.state).toBe("PAUSED");
    await run(`/deployments/${dep}/resume_system`);
    await run(`/deployments/${dep}/destroy`);
    expect((await call("DELETE", `/deployments/${dep}`)).status).toBe(201);
    expect((await call("GET", `/deployments/${dep}`)).body.state).toBe("DELETED");
  });
});
