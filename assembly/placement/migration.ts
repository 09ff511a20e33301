/** vMotion pre-copy model: round 0 sends what the destination lacks, round i what round i−1 let
 * the guest dirty, until the rest fits in 100 ms of link time, 29 rounds, or 3× memory sent. */
import { scratch_ensure } from "../util/scratch";

@inline const PAGE_BYTES: f64 = 4096;
@inline const PRECOPY_MAX_ROUNDS: i32 = 29;
@inline const PRECOPY_MAX_SENT: f64 = 3.0;
@inline const PRECOPY_STOP_SECONDS: f64 = 0.1;

/**
 * Estimates one live migration; writes [rounds, pagesSent, finalPages, downtimeMs, durationMs,
 * reason (0 converged, 1 max rounds, 2 max bytes)] to scratch and returns 6.
 */
export function place_migration(memoryPages: f64, dirty: f64, ws: f64, mbps: f64, atDest: f64, switchMs: f64): i32 {
  const pps = (mbps * 1e6) / PAGE_BYTES;
  const threshold = pps * PRECOPY_STOP_SECONDS;
  let toSend = memoryPages - atDest;
  if (toSend < 0) toSend = 0;
  let sent: f64 = 0;
  let time: f64 = 0;
  let rounds: i32 = 0;
  let reason: i32 = 0;
  for (;;) {
    if (toSend <= threshold) {
      reason = 0;
      break;
    }
    if (rounds >= PRECOPY_MAX_ROUNDS) {
      reason = 1;
      break;
    }
    if (sent >= PRECOPY_MAX_SENT * memoryPages) {
      reason = 2;
      break;
    }
    const t = toSend / pps;
    sent += toSend;
    time += t;
    rounds++;
    toSend = min<f64>(ws, min<f64>(memoryPages, Math.ceil(dirty * t)));
  }
  const last = toSend / pps;
  const p = scratch_ensure(48);
  store<f64>(p, <f64>rounds);
  store<f64>(p + 8, sent + toSend);
  store<f64>(p + 16, toSend);
  store<f64>(p + 24, last * 1000 + switchMs);
  store<f64>(p + 32, (time + last) * 1000 + switchMs);
  store<f64>(p + 40, <f64>reason);
  return 6;
}
