/** Availability zones (API.md §6): a label bit each in the fleet scheduler. */
import { ApiError, nameTaken } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import { byName, checkName, created, ok, type Route } from "./route.js";
import type { ZoneDoc } from "./types.js";

/** Zone bits 0..15 (bits 16.. are datastores). */
const MAX_ZONES = 16;

export function zoneJson(z: ZoneDoc, origin: string): Record<string, unknown> {
  return { id: z.id, selfLink: `${origin}/availabilityzones/${z.id}`, kind: "availability-zone", name: z.name, state: z.state };
}

export const zoneRoutes: Route[] = [
  {
    method: "POST",
    path: "/availabilityzones",
    async run({ p, body, origin }) {
      const name = checkName((await body()).name);
      if ([...p.docs.zone.values()].some((z) => z.name === name)) throw nameTaken("availability-zone", name);
      let bit = 0;
      while (bit < MAX_ZONES && p.zoneByBit[bit]) bit++;
      if (bit >= MAX_ZONES) throw new ApiError(400, "InvalidEntity", `A deployment holds at most ${MAX_ZONES} availability zones`);
      const z: ZoneDoc = { id: crypto.randomUUID(), name, state: "READY", bit };
      p.put("zone", z);
      p.zoneByBit[bit] = z;
      return created(p.tasks.json(p.tasks.completed("CREATE_AVAILABILITYZONE", { kind: "availability-zone", id: z.id }), origin));
    },
  },
  {
    method: "GET",
    path: "/availabilityzones",
    run({ p, query, origin }) {
      return ok(p.pages.page("/availabilityzones", query, (q) => byName(p.docs.zone.values(), q).map((z) => zoneJson(z, origin))));
    },
  },
  {
    method: "GET",
    path: "/availabilityzones/:id",
    run({ p, params, origin }) {
      return ok(zoneJson(p.get("zone", params.id, "AvailabilityZoneNotFound", "AvailabilityZone"), origin));
    },
  },
  {
    method: "DELETE",
    path: "/availabilityzones/:id",
    run({ p, params, origin }) {
      const z = p.get("zone", params.id, "AvailabilityZoneNotFound", "AvailabilityZone");
      for (let h = 0; h < p.fleet.n; h++) {
        if (p.fleet.zone[h] === z.bit && p.fleet.stateOf(h) !== "DELETED") throw new ApiError(400, "ContainerNotEmpty", `Availability zone '${z.id}' has hosts`, { kind: "availability-zone", id: z.id, message: "hosts are in the zone" });
      }
      p.remove("zone", z.id);
      delete p.zoneByBit[z.bit];
      return created(p.tasks.json(p.tasks.completed("DELETE_AVAILABILITYZONE", { kind: "availability-zone", id: z.id }), origin));
    },
  },
];
