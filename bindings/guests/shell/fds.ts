/**
 * A shell process's file descriptors: the streams they hold, an input that can push bytes back
 * (`read`), and what a redirection opens (a file appended to, /dev/null, /dev/std*).
 */
import type { ContainerFs } from "../../fs/index.js";
import type { ShellUser } from "./context.js";
import { EMPTY_INPUT, type Input, NULL_OUTPUT, type Output } from "./streams.js";

/** A file descriptor's stream. */
export type Fd = Input | Output;
export type Fds = Map<number, Fd>;

/** An input whose unread bytes can be pushed back (the `read` builtin takes one line). */
export class PeekInput implements Input {
  private pending: Uint8Array | null = null;
  constructor(private readonly inner: Input) {}
  async read(): Promise<Uint8Array | null> {
    if (this.pending) { const p = this.pending; this.pending = null; return p; }
    return this.inner.read();
  }
  unread(b: Uint8Array): void { if (b.length) this.pending = this.pending ? concat(b, this.pending) : b; }
}
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a); o.set(b, a.length);
  return o;
}
export const peek = (i: Input): PeekInput => (i instanceof PeekInput ? i : new PeekInput(i));

/** Output appended to a file in the container filesystem (a redirection). */
export class FileOutput implements Output {
  constructor(private readonly fs: ContainerFs, private readonly path: string, private readonly user: ShellUser) {}
  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length) this.fs.writeFile(this.path, chunk, { append: true, cred: this.user });
  }
}

export function devicePath(p: string, f: Fds): Fd | null {
  if (p === "/dev/null") return new NullDevice();
  if (p === "/dev/stdout") return f.get(1) ?? NULL_OUTPUT;
  if (p === "/dev/stderr") return f.get(2) ?? NULL_OUTPUT;
  if (p === "/dev/stdin") return f.get(0) ?? EMPTY_INPUT;
  return null;
}

class NullDevice implements Input, Output {
  async read(): Promise<Uint8Array | null> { return null; }
  async write(): Promise<void> {}
}

export async function writeFd(fds: Fds, fd: number, bytes: Uint8Array): Promise<void> {
  const o = fds.get(fd) as Output | undefined;
  if (o && "write" in o) await o.write(bytes);
}
