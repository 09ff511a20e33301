/**
 * What runc checks before it starts a container's process or an exec's: the program exists in the
 * container's filesystem (through the process's PATH when its name has no slash) and is executable.
 * dockerd refuses the start with runc's message, and the docker CLI exits 127 (not found) or 126
 * (not executable); `refusalExitCode` is dockerd's choice between them.
 */
import type { ContainerFs } from "../fs/index.js";
import { accountsOf, resolveUser } from "../guests/identity.js";
import { invalid, VchError } from "./errors.js";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** How containerd and dockerd wrap runc's complaint: at a container's start, at an exec's. */
const OCI_PREFIX = {
  create: "failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: ",
  exec: "OCI runtime exec failed: exec failed: unable to start container process: ",
};

/**
 * dockerd's or runc's complaint about starting `argv0` as `user` in `fs`, or null when it would start:
 * dockerd looks the user up in the container's /etc/passwd first (its error is not runc's).
 */
export function startRefusal(fs: ContainerFs, argv0: string, env: string[], workdir: string, at: "create" | "exec" = "create", user = ""): string | null {
  if (user) {
    const who = resolveUser(user, accountsOf(fs));
    if ("error" in who) return who.error;
  }
  const oci = (why: string) => `${OCI_PREFIX[at]}exec: "${argv0}": ${why}: unknown`;
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
  // The last PATH is the process's: an exec's own `-e PATH=…` comes after the container's.
  const path = env.filter((e) => e.startsWith("PATH=")).pop()?.slice(5) ?? DEFAULT_PATH;
  for (const dir of path.split(":")) if (dir && executable(`${dir.replace(/\/$/, "")}/${argv0}`) === "ok") return null;
  return oci("executable file not found in $PATH");
}

const byRunc = (refusal: string): boolean => refusal.startsWith("OCI runtime") || refusal.startsWith("failed to create task");

/**
 * dockerd's exit code for a refusal (daemon/errors.go): 126 when not executable, 127 when not found;
 * for its own (an unknown user) 128 at a container's start (exitUnknown), 126 at an exec's.
 */
export function refusalExitCode(refusal: string, at: "create" | "exec" = "create"): number {
  if (!byRunc(refusal)) return at === "exec" ? 126 : 128;
  return refusal.includes("permission denied") ? 126 : 127;
}

/** The error a refused start answers: runc's is the request's fault (400), dockerd's spec failing is a system error (500). */
export function refusalError(refusal: string): VchError {
  return byRunc(refusal) ? invalid(refusal) : new VchError("internal", refusal);
}
