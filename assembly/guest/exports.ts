// Real-guest exports: page tokens of a guest's linear memory (see pages.ts for the scratch layout).
import { scratch_ptr } from "../util/scratch";
import { hashPages } from "./pages";

/** Hashes `n` pages the host copied to the scratch region; tokens follow the pages. Returns non-zero pages. */
export function guest_hash_pages(n: u32): u32 {
  return hashPages(scratch_ptr(), n);
}
