/**
 * Bind mounts (`-v /host/path:/path`) need a host folder. The runtime-neutral library takes a
 * `HostFolders` function; Node passes `nodeHostFolders` (./hostdir.ts), every other runtime gets
 * `noHostFolders`, which refuses with Docker's own error.
 */
import type { Backend } from "./backend.js";

/** Opens the host folder `hostPath` as a mountable backend, or throws the error Docker gives. */
export type HostFolders = (hostPath: string) => Backend;

/** Docker's refusal for a bind source it cannot see (what a browser or Deno without a host folder gets). */
export class BindMountError extends Error {
  constructor(hostPath: string) {
    super(`invalid mount config for type "bind": bind source path does not exist: ${hostPath}`);
    this.name = "BindMountError";
  }
}

export const noHostFolders: HostFolders = (hostPath) => {
  throw new BindMountError(hostPath);
};
