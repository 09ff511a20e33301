/**
 * The scheduler's decision log: for each of the last placements, what was asked, the hosts the fleet
 * scheduler sampled with their scores (null: above 0.95 of CPU or memory), and the host it chose or
 * the Photon failure code. Read from the scheduler's own trace, so it shows what it weighed.
 */
import type { FleetPlacement, FleetRequest, FleetSample, FleetSchedulerApi } from "../core/cluster-types.js";

export interface Decision {
  /** Sequence number of the decision since the platform opened (1, 2, …). */
  seq: number;
  /** Wall-clock time of the decision, ms since the epoch. */
  at: number;
  request: { vcpus: number; memoryMiB: number; labels: number; host?: number };
  sampled: FleetSample[];
  /** The chosen host's index, or -1 when refused. */
  host: number;
  score: number;
  /** Photon's failure code when refused (NoSuchResource, NotEnoughCpuResource, NotEnoughMemoryResource). */
  code?: string;
}

type Tracing = Pick<FleetSchedulerApi, "placeMany"> & { recentSamples(count?: number): FleetSample[][] };

export class DecisionLog {
  private readonly ring: Decision[] = [];
  private seq = 0;

  constructor(readonly keep = 8) {
    if (!Number.isInteger(keep) || keep < 1 || keep > 8) throw new Error(`a decision log keeps 1 to 8 decisions (the scheduler's trace), not ${keep}`);
  }

  /** Records a batch the scheduler just placed: its last `keep` requests get their samples. */
  record(scheduler: Tracing, requests: readonly FleetRequest[], placements: readonly FleetPlacement[]): void {
    if (requests.length !== placements.length) throw new Error(`${requests.length} requests but ${placements.length} placements`);
    const n = Math.min(this.keep, requests.length);
    const samples = scheduler.recentSamples(n);
    const first = requests.length - n;
    this.seq += first;
    for (let i = 0; i < n; i++) {
      const q = requests[first + i];
      const p = placements[first + i];
      this.ring.push({
        seq: ++this.seq,
        at: Date.now(),
        request: { vcpus: q.vcpus, memoryMiB: q.memoryMiB, labels: q.labels ?? 0, ...(q.host !== undefined ? { host: q.host } : {}) },
        sampled: samples[samples.length - n + i] ?? [],
        host: p.host,
        score: p.score,
        ...(p.code ? { code: p.code } : {}),
      });
    }
    if (this.ring.length > this.keep) this.ring.splice(0, this.ring.length - this.keep);
  }

  /** The last decisions, newest last. */
  list(): readonly Decision[] {
    return this.ring.slice();
  }
}
