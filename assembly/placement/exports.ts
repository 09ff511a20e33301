// Placement exports (place_*, ha_*, sched_*): the cluster kernel, the pre-copy model and the
// fleet scheduler. Each instance holds one cluster or one fleet.
export * from "./cluster";
export * from "./migration";
export * from "./fleet";
