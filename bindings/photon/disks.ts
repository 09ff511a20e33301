/** Persistent disks (API.md §6, §7, §8): flavor cost plus `persistent-disk.capacity` debited; CREATING → DETACHED. */
import { ApiError, invalidEntity, stateError } from "./errors.js";
import { flavorByName, flavorKind } from "./flavors.js";
import type { PhotonPlatform } from "./platform.js";
import { creditProject, debitProject, project } from "./projects.js";
import { byName, checkName, created, ok, required, type Route } from "./route.js";
import { filterTasks } from "./tenants.js";
import type { DiskDoc } from "./types.js";

export function diskJson(d: DiskDoc, origin: string): Record<string, unknown> {
  const out: Record<string, unknown> = { id: d.id, selfLink: `${origin}/disks/${d.id}`, kind: "persistent-disk", name: d.name, flavor: d.flavor, cost: d.cost, tags: d.tags, state: d.state, capacityGb: d.capacityGb, vms: d.vms };
  if (d.datastore) out.datastore = d.datastore;
  return out;
}

export const diskRoutes: Route[] = [
  {
    method: "POST",
    path: "/projects/:id/disks",
    async run({ p, params, body, origin }) {
      const pr = project(p, params.id);
      const b = await body();
      const name = checkName(b.name);
      if (flavorKind(b.kind) !== "persistent-disk") throw invalidEntity(`kind must match "persistent-disk|persistent" (was ${String(b.kind)})`);
      const f = flavorByName(p, required(b.flavor, "flavor"), "persistent-disk");
      const capacityGb = b.capacityGb;
      if (!Number.isInteger(capacityGb) || (capacityGb as number) < 1) throw invalidEntity(`capacityGb must be greater than or equal to 1 (was ${capacityGb ?? "null"})`);
      // affinities place the disk beside a VM (the datastore of the VM's host); kind vm only
      const affinities = (Array.isArray(b.affinities) ? b.affinities : []).map((a, i) => {
        const x = (a ?? {}) as Record<string, unknown>;
        if (x.kind !== "vm") throw invalidEntity(`affinities[${i}].kind must match "vm" (was ${x.kind === undefined ? "null" : String(x.kind)})`);
        return required(x.id, `affinities[${i}].id`);
      });
      const debited = [...f.cost, { key: "persistent-disk.capacity", value: capacityGb as number, unit: "GB" as const }];
      debitProject(p, pr, debited);
      const d: DiskDoc = { id: crypto.randomUUID(), name, projectId: pr.id, kind: "persistent-disk", flavor: f.name, cost: f.cost, debited, state: "CREATING", datastore: null, capacityGb: capacityGb as number, vms: [], tags: Array.isArray(b.tags) ? b.tags.map(String) : [] };
      p.put("disk", d);
      const t = p.tasks.queue(
        "CREATE_DISK",
        { kind: "persistent-disk", id: d.id },
        [
          [
            "RESERVE_RESOURCE",
            () => {
              let datastore = p.fleet.datastores[0].id;
              for (const vmId of affinities) {
                const v = p.docs.vm.get(vmId);
                if (!v || v.host < 0) throw new ApiError(400, "NoSuchResource", null);
                datastore = v.datastore ?? p.fleet.datastoresOf(v.host)[0].id;
              }
              p.put("disk", { ...p.docs.disk.get(d.id)!, datastore });
            },
          ],
          ["CREATE_DISK", () => void p.put("disk", { ...p.docs.disk.get(d.id)!, state: "DETACHED" })],
        ],
        { projectId: pr.id, tenantId: pr.tenantId },
        () => void p.put("disk", { ...p.docs.disk.get(d.id)!, state: "ERROR" }),
        { [d.id]: "persistent-disk" },
      );
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "GET",
    path: "/projects/:id/disks",
    run({ p, params, query, origin }) {
      const pr = project(p, params.id);
      return ok(p.pages.page(`/projects/${pr.id}/disks`, query, (q) => byName([...p.docs.disk.values()].filter((d) => d.projectId === pr.id), q).map((d) => diskJson(d, origin))));
    },
  },
  {
    method: "GET",
    path: "/disks/:id",
    run({ p, params, origin }) {
      return ok(diskJson(p.get("disk", params.id, "DiskNotFound", "Disk"), origin));
    },
  },
  {
    method: "DELETE",
    path: "/disks/:id",
    run({ p, params, origin }) {
      const d = p.get("disk", params.id, "DiskNotFound", "Disk");
      if (!["CREATING", "DETACHED", "ERROR"].includes(d.state)) throw stateError("persistent-disk", d.id, "DELETE_DISK", d.state);
      const t = p.tasks.queue(
        "DELETE_DISK",
        { kind: "persistent-disk", id: d.id },
        [
          [
            "DELETE_DISK",
            () => {
              const cur = p.docs.disk.get(d.id);
              if (!cur) throw new ApiError(404, "DiskNotFound", `Disk #${d.id} not found`, { id: d.id });
              if (cur.state === "ATTACHED") throw stateError("persistent-disk", d.id, "DELETE_DISK", cur.state);
              creditProject(p, cur.projectId, cur.debited);
              p.remove("disk", d.id);
            },
          ],
        ],
        { projectId: d.projectId },
      );
      return created(p.tasks.json(t, origin));
    },
  },
  {
    method: "GET",
    path: "/disks/:id/tasks",
    run({ p, params, query, origin }) {
      const d = p.get("disk", params.id, "DiskNotFound", "Disk");
      return ok(p.pages.page("/tasks", query, (q) => filterTasks([...p.docs.task.values()].filter((x) => x.entity.id === d.id), q).map((x) => p.tasks.json(x, origin))));
    },
  },
];
