// Placement exports (place_*, ha_*, sched_*): see issue "wasm placement core".
