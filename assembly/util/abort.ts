// Forwards aborts (failed asserts, out-of-bounds in debug builds) to the host with location.

@external("env", "abort")
declare function hostAbort(message: usize, file: usize, line: u32, column: u32): void;

/** Replaces AssemblyScript's default abort so every runtime gets the same import. */
export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  hostAbort(changetype<usize>(message), changetype<usize>(fileName), line, column);
  unreachable();
}
