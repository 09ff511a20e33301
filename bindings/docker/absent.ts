/**
 * What dockerd answers for what a VCH does not have: it is a node in no swarm, with no plugins
 * installed. Clients read these answers as "nothing there" (docker-py's `leave_swarm(force=True)`
 * treats the 503 as done; `docker plugin ls` lists nothing), where a 501 would be a failure.
 */
import { ApiError } from "./http.js";

const NOT_A_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const NOT_IN_A_SWARM = "This node is not part of a swarm";

/**
 * dockerd's error for a swarm or plugin path on such a node, or undefined when the path is not one
 * it answers that way (swarm init/join, plugin install: work vicsim does not do, answered 501).
 */
export function absentAnswer(method: string, path: string): ApiError | undefined {
  if (/^\/(nodes|services|tasks|secrets|configs)(\/|$)/.test(path)) return new ApiError(503, NOT_A_MANAGER);
  if (method === "POST" && path === "/swarm/leave") return new ApiError(503, NOT_IN_A_SWARM);
  if (method === "POST" && path === "/swarm/unlock") return new ApiError(503, NOT_IN_A_SWARM);
  if ((method === "GET" && (path === "/swarm" || path === "/swarm/unlockkey")) || (method === "POST" && path === "/swarm/update"))
    return new ApiError(503, NOT_A_MANAGER);
  // A named plugin is never installed: inspect, enable, disable, set, push, upgrade and remove.
  const named = /^\/plugins\/(.+?)(\/(json|enable|disable|set|push|upgrade))?$/.exec(path);
  if (named && !["pull", "create", "privileges"].includes(named[1])) {
    let name = named[1];
    try {
      name = decodeURIComponent(name);
    } catch {
      // shown as sent
    }
    return new ApiError(404, `plugin "${name.slice(0, 200)}" not found`);
  }
  return undefined;
}
