/**
 * Stats as neutral samples: what a container used up to now (CPU ns, computed, never accounted:
 * reading changes nothing), the sample the last guest tick took (Docker's precpu), its processes,
 * its memory limit, the container VM's memory from the memory engine, and its interfaces. Docker's
 * stats object is built from a sample in bindings/docker/stats.ts.
 */
import type { Container } from "./container.js";
import type { ContainerLifecycle } from "./lifecycle.js";
import type { StatsSample, VmMemory } from "./types.js";

export type { StatsSample };


/** A container's sample at virtual time `now`. */
export function sample(c: Container, lifecycle: ContainerLifecycle, vm: VmMemory | null, now: number): StatsSample {
  const running = c.rec.state.Running;
  const vcpus = Math.max(1, Math.ceil(Number(c.rec.hostConfig.NanoCpus) / 1e9));
  const pre = c.rt.precpuSample;
  return {
    id: c.rec.id,
    name: c.rec.name,
    running,
    read: now,
    vcpus,
    cpuNs: Math.round(lifecycle.cpuNsAt(c, now)),
    systemNs: Math.round(now * 1e6 * vcpus),
    previous: pre ? { cpuNs: pre.total, systemNs: pre.system, read: pre.read } : null,
    pids: running ? 1 + c.rt.execs.size : 0,
    memoryLimit: Number(c.rec.hostConfig.Memory),
    vm: running ? vm : null,
    interfaces: running ? Object.keys(c.rec.networks).filter((n) => n !== "host" && n !== "none") : [],
  };
}
