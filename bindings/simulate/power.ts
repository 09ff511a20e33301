/**
 * SPECpower tables and energy: watts at 0, 10, … 100 % load, linear between deciles, exactly as
 * CloudSim's `PowerModelSpecPower` computes it (same operations, so ties between hosts fall alike).
 */

/** Watts at 0 … 100 % CPU load in steps of 10 %: eleven entries. */
export type PowerTable = readonly number[];

/** HP ProLiant ML110 G4 (Xeon 3040), SPECpower_ssj2008. */
export const ML110_G4: PowerTable = [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117];
/** HP ProLiant ML110 G5 (Xeon 3075), SPECpower_ssj2008. */
export const ML110_G5: PowerTable = [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135];

/** Power in watts at utilisation `u` ∈ [0, 1]; NaN outside (CloudSim throws there). */
export function powerAt(table: PowerTable | Float64Array, u: number): number {
  return u < 0 || u > 1 ? NaN : powerOf(table, u);
}

/** Joules (W·s) → kWh. */
export function kWh(wattSeconds: number): number {
  return wattSeconds / 3.6e6;
}

/** SPECpower interpolation (CloudSim `PowerModelSpecPower.getPower`); loads above 1 count as 1. */
export function powerOf(table: PowerTable | Float64Array, u: number): number {
  if (u >= 1) return table[10];
  if (u <= 0) return table[0];
  // CloudSim returns the table entry when u % 0.1 === 0; then u · 10 is a whole number and the
  // interpolation below gives that entry too (delta · 0), so the slow remainder is left out.
  const i1 = Math.floor(u * 10);
  const i2 = Math.ceil(u * 10);
  const p1 = table[i1];
  const delta = (table[i2] - p1) / 10;
  return p1 + delta * (u - i1 / 10) * 100;
}
