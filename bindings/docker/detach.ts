/**
 * Docker's detach keys: a key sequence on an attached stdin (`ctrl-p,ctrl-q` unless the attach's
 * `detachKeys` or the exec's `DetachKeys` names another) ends the attach and leaves the container
 * or exec running. The sequence is read as moby's term.ToBytes reads it and caught as its escape
 * proxy catches it: bytes that begin the sequence are held back, and given to the process after
 * all if the sequence breaks off.
 */
import { badRequest } from "./http.js";

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/** ctrl-@, ctrl-a … ctrl-z, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_ are the codes 0 … 31. */
const CONTROL = "@abcdefghijklmnopqrstuvwxyz[\\]^_";

/** The bytes of a detach key spec ("ctrl-p,ctrl-q", "ctrl-x", "a,b"); a 400 for an unknown key. */
export function detachSequence(spec: string | undefined): Uint8Array {
  const keys = spec === undefined || spec === "" ? DEFAULT_DETACH_KEYS : spec;
  const codes: number[] = [];
  for (const key of keys.split(",")) {
    if (key.length === 1) {
      codes.push(key.charCodeAt(0) & 0xff);
      continue;
    }
    const m = /^ctrl-(.)$/.exec(key);
    const code = m ? CONTROL.indexOf(m[1]) : -1;
    if (code < 0) throw badRequest(`Invalid detach keys (${keys.slice(0, 100)}) provided: Unknown character: '${key.slice(0, 40)}'`);
    codes.push(code);
  }
  return Uint8Array.from(codes);
}

/**
 * Stdin up to the detach sequence: what comes before it passes on, the sequence itself does not,
 * and `onDetach` is called when it is complete (the input then ends).
 */
export async function* untilDetached(stdin: AsyncIterable<Uint8Array>, keys: Uint8Array, onDetach: () => void): AsyncGenerator<Uint8Array> {
  let matched = 0;
  for await (const chunk of stdin) {
    const out: number[] = [];
    let plain = matched === 0; // nothing held or caught: the chunk passes as it came
    for (const byte of chunk) {
      if (byte === keys[matched]) {
        plain = false;
        matched++;
        if (matched === keys.length) {
          if (out.length) yield Uint8Array.from(out);
          onDetach();
          return;
        }
        continue;
      }
      // The sequence broke off: what was held goes to the process after all.
      if (matched) plain = false;
      for (let i = 0; i < matched; i++) out.push(keys[i]);
      matched = 0;
      if (byte === keys[0]) {
        plain = false;
        matched = 1;
      } else out.push(byte);
    }
    if (out.length) yield plain ? chunk : Uint8Array.from(out);
  }
}
