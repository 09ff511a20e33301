/**
 * Real guests' entropy, a setting beside TPS salting: the label `vicsim.guest.entropy` (on the image
 * or the container, the container's winning) is `seeded` (default) or `random`. Seeded guests draw
 * their randomness from a seed of their image (different images, different seeds), so guests of one
 * image boot to the same pages and share them; random guests use the platform's entropy and boot
 * cold. The trade-off is the one VMware weighed for salting (README, "Guest entropy").
 */
import { invalid } from "./errors.js";
import { hash32 } from "./rng.js";

export const GUEST_ENTROPY_LABEL = "vicsim.guest.entropy";

export type GuestEntropyMode = "seeded" | "random";

export interface GuestEntropySetting {
  mode: GuestEntropyMode;
  /** The image's seed (used when `seeded`; random guests' template VM is still the image's). */
  seed: number;
}

/** The setting the labels give a container of image `imageId`; a bad value is refused in the label's terms. */
export function guestEntropyOf(labels: Record<string, string> | null | undefined, imageId: string): GuestEntropySetting {
  const value = labels?.[GUEST_ENTROPY_LABEL] ?? "seeded";
  if (value !== "seeded" && value !== "random") throw invalid(`label ${GUEST_ENTROPY_LABEL} must be seeded or random, got ${JSON.stringify(value)}`);
  return { mode: value, seed: hash32(`guest-entropy:${imageId}`) >>> 0 };
}
