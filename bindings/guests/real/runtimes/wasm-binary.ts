/**
 * Declares a maximum on a wasm module's own linear memory, so a guest that grows with the
 * `memory.grow` instruction (wasi-libc's malloc, ruby.wasm) cannot pass its memory limit: growth
 * fails inside the guest, which then fails to allocate. Only the memory section is rewritten.
 */

/** Reads an unsigned LEB128 at `at`; returns [value, next offset]. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return [value, at];
    shift += 7;
  }
}

/** Encodes an unsigned LEB128. */
function toLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value) b |= 0x80;
    out.push(b);
  } while (value);
  return out;
}

/**
 * The module with every memory it defines capped at `maxPages` 64 KiB pages (an existing smaller
 * maximum stays). Throws when a memory already starts above the cap. Imported memories are the
 * host's to create and are left alone.
 */
export function withMemoryMaximum(module: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  if (module.byteLength < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) {
    throw new Error("not a WebAssembly module (no \\0asm header)");
  }
  let at = 8;
  while (at < module.byteLength) {
    const id = module[at];
    const [size, body] = leb(module, at + 1);
    if (id === 5) {
      let p = body;
      const [count, afterCount] = leb(module, p);
      p = afterCount;
      const out: number[] = toLeb(count);
      for (let i = 0; i < count; i++) {
        const flags = module[p++];
        if (flags > 3) throw new Error("64-bit memories are not supported");
        const [min, afterMin] = leb(module, p);
        p = afterMin;
        let max = maxPages;
        if (flags & 1) {
          const [m, afterMax] = leb(module, p);
          p = afterMax;
          max = Math.min(m, maxPages);
        }
        if (min > max) throw new Error(`the program needs ${min * 64} KiB of memory at start, above its limit of ${maxPages * 64} KiB`);
        out.push(flags | 1, ...toLeb(min), ...toLeb(max));
      }
      const section = [5, ...toLeb(out.length), ...out];
      const result = new Uint8Array(at + section.length + (module.byteLength - (body + size)));
      result.set(module.subarray(0, at), 0);
      result.set(section, at);
      result.set(module.subarray(body + size), at + section.length);
      return result;
    }
    at = body + size;
  }
  return module.slice();
}

/**
 * True when a guest that failed did so with its memory near `limit`: the mark of an allocation the
 * limit refused. Wasm says nothing when the `memory.grow` instruction fails (malloc just returns
 * NULL), so the window is the larger of 2 MiB and 1/16 of the limit: room a failed allocation of
 * ordinary size would not have fitted in.
 */
export function failedAtLimit(memoryBytes: number, limit: number): boolean {
  return limit > 0 && limit - memoryBytes < Math.max(2 << 20, limit / 16);
}
