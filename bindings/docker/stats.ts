/**
 * Docker's stats object from the VCH's neutral sample: cpu_stats and precpu_stats (the previous
 * guest tick's sample), memory_stats from the memory engine's figures (consumed, shared, private),
 * one interface per network whose counters stay zero (the emulated guest sends nothing), and the
 * container VM's memory beside Docker's fields.
 */
import type { StatsSample } from "../vch/stats.js";
import type { VmMemory } from "../vch/types.js";
import { rfc3339, ZERO_TIME } from "../vch/format.js";

/** Docker's stats object (what `GET /containers/{id}/stats` returns), plus the memory engine's view. */
export interface ContainerStats {
  read: string;
  preread: string;
  id: string;
  /** `/web` */
  name: string;
  pids_stats: { current: number; limit?: number };
  num_procs: number;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: {
    /** Bytes: the container VM's consumed memory (its own frames). */
    usage: number;
    /** Bytes: the memory limit (the container VM's guest size). */
    limit: number;
    stats: Record<string, number>;
  };
  networks: Record<string, { rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number; tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number }>;
  blkio_stats: { io_service_bytes_recursive: null | { major: number; minor: number; op: string; value: number }[] };
  storage_stats: Record<string, never>;
  /** The container VM's memory in pages, vSphere's counter names; null without a container VM. */
  vm: VmMemory | null;
}

/** Docker's cpu_stats. */
export interface CpuStats {
  cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number; percpu_usage?: number[] };
  system_cpu_usage: number;
  online_cpus: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

const PAGE = 4096;

export function dockerStats(s: StatsSample): ContainerStats {
  const running = s.running;
  const total = s.cpuNs;
  const cpu: CpuStats = {
    cpu_usage: { total_usage: total, usage_in_kernelmode: Math.round(total * 0.2), usage_in_usermode: Math.round(total * 0.8) },
    system_cpu_usage: running ? s.systemNs : 0,
    online_cpus: running ? s.vcpus : 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
  const pre = s.previous;
  const precpu: CpuStats = {
    cpu_usage: { total_usage: pre?.cpuNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: pre?.systemNs ?? 0,
    online_cpus: running ? s.vcpus : 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
  const vm = s.vm;
  const limit = s.memoryLimit;
  const networks: ContainerStats["networks"] = {};
  s.interfaces.forEach((_, i) => {
    networks[`eth${i}`] = { rx_bytes: 0, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0 };
  });
  return {
    read: running ? rfc3339(s.read) : ZERO_TIME,
    preread: pre && running ? rfc3339(pre.read) : ZERO_TIME,
    id: s.id,
    name: s.name,
    pids_stats: running ? { current: s.pids, limit: 4194304 } : { current: 0 },
    num_procs: 0,
    cpu_stats: cpu,
    precpu_stats: precpu,
    memory_stats: running && vm
      ? {
          usage: vm.consumed * PAGE,
          limit,
          stats: {
            granted: vm.granted * PAGE, consumed: vm.consumed * PAGE, shared: vm.shared * PAGE, private: vm.private * PAGE,
            shared_common: vm.sharedCommon * PAGE, swapped: vm.swapped * PAGE, ballooned: vm.ballooned * PAGE,
            compressed: vm.compressed * PAGE, rss: vm.private * PAGE, cache: 0, total_rss: vm.private * PAGE, hierarchical_memory_limit: limit,
          },
        }
      : { usage: 0, limit: 0, stats: {} },
    networks,
    blkio_stats: { io_service_bytes_recursive: null },
    storage_stats: {},
    vm: running && vm
      ? { granted: vm.granted, consumed: vm.consumed, shared: vm.shared, sharedCommon: vm.sharedCommon, private: vm.private, swapped: vm.swapped, ballooned: vm.ballooned, compressed: vm.compressed }
      : null,
  };
}
