// Running a real guest to its end and collecting what a user would see.
import { RealGuest, type RealGuestOptions, type RealGuestResult } from "../bindings/guests/real/host.js";

export interface Ran {
  stdout: string;
  stderr: string;
  result: RealGuestResult;
  guest: RealGuest;
}

/** Output collected as text while the guest runs. */
export function collect(): { out: { stdout: string; stderr: string }; onOutput: RealGuestOptions["onOutput"] } {
  const out = { stdout: "", stderr: "" };
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  return { out, onOutput: (stream, chunk) => void (out[stream] += decoders[stream].decode(chunk, { stream: true })) };
}

/** Starts a guest, feeds it `stdin` (then closes stdin), waits for its end. */
export async function runGuest(opts: RealGuestOptions & { stdin?: string }): Promise<Ran> {
  const { out, onOutput } = collect();
  const guest = RealGuest.start({ ...opts, onOutput });
  if (opts.stdin !== undefined) {
    guest.writeStdin(opts.stdin);
    guest.closeStdin();
  }
  const result = await guest.exited;
  return { ...out, result, guest };
}

/** Resolves once `text` has appeared in what `out` collects. */
export async function until(out: { stdout: string; stderr: string }, text: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(out.stdout + out.stderr).includes(text)) {
    if (Date.now() > end) throw new Error(`no "${text}" in output after ${ms} ms: ${JSON.stringify(out)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
