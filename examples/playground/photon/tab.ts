/**
 * The Photon tab: a Photon Controller deployment of 1,000 to 32,768 hosts running in the page (the
 * web-standard handler of `vicsim/photon`), driven through its API like the `photon` CLI drives it:
 * tenants with quota, VMs placed by the fleet scheduler, a Kubernetes cluster, a host taken into
 * maintenance. Every animation frame takes one snapshot and redraws the heat map and the panels.
 */
import { createPhotonHandler, PhotonPlatform } from "../../../bindings/photon/index.js";
import { $ } from "../views/dom.js";
import { HeatMap } from "../views/photon-heatmap.js";
import { renderClusters, renderDecisions, renderFleet, renderSelected, renderTenants } from "../views/photon-panels.js";
import { PhotonClient, TaskError } from "./client.js";
import { takePhotonFrame, type ApiReading, type ClusterView, type TenantView } from "./snapshot.js";

/** Tenants of the story: their ticket limits (GB, COUNT). */
const TENANTS = [
  { name: "acme", memoryGB: 262_144, cpu: 65_536, vms: 20_000 },
  { name: "globex", memoryGB: 2048, cpu: 512, vms: 300 },
  { name: "initech", memoryGB: 512, cpu: 128, vms: 100 },
];
const FLAVORS = [
  { name: "small", memoryGB: 2, cpu: 1 },
  { name: "large", memoryGB: 16, cpu: 4 },
  { name: "xlarge", memoryGB: 96, cpu: 16 },
];
const API_REFRESH_MS = 500;

export interface PhotonTab {
  readonly platform: () => PhotonPlatform;
  readonly client: () => PhotonClient;
}

