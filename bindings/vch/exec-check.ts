/**
 * What runc checks before it starts a container's process: the program exists in the container's
 * filesystem (through the container's PATH when its name has no slash) and is executable. dockerd
 * refuses the start with runc's message, and the docker CLI exits 127 (not found) or 126 (not executable).
 */
import type { ContainerFs } from "../fs/index.js";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const OCI_PREFIX = "failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: ";

/** runc's complaint about `argv0` in `fs`, or null when it would start. */
export function startRefusal(fs: ContainerFs, argv0: string, env: string[], workdir: string): string | null {
  const oci = (why: string) => `${OCI_PREFIX}exec: "${argv0}": ${why}: unknown`;
  const executable = (p: string): "ok" | "missing" | "denied" => {
    const st = fs.statOrNull(p);
    if (!st) return "missing";
    return st.kind === "file" && st.mode & 0o111 ? "ok" : "denied";
  };
  if (argv0.includes("/")) {
    const full = argv0.startsWith("/") ? argv0 : `${workdir.replace(/\/$/, "") || ""}/${argv0}`;
    const found = executable(full);
    if (found === "ok") return null;
    return found === "missing" ? oci(`stat ${argv0}: no such file or directory`) : oci("permission denied");
  }
  const path = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  for (const dir of path.split(":")) if (dir && executable(`${dir.replace(/\/$/, "")}/${argv0}`) === "ok") return null;
  return oci("executable file not found in $PATH");
}
