/**
 * Photon resources beyond the tenant story, through the handler: adding and deleting hosts, physical
 * and SDN subnets (and the /networks alias), ISOs, floating IPs, sync_hosts_config, and the entity
 * locks that end a second task on a busy entity ERROR (ConcurrentTask).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PhotonPlatform, createPhotonHandler } from "../bindings/photon/index.js";
import { SqliteStore } from "../bindings/photon/sqlite.js";
import { photonHarness, type Json } from "./photon-helpers.js";

const MGMT = { MANAGEMENT_DATASTORE: "ds1", MANAGEMENT_NETWORK_DNS_SERVER: "10.0.0.2", MANAGEMENT_NETWORK_GATEWAY: "10.0.0.1", MANAGEMENT_NETWORK_IP: "10.0.9.9", MANAGEMENT_NETWORK_NETMASK: "255.255.0.0", MANAGEMENT_PORTGROUP: "mgmt" };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("photon hosts: add and delete", () => {
  it("adds a host CREATING → NOT_PROVISIONED → READY, places VMs on it, and deletes it from MAINTENANCE", async () => {
    const { p, call, wait, tenantStory, vmSpec } = photonHarness({ hosts: 8 });
    const { project, image } = await tenantStory();
    const dep = (await call("GET", "/deployments")).body.items[0].id;
    const zone = (await call("GET", "/availabilityzones")).body.items[1];
    const spec = { address: "192.168.7.20", username: "root", password: "secret", availabilityZone: zone.id, usageTags: ["CLOUD"], metadata: { rack: "r7" } };
    const post = await call("POST", `/deployments/${dep}/hosts`, spec);
    expect(post.status).toBe(201);
    expect(post.body).toMatchObject({ operation: "CREATE_HOST", entity: { kind: "host" }, state: "QUEUED" });
    expect(post.body.steps.map((s: Json) => s.operation)).toEqual(["CREATE_HOST", "QUERY_HOST_TASK_RESULT", "PROVISION_HOST", "QUERY_PROVISION_HOST_TASK_RESULT"]);
    const id = post.body.entity.id;
    expect((await call("GET", `/hosts/${id}`)).body.state).toBe("CREATING");
    expect((await wait(post.body)).state).toBe("COMPLETED");
    const host = (await call("GET", `/hosts/${id}`)).body;
    expect(host).toMatchObject({ kind: "host", address: "192.168.7.20", username: "root", password: "secret", availabilityZone: zone.id, usageTags: ["CLOUD"], metadata: { rack: "r7" }, state: "READY" });
    const listed: Json[] = [];
    for (let link: string | null = `/deployments/${dep}/hosts`; link; ) {
      const page: Json = (await call("GET", link)).body;
      listed.push(...page.items);
      link = page.nextPageLink;
    }
    expect(listed.map((h) => h.id)).toContain(id);
    expect((await call("GET", `/deployments/${dep}/size`)).body.numberHosts).toBe(9);
    // the same address twice is refused
    const dup = await call("POST", `/deployments/${dep}/hosts`, spec);
    expect(dup.status).toBe(400);
    expect(dup.body.code).toBe("HostExists");
    // the scheduler knows the new host: a VM pinned to it is placed there
    const pinned = await wait((await call("POST", `/projects/${project}/vms`, vmSpec(image, { affinities: [{ kind: "host", id: "192.168.7.20" }] }))).body);
    expect(pinned.state).toBe("COMPLETED");
    const vm = pinned.entity.id;
    expect((await call("GET", `/vms/${vm}`)).body.host).toBe("192.168.7.20");
    // a READY host is not deleted; one in MAINTENANCE is, once its VMs are gone
    const refused = await call("DELETE", `/hosts/${id}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ code: "StateError", message: `Invalid operation DELETE_HOST for host/${id} in state READY`, data: { id, kind: "host", operation: "DELETE_HOST", state: "READY" } });
    expect((await wait((await call("POST", `/hosts/${id}/suspend`)).body)).state).toBe("COMPLETED");
    await wait((await call("DELETE", `/vms/${vm}`)).body);
    expect((await wait((await call("POST", `/hosts/${id}/enter_maintenance`)).body)).state).toBe("COMPLETED");
    const del = await call("DELETE", `/hosts/${id}`);
    expect(del.status).toBe(201);
    expect((await wait(del.body)).state).toBe("COMPLETED");
    expect((await call("GET", `/hosts/${id}`)).body).toEqual({ code: "HostNotFound", message: `Host #${id} not found`, data: { id } });
    expect((await call("GET", `/deployments/${dep}/size`)).body.numberHosts).toBe(8);
    // its address is free again
    expect((await call("POST", `/deployments/${dep}/hosts`, spec)).status).toBe(201);
    p.close();
  });

  it("checks the host spec: usage tags, MGMT metadata, address, availability zone", async () => {
    const { p, call } = photonHarness({ hosts: 8 });
    const dep = p.deployment.id;
    const bad = await call("POST", `/deployments/${dep}/hosts`, { address: "10.9.9.9", username: "root", password: "x", usageTags: ["MGMT"] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("InvalidEntity");
    expect(bad.body.message).toContain("metadata.MANAGEMENT_DATASTORE may not be null for a MGMT host");
    expect((await call("POST", `/deployments/${dep}/hosts`, { address: "10.9.9.9", username: "root", password: "x", usageTags: [] })).body.code).toBe("InvalidEntity");
    expect((await call("POST", `/deployments/${dep}/hosts`, { address: "not an ip", username: "root", password: "x", usageTags: ["CLOUD"] })).body.code).toBe("InvalidEntity");
    expect((await call("POST", `/deployments/${dep}/hosts`, { address: "10.9.9.9", username: "root", password: "x", usageTags: ["CLOUD"], availabilityZone: "nope" })).body.code).toBe("AvailabilityZoneNotFound");
    expect((await call("POST", "/deployments/nope/hosts", { address: "10.9.9.9", username: "root", password: "x", usageTags: ["CLOUD"] })).status).toBe(404);
    // an existing host's derived address is taken
    expect((await call("POST", `/deployments/${dep}/hosts`, { address: "10.0.0.16", username: "root", password: "x", usageTags: ["CLOUD"] })).body.code).toBe("HostExists");
    const ok = await call("POST", `/deployments/${dep}/hosts`, { address: "10.9.9.9", username: "root", password: "x", usageTags: ["MGMT", "CLOUD"], metadata: MGMT });
    expect(ok.status).toBe(201);
    expect(p.fleet.n).toBe(9);
    p.close();
  });

  it("keeps added and deleted hosts across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "photon-hosts-"));
    dirs.push(dir);
    const p = PhotonPlatform.open({ hosts: 8, store: new SqliteStore(dir) });
    const h = createPhotonHandler(p);
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await h(new Request(`http://pc:9000${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) }));
      return (await r.json()) as Json;
    };
    const t = await call("POST", `/deployments/${p.deployment.id}/hosts`, { address: "10.200.0.1", username: "root", password: "pw", usageTags: ["CLOUD"] });
    await p.tasks.done(t.id);
    const gone = p.fleet.hostId(2);
    await p.tasks.done((await call("POST", `/hosts/${gone}/suspend`)).id);
    await p.tasks.done((await call("POST", `/hosts/${gone}/enter_maintenance`)).id);
    await p.tasks.done((await call("DELETE", `/hosts/${gone}`)).id);
    p.close();
    const q = PhotonPlatform.open({ store: new SqliteStore(dir) });
    const h2 = createPhotonHandler(q);
    const again = async (path: string) => (await h2(new Request(`http://pc:9000${path}`))).json() as Promise<Json>;
    expect(await again(`/hosts/${t.entity.id}`)).toMatchObject({ address: "10.200.0.1", password: "pw", state: "READY" });
    expect((await again(`/hosts/${gone}`)).code).toBe("HostNotFound");
    expect((await again(`/deployments/${q.deployment.id}/size`)).numberHosts).toBe(8);
    q.close();
  });
});

describe("photon subnets", () => {
  it("creates physical subnets with port groups, one default, reachable as /networks too", async () => {
    const { p, call } = photonHarness();
    const a = await call("POST", "/subnets", { name: "net-a", description: "front", portGroups: ["VM Network"] });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ state: "COMPLETED", operation: "CREATE_NETWORK", entity: { kind: "subnet" } });
    const b = await call("POST", "/networks", { name: "net-b", portGroups: ["pg-b"] });
    expect(b.status).toBe(201);
    const [ida, idb] = [a.body.entity.id, b.body.entity.id];
    expect((await call("GET", `/subnets/${ida}`)).body).toMatchObject({ id: ida, kind: "subnet", name: "net-a", description: "front", portGroups: ["VM Network"], state: "READY", isDefault: true });
    expect((await call("GET", `/networks/${idb}`)).body).toMatchObject({ name: "net-b", isDefault: false });
    expect((await call("GET", "/subnets?name=net-b")).body.items.map((x: Json) => x.id)).toEqual([idb]);
    // a port group belongs to one subnet; names are unique; port groups are required
    const taken = await call("POST", "/subnets", { name: "net-c", portGroups: ["pg-b"] });
    expect(taken.status).toBe(400);
    expect(taken.body.code).toBe("PortGroupsAlreadyAddedToSubnet");
    expect((await call("POST", "/subnets", { name: "net-a", portGroups: ["x"] })).body.code).toBe("NameTaken");
    expect((await call("POST", "/subnets", { name: "net-d", portGroups: [] })).body).toEqual({ code: "InvalidEntity", message: "portGroups size must be between 1 and 2147483647 (was [])", data: {} });
    // set_default moves the default; set_portgroups replaces the port groups
    expect((await call("POST", `/subnets/${idb}/set_default`)).body).toMatchObject({ state: "COMPLETED", operation: "SET_DEFAULT_NETWORK" });
    expect((await call("GET", `/subnets/${ida}`)).body.isDefault).toBe(false);
    expect((await call("GET", `/subnets/${idb}`)).body.isDefault).toBe(true);
    expect((await call("POST", `/subnets/${ida}/set_portgroups`, { items: ["pg-a1", "pg-a2"] })).status).toBe(201);
    expect((await call("GET", `/subnets/${ida}`)).body.portGroups).toEqual(["pg-a1", "pg-a2"]);
    expect((await call("GET", "/subnets/nope")).body).toEqual({ code: "NetworkNotFound", message: "Network #nope not found", data: { id: "nope" } });
    expect((await call("DELETE", `/subnets/${ida}`)).status).toBe(201);
    expect((await call("GET", `/subnets/${ida}`)).status).toBe(404);
    p.close();
  });

  it("carves SDN subnets for a project, and a project holding one is not deleted", async () => {
    const { p, call, wait, tenantStory } = photonHarness();
    const { project } = await tenantStory();
    const post = await call("POST", `/projects/${project}/subnets`, { name: "app", routingType: "ROUTED", size: 64, reservedStaticIpSize: 4 });
    expect(post.status).toBe(201);
    expect(post.body).toMatchObject({ operation: "CREATE_VIRTUAL_NETWORK", state: "QUEUED" });
    expect((await wait(post.body)).state).toBe("COMPLETED");
    const s = (await call("GET", `/subnets/${post.body.entity.id}`)).body;
    expect(s).toMatchObject({ kind: "virtualSubnet", name: "app", state: "READY", routingType: "ROUTED", isDefault: true, cidr: "10.128.0.0/25", lowIpStatic: "10.128.0.2", highIpStatic: "10.128.0.5", lowIpDynamic: "10.128.0.6", highIpDynamic: "10.128.0.126" });
    const second = await wait((await call("POST", `/projects/${project}/subnets`, { name: "db", routingType: "ISOLATED", size: 8 })).body);
    const db = (await call("GET", `/subnets/${second.entity.id}`)).body;
    expect(db).toMatchObject({ cidr: "10.128.0.128/28", isDefault: false });
    expect((await call("GET", `/projects/${project}/subnets`)).body.items.map((x: Json) => x.name).sort()).toEqual(["app", "db"]);
    expect((await call("GET", `/projects/${project}/networks`)).body.items.length).toBe(2);
    // SDN subnets are not listed with the physical ones
    expect((await call("GET", "/subnets")).body.items).toEqual([]);
    expect((await call("POST", `/projects/${project}/subnets`, { name: "x", routingType: "BRIDGED", size: 8 })).body.code).toBe("InvalidEntity");
    const busy = await call("DELETE", `/projects/${project}`);
    expect(busy.status).toBe(400);
    expect(busy.body.code).toBe("ContainerNotEmpty");
    expect(busy.body.data.message).toContain("2 subnet(s)");
    await call("DELETE", `/subnets/${s.id}`);
    await call("DELETE", `/subnets/${db.id}`);
    expect((await call("DELETE", `/projects/${project}`)).status).toBe(201);
    p.close();
  });
});

describe("photon VM devices", () => {
  it("attaches and detaches an ISO, refusing a second one and a detach with none", async () => {
    const { p, call, wait, h, tenantStory, vmSpec } = photonHarness();
    const { project, image } = await tenantStory();
    const vm = (await wait((await call("POST", `/projects/${project}/vms`, vmSpec(image))).body)).entity.id;
    const attach = async () => {
      const fd = new FormData();
      fd.append("file", new Blob([new Uint8Array(2048)]), "tools.iso");
      const r = await h(new Request(`http://pc:9000/vms/${vm}/attach_iso`, { method: "POST", body: fd }));
      expect(r.status).toBe(201);
      return wait(await r.json());
    };
    const done = await attach();
    expect(done).toMatchObject({ operation: "ATTACH_ISO", state: "COMPLETED" });
    expect(done.steps.map((s: Json) => s.operation)).toEqual(["UPLOAD_ISO", "ATTACH_ISO"]);
    const isos = (await call("GET", `/vms/${vm}`)).body.attachedIsos;
    expect(isos).toEqual([{ id: expect.any(String), name: "tools.iso", kind: "iso", size: 2048 }]);
    const twice = await attach();
    expect(twice.state).toBe("ERROR");
    expect(twice.steps[1].errors[0]).toEqual({ code: "InvalidVmState", message: `VM ${vm} already has ISO tools.iso attached`, data: { id: vm } });
    expect((await wait((await call("POST", `/vms/${vm}/detach_iso`)).body)).state).toBe("COMPLETED");
    expect((await call("GET", `/vms/${vm}`)).body.attachedIsos).toEqual([]);
    const none = await wait((await call("POST", `/vms/${vm}/detach_iso`)).body);
    expect(none.steps[0].errors[0].message).toBe(`VM ${vm} has no ISO attached`);
    const notForm = await call("POST", `/vms/${vm}/attach_iso`, { file: "x" });
    expect(notForm.status).toBe(400);
    p.close();
  });

  it("acquires a floating IP on an SDN subnet and releases it", async () => {
    const { p, call, run, wait, tenantStory, vmSpec } = photonHarness();
    const { project, image } = await tenantStory();
    const net = (await wait((await call("POST", `/projects/${project}/subnets`, { name: "ext", routingType: "ROUTED", size: 16 })).body)).entity.id;
    const vm = (await wait((await call("POST", `/projects/${project}/vms`, vmSpec(image, { subnets: [net] }))).body)).entity.id;
    expect((await call("POST", `/projects/${project}/vms`, vmSpec(image, { subnets: ["nope"] }))).body.code).toBe("NetworkNotFound");
    // a started VM on the SDN subnet has its NIC there, with an address of the dynamic range (10.128.0.0/27: .2–.30)
    await run(`/vms/${vm}/start`);
    const nics = (await wait((await call("GET", `/vms/${vm}/subnets`)).body)).resourceProperties.networkConnections;
    expect(nics).toEqual([{ network: net, macAddress: expect.stringMatching(/^00:50:56:/), ipAddress: expect.stringMatching(/^10\.128\.0\.(\d+)$/), netmask: "255.255.255.224", isConnected: "CONNECTED" }]);
    const last = Number(nics[0].ipAddress.split(".")[3]);
    expect(last >= 2 && last <= 30).toBe(true);
    await run(`/vms/${vm}/stop`);
    expect((await call("POST", `/vms/${vm}/acquire_floating_ip`, { networkId: "nope" })).body.code).toBe("NetworkNotFound");
    const got = await wait((await call("POST", `/vms/${vm}/acquire_floating_ip`, { networkId: net })).body);
    expect(got).toMatchObject({ operation: "ACQUIRE_FLOATING_IP", state: "COMPLETED" });
    expect((await call("GET", `/vms/${vm}`)).body.floatingIp).toBe("172.16.0.2");
    // the subnet is in use while the VM holds it
    expect((await call("DELETE", `/subnets/${net}`)).body.code).toBe("ContainerNotEmpty");
    expect((await wait((await call("POST", `/vms/${vm}/acquire_floating_ip`, { networkId: net })).body)).steps[0].errors[0].code).toBe("InvalidVmState");
    const rel = await call("DELETE", `/vms/${vm}/release_floating_ip`);
    expect(rel.status).toBe(201);
    expect((await wait(rel.body)).state).toBe("COMPLETED");
    expect((await call("GET", `/vms/${vm}`)).body.floatingIp).toBeUndefined();
    expect((await wait((await call("DELETE", `/vms/${vm}/release_floating_ip`)).body)).steps[0].errors[0].message).toBe(`VM ${vm} has no floating IP`);
    p.close();
  });
});

describe("photon placement of disks and cluster nodes", () => {
  it("puts a persistent disk beside the VM its affinity names, and refuses other affinity kinds", async () => {
    const { p, call, wait, tenantStory, vmSpec } = photonHarness();
    const { project, image } = await tenantStory();
    const zones = (await call("GET", "/availabilityzones")).body.items;
    const vm = (await wait((await call("POST", `/projects/${project}/vms`, vmSpec(image, { affinities: [{ kind: "availabilityZone", id: zones[2].id }] }))).body)).entity.id;
    const v = (await call("GET", `/vms/${vm}`)).body;
    const disk = await wait((await call("POST", `/projects/${project}/disks`, { name: "data", kind: "persistent-disk", flavor: "pd", capacityGb: 2, affinities: [{ kind: "vm", id: vm }] })).body);
    expect(disk.state).toBe("COMPLETED");
    expect((await call("GET", `/disks/${disk.entity.id}`)).body.datastore).toBe(v.datastore);
    // a disk placed elsewhere by default: the affinity made the difference
    const other = await wait((await call("POST", `/projects/${project}/disks`, { name: "data2", kind: "persistent-disk", flavor: "pd", capacityGb: 2 })).body);
    expect((await call("GET", `/disks/${other.entity.id}`)).body.datastore).not.toBe(v.datastore);
    const bad = await call("POST", `/projects/${project}/disks`, { name: "d3", kind: "persistent-disk", flavor: "pd", capacityGb: 1, affinities: [{ kind: "host", id: "x" }] });
    expect(bad.body).toEqual({ code: "InvalidEntity", message: 'affinities[0].kind must match "vm" (was host)', data: {} });
    const gone = await wait((await call("POST", `/projects/${project}/disks`, { name: "d4", kind: "persistent-disk", flavor: "pd", capacityGb: 1, affinities: [{ kind: "vm", id: "nope" }] })).body);
    expect(gone.steps[0].errors[0]).toEqual({ code: "NoSuchResource", message: null, data: {} });
    p.close();
  });

  it("puts cluster nodes on the cluster's vmNetworkId, and an unknown one fails the create", async () => {
    const { p, call, run, wait, tenantStory } = photonHarness({ hosts: 32 });
    const { project, image } = await tenantStory();
    await run(`/deployments/${p.deployment.id}/enable_cluster_type`, { type: "HARBOR", imageId: image });
    const net = (await wait((await call("POST", `/projects/${project}/subnets`, { name: "nodes", routingType: "ROUTED", size: 16 })).body)).entity.id;
    const spec = { name: "reg", type: "HARBOR", extendedProperties: { dns: "10.0.0.2", gateway: "10.0.0.1", netmask: "255.255.255.0", master_ip: "10.0.0.10", admin_password: "pw" } };
    const lost = await wait((await call("POST", `/projects/${project}/clusters`, { ...spec, vmNetworkId: "nope" })).body);
    expect(lost.steps[0].errors[0]).toEqual({ code: "NetworkNotFound", message: "Network #nope not found", data: { id: "nope" } });
    const made = await wait((await call("POST", `/projects/${project}/clusters`, { ...spec, vmNetworkId: net })).body);
    expect(made.state).toBe("COMPLETED");
    const node = (await call("GET", `/clusters/${made.entity.id}/vms`)).body.items[0];
    expect(p.docs.vm.get(node.id)!.subnets).toEqual([net]);
    // the subnet is in use by the node
    expect((await call("DELETE", `/subnets/${net}`)).body.code).toBe("ContainerNotEmpty");
    p.close();
  });
});

describe("photon deployment and locks", () => {
  it("sync_hosts_config answers 200 with a task, and only while READY", async () => {
    const { p, call, wait } = photonHarness();
    const dep = p.deployment.id;
    const r = await call("POST", `/deployments/${dep}/sync_hosts_config`);
    expect(r.status).toBe(200);
    expect((await wait(r.body))).toMatchObject({ operation: "SYNC_HOSTS_CONFIG", state: "COMPLETED", entity: { kind: "deployment", id: dep } });
    await call("POST", `/deployments/${dep}/pause_background_tasks`);
    expect((await call("POST", `/deployments/${dep}/sync_hosts_config`)).body).toMatchObject({ code: "StateError", data: { state: "BACKGROUND_PAUSED" } });
    p.close();
  });

  it("a second task on a busy entity is accepted and ends ERROR with its steps untouched (ConcurrentTask)", async () => {
    const { p, call, wait, tenantStory, vmSpec } = photonHarness({ stepDelayMs: 20 });
    const { project, image } = await tenantStory();
    const create = await call("POST", `/projects/${project}/vms`, vmSpec(image));
    const vm = create.body.entity.id;
    const start = await call("POST", `/vms/${vm}/start`);
    expect(start.status).toBe(201);
    const lost = await wait(start.body);
    expect(lost.state).toBe("ERROR");
    expect(lost.steps).toEqual([expect.objectContaining({ operation: "START_VM", state: "QUEUED", errors: [] })]);
    expect((await wait(create.body)).state).toBe("COMPLETED");
    // reads of the VM (its networks) are not locked out
    const nets = await call("GET", `/vms/${vm}/subnets`);
    const stop = await call("POST", `/vms/${vm}/stop`);
    expect((await wait(nets.body)).state).toBe("COMPLETED");
    expect((await wait(stop.body)).state).toBe("COMPLETED");
    // once the lock is free the same operation runs
    expect((await wait((await call("POST", `/vms/${vm}/start`)).body)).state).toBe("COMPLETED");
    expect((await call("GET", `/vms/${vm}`)).body.state).toBe("STARTED");
    p.close();
  });
});