export function startPhotonTab(): PhotonTab {
  let platform = PhotonPlatform.open({ hosts: 1000 });
  let client = new PhotonClient(createPhotonHandler(platform));
  let api: ApiReading = { tenants: [], clusters: [] };
  let selected = -1;
  let image = "";
  let refreshing = false;
  let refreshedAt = 0;
  const heat = new HeatMap($<HTMLCanvasElement>("photon-heatmap"));
  const name = (h: number) => platform.fleet.address(h);

  const status = (text: string, error = false) => {
    const el = $("photon-status");
    el.textContent = text;
    el.classList.toggle("error", error);
  };
  const log = (text: string, error = false) => {
    const li = document.createElement("li");
    li.textContent = text;
    if (error) li.className = "bad";
    $("photon-host-log").prepend(li);
  };
  const act = (id: string, action: () => Promise<string>) =>
    $(id).addEventListener("click", async () => {
      try {
        status(await action());
      } catch (e) {
        status((e as Error).message, true);
      }
      void refresh(true);
    });

  /** Reads tenants, quota and clusters through the API (at most every half second, never two at once). */
  async function refresh(now = false): Promise<void> {
    if (refreshing || (!now && performance.now() - refreshedAt < API_REFRESH_MS)) return;
    refreshing = true;
    try {
      const tenants: TenantView[] = [];
      const clusters: ClusterView[] = [];
      for (const t of await client.list("/tenants")) {
        const projects = await client.list(`/tenants/${t.id}/projects`);
        // What VMs debit: the projects' reservations (each a share of the tenant's resource ticket).
        const quota = projects.flatMap((p) =>
          p.resourceTicket.limits
            .filter((l: { key: string }) => l.key !== "subdivide.percent")
            .map((l: { key: string; value: number; unit: string }) => ({ key: l.key, unit: l.unit, limit: l.value, usage: p.resourceTicket.usage.find((u: { key: string }) => u.key === l.key)?.value ?? 0 })),
        );
        tenants.push({ id: t.id, name: t.name, projects: projects.map((p) => ({ id: p.id, name: p.name })), quota });
        for (const p of projects) {
          for (const c of await client.list(`/projects/${p.id}/clusters`)) {
            const nodes = await client.list(`/clusters/${c.id}/vms`);
            const roles = new Map<string, { role: string; count: number; started: number }>();
            for (const v of nodes) {
              const tag = (v.tags as string[]).find((x) => x.startsWith(`cluster:${c.id}:`));
              const role = tag ? tag.split(":").pop()! : "node";
              const r = roles.get(role) ?? { role, count: 0, started: 0 };
              r.count++;
              if (v.state === "STARTED") r.started++;
              roles.set(role, r);
            }
            clusters.push({ id: c.id, name: c.name, type: c.type, state: c.state, tenant: t.name, workerCount: c.workerCount, roles: [...roles.values()] });
          }
        }
      }
      api = Object.freeze({ tenants: Object.freeze(tenants), clusters: Object.freeze(clusters) });
    } catch (e) {
      status(`reading the deployment failed: ${(e as Error).message}`, true);
    } finally {
      refreshedAt = performance.now();
      refreshing = false;
    }
  }

  /** The project of the chosen tenant (set up first). */
  const project = (): { tenant: string; id: string } => {
    const tenant = $<HTMLSelectElement>("photon-tenant").value;
    const t = api.tenants.find((x) => x.name === tenant);
    if (!t || !t.projects[0]) throw new Error(`tenant ${tenant} does not exist yet: set up tenants first`);
    return { tenant, id: t.projects[0].id };
  };
  const vmSpec = (flavor: string, i: number) => ({ name: `vm-${i}`, flavor, sourceImageId: image, attachedDisks: [{ name: "boot", kind: "ephemeral-disk", flavor: "eph", bootDisk: true }] });

  $<HTMLSelectElement>("photon-size").addEventListener("change", (e) => {
    const hosts = Number((e.target as HTMLSelectElement).value);
    platform.close();
    platform = PhotonPlatform.open({ hosts });
    client = new PhotonClient(createPhotonHandler(platform));
    api = { tenants: [], clusters: [] };
    selected = -1;
    image = "";
    $("photon-host-log").textContent = "";
    status(`a new deployment of ${hosts.toLocaleString("en-US")} hosts in 4 availability zones`);
  });

  act("photon-setup", async () => {
    if (api.tenants.length) return "tenants are set up already";
    for (const f of FLAVORS) {
      await client.run("POST", "/flavors", { name: f.name, kind: "vm", cost: [{ key: "vm.memory", value: f.memoryGB, unit: "GB" }, { key: "vm", value: 1, unit: "COUNT" }, { key: "vm.cpu", value: f.cpu, unit: "COUNT" }] });
    }
    await client.run("POST", "/flavors", { name: "eph", kind: "ephemeral-disk", cost: [{ key: "ephemeral-disk", value: 1, unit: "COUNT" }] });
    image = await client.upload("photon-os.ova", 8 * 2 ** 20);
    const dep = (await client.list("/deployments"))[0].id;
    await client.run("POST", `/deployments/${dep}/enable_cluster_type`, { type: "KUBERNETES", imageId: image });
    for (const t of TENANTS) {
      const tenant = (await client.run("POST", "/tenants", { name: t.name })).entity.id;
      const limits = [{ key: "vm.memory", value: t.memoryGB, unit: "GB" }, { key: "vm.cpu", value: t.cpu, unit: "COUNT" }, { key: "vm", value: t.vms, unit: "COUNT" }];
      await client.run("POST", `/tenants/${tenant}/resource-tickets`, { name: `${t.name}-ticket`, limits });
      await client.run("POST", `/tenants/${tenant}/projects`, { name: "prod", resourceTicket: { name: `${t.name}-ticket`, limits: [{ key: "subdivide.percent", value: 100, unit: "COUNT" }] } });
    }
    return `set up ${TENANTS.length} tenants (${TENANTS.map((t) => t.name).join(", ")}), each with a resource ticket and a project; flavors ${FLAVORS.map((f) => f.name).join(", ")}; an image; Kubernetes enabled`;
  });

  act("photon-vms", async () => {
    const { tenant, id } = project();
    const flavor = $<HTMLSelectElement>("photon-flavor").value;
    const count = Math.max(1, Math.min(2000, Math.floor(Number($<HTMLInputElement>("photon-count").value) || 1)));
    const refused = new Map<string, number>();
    let made = 0;
    let last = "";
    for (let i = 0; i < count; i += 64) {
      const batch = Array.from({ length: Math.min(64, count - i) }, (_, k) => client.run("POST", `/projects/${id}/vms`, vmSpec(flavor, i + k)));
      for (const r of await Promise.allSettled(batch)) {
        if (r.status === "fulfilled") {
          made++;
          last = r.value.entity.id;
        } else {
          const code = r.reason instanceof TaskError ? r.reason.code : (r.reason as Error).message;
          refused.set(code, (refused.get(code) ?? 0) + 1);
        }
      }
    }
    if (last) {
      const vm = await client.call("GET", `/vms/${last}`);
      selected = hostByAddress(vm.host);
    }
    const no = [...refused].map(([c, n]) => `${n} refused: ${c}`).join(", ");
    if (made === 0) throw new Error(`no VM created in ${tenant}: ${no}`);
    return `created ${made} ${flavor} VM(s) in ${tenant}/prod${no ? `; ${no}` : ""}; the last on ${selected >= 0 ? name(selected) : "?"}`;
  });

  const hostByAddress = (address: string): number => {
    for (let h = 0; h < platform.fleet.n; h++) if (platform.fleet.address(h) === address) return h;
    return -1;
  };

  act("photon-cluster", async () => {
    const { tenant, id } = project();
    const workers = Math.max(1, Math.min(100, Math.floor(Number($<HTMLInputElement>("photon-workers").value) || 1)));
    const n = api.clusters.length + 1;
    const spec = { name: `k8s-${n}`, type: "KUBERNETES", workerCount: workers, extendedProperties: { dns: "10.0.0.2", gateway: "10.0.0.1", netmask: "255.255.255.0", master_ip: `10.0.${n}.10`, etcd_ip1: `10.0.${n}.11`, etcd_ip2: `10.0.${n}.12`, etcd_ip3: `10.0.${n}.13`, container_network: "10.2.0.0/16" } };
    const t = await client.run("POST", `/projects/${id}/clusters`, spec);
    return `Kubernetes cluster ${spec.name} created in ${tenant}: 1 master, 3 etcd, ${workers} worker(s) (task ${t.id.slice(0, 8)})`;
  });

  // A host's way into maintenance, each step through the API; the log keeps what the API answered.
  const hostStep = (id: string, what: (hostId: string) => Promise<string>) =>
    act(id, async () => {
      if (selected < 0) throw new Error("select a host first: click it in the heat map");
      const hostId = platform.fleet.hostId(selected);
      try {
        const said = await what(hostId);
        log(said);
        return said;
      } catch (e) {
        const said = `${name(selected)}: ${(e as Error).message}`;
        log(said, true);
        throw new Error(said);
      }
    });
  hostStep("photon-suspend", async (h) => (await client.run("POST", `/hosts/${h}/suspend`), `${name(selected)} suspended: no new VM is placed on it`));
  hostStep("photon-maintenance", async (h) => (await client.run("POST", `/hosts/${h}/enter_maintenance`), `${name(selected)} entered maintenance`));
  hostStep("photon-exit", async (h) => (await client.run("POST", `/hosts/${h}/exit_maintenance`), `${name(selected)} left maintenance: READY`));
  hostStep("photon-resume", async (h) => (await client.run("POST", `/hosts/${h}/resume`), `${name(selected)} resumed: READY`));
  hostStep("photon-evacuate", async (h) => {
    const vms = await client.list(`/hosts/${h}/vms`);
    for (const v of vms) {
      if (v.state === "STARTED") await client.run("POST", `/vms/${v.id}/stop`);
      await client.run("DELETE", `/vms/${v.id}`);
    }
    return `${name(selected)}: deleted its ${vms.length} VM(s)`;
  });

  $("photon-heatmap").addEventListener("click", (e) => {
    const h = heat.hostAt(e as MouseEvent);
    if (h >= 0) selected = h;
  });

  // The frame loop: one snapshot per animation frame, every view drawn from it.
  // Frames drawn in the last second and the work one costs (snapshot and every view), shown beside the fleet.
  let frames = 0;
  let busy = 0;
  let rate = { fps: 0, ms: 0 };
  let second = performance.now();
  const frame = (t: number) => {
    if (!$("photon-panel").hidden) {
      const start = performance.now();
      void refresh();
      const f = takePhotonFrame(platform, api, selected);
      heat.render(f);
      renderFleet(f, rate);
      renderTenants(f);
      renderClusters(f);
      renderDecisions(f, name);
      renderSelected(f, name, (h) => platform.fleet.vmCount[h]);
      frames++;
      busy += performance.now() - start;
      if (t - second >= 1000) {
        rate = { fps: Math.round((frames * 1000) / (t - second)), ms: busy / frames };
        frames = 0;
        busy = 0;
        second = t;
      }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  status(`a Photon Controller deployment of ${platform.fleet.n.toLocaleString("en-US")} hosts in the page: set up tenants, then create VMs`);
  return { platform: () => platform, client: () => client };
}
