/**
 * RESERVE_RESOURCE: VM placements through the wasm fleet scheduler. Requests made in the same turn of
 * the event loop (256 clients creating VMs at once) cross into the core in one batch. Affinities become
 * the scheduler's constraints: availability zone and datastore as label bits, host as a pinned host.
 */
import type { FleetPlacement, FleetRequest } from "../core/cluster-types.js";
import { DecisionLog } from "./decisions.js";
import { ApiError } from "./errors.js";
import { CLOUD_BIT } from "./fleet.js";
import type { PhotonPlatform } from "./platform.js";
import type { Affinity } from "./types.js";

/** The scheduler's constraints for a VM's affinities; unknown targets fail placement with NoSuchResource. */
export function constraints(p: PhotonPlatform, affinities: Affinity[]): { labels: number; pin: number } {
  let labels = 1 << CLOUD_BIT;
  let pin = -1;
  const none = (): never => {
    throw new ApiError(400, "NoSuchResource", null);
  };
  for (const a of affinities) {
    if (a.kind === "availabilityZone") {
      const z = p.docs.zone.get(a.id) ?? [...p.docs.zone.values()].find((x) => x.name === a.id);
      if (!z) none();
      labels |= 1 << z!.bit;
    } else if (a.kind === "host") {
      let h = p.fleet.hostIndex(a.id);
      if (h < 0) h = p.fleet.byAddress(a.id);
      if (h < 0) none();
      pin = h;
    } else if (a.kind === "datastore") {
      const d = p.fleet.datastore(a.id) ?? p.fleet.datastores.find((x) => x.name === a.id);
      if (!d) none();
      labels |= 1 << d!.bit;
    } else if (a.kind === "disk") {
      const disk = p.docs.disk.get(a.id);
      const d = disk?.datastore ? p.fleet.datastore(disk.datastore) : undefined;
      if (!d) none();
      labels |= 1 << d!.bit;
    }
  }
  return { labels: labels >>> 0, pin };
}

export class Placer {
  private queue: { req: FleetRequest; done: (r: FleetPlacement) => void }[] = [];
  private scheduled = false;
  /** The scheduler's last 8 decisions (the playground's Photon view shows them). */
  readonly decisions = new DecisionLog();
  constructor(private readonly p: PhotonPlatform) {}

  /** Places one VM (batched with the others of this turn). */
  place(req: FleetRequest): Promise<FleetPlacement> {
    return new Promise((done) => {
      this.queue.push({ req, done });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }
  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const out = this.p.fleet.scheduler.placeMany(batch.map((b) => b.req));
    this.decisions.record(this.p.fleet.scheduler, batch.map((b) => b.req), out);
    batch.forEach((b, i) => b.done(out[i]));
  }
}
