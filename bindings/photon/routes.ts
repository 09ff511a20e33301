/** The routing table: every noun's routes, matched on (method, path segments). */
import { ApiError } from "./errors.js";
import { clusterRoutes } from "./clusters.js";
import { deploymentRoutes } from "./deployment.js";
import { diskRoutes } from "./disks.js";
import { flavorRoutes } from "./flavors.js";
import { hostRoutes } from "./hosts.js";
import { imageRoutes } from "./images.js";
import { migrationRoutes } from "./migration.js";
import { projectRoutes } from "./projects.js";
import { ok, type Route } from "./route.js";
import { filterTasks, tenantRoutes } from "./tenants.js";
import { subnetRoutes } from "./subnets.js";
import { ticketRoutes } from "./tickets.js";
import { vmDeviceRoutes } from "./vm-devices.js";
import { vmRoutes } from "./vms.js";
import { zoneRoutes } from "./zones.js";

const taskRoutes: Route[] = [
  {
    method: "GET",
    path: "/tasks",
    run({ p, query, origin }) {
      const id = query.get("entityId");
      const kind = query.get("entityKind");
      if ((id === null) !== (kind === null) && query.get("pageLink") === null) {
        throw new ApiError(400, "InvalidQueryParams", "Both entityId and entityKind must be specified, or neither", { entityId: id ?? "null", entityKind: kind ?? "null" });
      }
      return ok(
        p.pages.page("/tasks", query, (q) =>
          filterTasks(
            [...p.docs.task.values()].filter((t) => (id === null || t.entity.id === id) && (kind === null || t.entity.kind === kind)),
            new URLSearchParams(q.get("state") ? { state: q.get("state")! } : {}),
          ).map((t) => p.tasks.json(t, origin)),
        ),
      );
    },
  },
  {
    method: "GET",
    path: "/tasks/:id",
    run: ({ p, params, origin }) => ok(p.tasks.json(p.get("task", params.id, "NotFound", "Task"), origin)),
  },
];

interface Compiled {
  route: Route;
  segs: string[];
}
const ALL: Compiled[] = [...tenantRoutes, ...ticketRoutes, ...projectRoutes, ...flavorRoutes, ...imageRoutes, ...vmRoutes, ...vmDeviceRoutes, ...diskRoutes, ...clusterRoutes, ...hostRoutes, ...zoneRoutes, ...subnetRoutes, ...deploymentRoutes, ...migrationRoutes, ...taskRoutes].map((route) => ({
  route,
  segs: route.path.split("/").filter(Boolean),
}));

/** The route for `method path` and its parameters, or null. */
export function match(method: string, path: string): { route: Route; params: Record<string, string> } | null {
  const segs = path.split("/").filter(Boolean);
  outer: for (const c of ALL) {
    if (c.route.method !== method || c.segs.length !== segs.length) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < segs.length; i++) {
      const want = c.segs[i];
      if (want.startsWith(":")) params[want.slice(1)] = decode(segs[i]);
      else if (want !== segs[i]) continue outer;
    }
    return { route: c.route, params };
  }
  return null;
}

/** A path segment decoded; a malformed escape is kept as sent (it then names nothing: 404). */
function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}
