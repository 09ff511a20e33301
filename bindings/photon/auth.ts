/**
 * Lightwave's part of Photon Platform (API.md §5): security groups with inheritance (deployment →
 * tenants → projects), the authorization table that picks an object's groups from the request path,
 * and filtered lists for callers who are not administrators. Tokens are in ./tokens.ts.
 */
import { ApiError } from "./errors.js";
import type { PhotonPlatform } from "./platform.js";
import type { ProjectDoc, SecurityGroup, TenantDoc } from "./types.js";

/** Who calls: `sub` of the token and its groups plus `domain\user`. */
export interface Caller {
  user: string;
  groups: string[];
}

const GROUP = /^[^\\\s]+\\[^\\]+$/;
/** Checks `domain\group` names (400 InvalidSecurityGroupFormat). */
export function checkGroups(raw: unknown): string[] {
  if (!Array.isArray(raw)) throw new ApiError(400, "InvalidSecurityGroupFormat", "Security groups must be a list of domain\\group names");
  for (const g of raw) {
    if (typeof g !== "string" || !GROUP.test(g)) throw new ApiError(400, "InvalidSecurityGroupFormat", `The security group format should match domain\\group (was ${String(g)})`);
  }
  return [...new Set(raw as string[])];
}
export function ownGroups(names: string[]): SecurityGroup[] {
  return names.map((name) => ({ name, inherited: false }));
}
/** `parent` names as inherited entries, then own entries not already inherited. */
export function inheritGroups(parent: string[], own: SecurityGroup[]): SecurityGroup[] {
  const inherited = [...new Set(parent)].map((name) => ({ name, inherited: true }));
  return [...inherited, ...own.filter((g) => !g.inherited && !parent.includes(g.name))];
}
/**
 * `set_security_groups`: replaces the own entries, keeps inherited ones; names already inherited are
 * dropped with warning SecurityGroupsAlreadyInherited.
 */
export function replaceOwn(current: SecurityGroup[], names: string[]): { groups: SecurityGroup[]; warnings: ApiError[] } {
  const inherited = current.filter((g) => g.inherited);
  const dropped = names.filter((n) => inherited.some((g) => g.name === n));
  const warnings = dropped.length
    ? [new ApiError(400, "SecurityGroupsAlreadyInherited", `Security groups ${dropped.join(",")} were not set as they had been inherited from parents`, { securityGroups: dropped.join(",") })]
    : [];
  return { groups: [...inherited, ...ownGroups(names.filter((n) => !dropped.includes(n)))], warnings };
}

/** After the deployment's (or a tenant's) groups changed, its children inherit the new list. */
export function pushGroups(p: PhotonPlatform): void {
  for (const t of p.docs.tenant.values()) {
    p.put("tenant", { ...t, securityGroups: inheritGroups(p.deployment.securityGroups, t.securityGroups) });
  }
  for (const pr of p.docs.project.values()) {
    const t = p.docs.tenant.get(pr.tenantId);
    if (t) p.put("project", { ...pr, securityGroups: inheritGroups(t.securityGroups.map((g) => g.name), pr.securityGroups) });
  }
}

/** The administrators' group of the auth domain. */
export function adminGroup(domain: string): string {
  return `${domain}\\ESXCloudAdmins`;
}

/** The allow rule: the object's groups hold EVERYONE, or (groups ∪ admins) meet the caller's groups. */
export function allowed(objectGroups: string[] | "EVERYONE", callerGroups: string[], domain: string): boolean {
  if (objectGroups === "EVERYONE" || objectGroups.includes("EVERYONE")) return true;
  const set = new Set([...objectGroups, adminGroup(domain)]);
  return callerGroups.some((g) => set.has(g));
}

/** What the table of API.md §5 needs to know about the platform: the groups of each object. */
export interface GroupLookup {
  deployment(): string[];
  tenant(id: string): string[] | undefined;
  project(id: string, inheritedOnly: boolean): string[] | undefined;
  /** The project owning a VM, disk, cluster or SDN subnet. */
  ownerProject(kind: "vms" | "disks" | "clusters" | "subnets", id: string): string | undefined;
  ticketTenant(id: string): string | undefined;
}

/** The groups that guard `method path` (API.md §5's table, first matching rule). */
export function guardingGroups(look: GroupLookup, method: string, path: string): string[] | "EVERYONE" {
  const segs = path.toLowerCase().split("?")[0].split("/").filter(Boolean);
  const raw = path.split("?")[0].split("/").filter(Boolean);
  const [kind] = segs;
  const id = raw[1];
  const action = segs[2];
  if (segs.length > 3) return look.deployment();
  switch (kind) {
    case "tenants":
      if (method === "GET") return "EVERYONE";
      if (action === "projects" && method === "POST" && id) return look.tenant(id) ?? [];
      return look.deployment();
    case "projects":
      if (!id) return look.deployment();
      if ((method === "DELETE" && segs.length === 2) || action === "set_security_groups") return look.project(id, true) ?? [];
      return look.project(id, false) ?? [];
    case "vms":
    case "disks":
    case "clusters": {
      if (!id) return look.deployment();
      const owner = look.ownerProject(kind, id);
      return owner === undefined ? [] : (look.project(owner, false) ?? []);
    }
    case "resource-tickets": {
      const tenant = id ? look.ticketTenant(id) : undefined;
      return tenant === undefined ? [] : (look.tenant(tenant) ?? []);
    }
    case "images":
    case "tasks":
      return "EVERYONE";
    case "flavors":
    case "info":
    case "system":
      return method === "GET" ? "EVERYONE" : look.deployment();
    case "subnets": {
      // an SDN subnet is guarded by its project, a physical one by the deployment
      const owner = id ? look.ownerProject("subnets", id) : undefined;
      if (owner !== undefined) return look.project(owner, false) ?? [];
      return method === "GET" ? "EVERYONE" : look.deployment();
    }
    default:
      return look.deployment();
  }
}

/** The platform's groups, for `guardingGroups`. */
export function platformLookup(p: PhotonPlatform): GroupLookup {
  return {
    deployment: () => p.deployment.securityGroups,
    tenant: (id) => p.docs.tenant.get(id)?.securityGroups.map((g) => g.name),
    project: (id, inheritedOnly) => p.docs.project.get(id)?.securityGroups.filter((g) => !inheritedOnly || g.inherited).map((g) => g.name),
    ownerProject: (kind, id) => (kind === "vms" ? p.docs.vm.get(id)?.projectId : kind === "disks" ? p.docs.disk.get(id)?.projectId : kind === "subnets" ? p.docs.subnet.get(id)?.projectId : p.docs.cluster.get(id)?.projectId),
    ticketTenant: (id) => p.docs.ticket.get(id)?.tenantId,
  };
}

/** 403 AccessForbidden (message null) unless the caller may `method path`. */
export function authorize(p: PhotonPlatform, caller: Caller, domain: string, method: string, path: string): void {
  if (!allowed(guardingGroups(platformLookup(p), method, path), caller.groups, domain)) throw new ApiError(403, "AccessForbidden", null);
}

const isAdmin = (caller: Caller, domain: string): boolean => caller.groups.includes(adminGroup(domain));

/** A project is listed to callers whose groups meet its groups (admins see all). */
export function canSeeProject(p: PhotonPlatform, caller: Caller | null, pr: ProjectDoc): boolean {
  if (!caller || p.authDomain === null || isAdmin(caller, p.authDomain)) return true;
  return pr.securityGroups.some((g) => caller.groups.includes(g.name));
}
/** A tenant is listed when its groups meet the caller's, or when the caller sees one of its projects. */
export function canSeeTenant(p: PhotonPlatform, caller: Caller | null, t: TenantDoc): boolean {
  if (!caller || p.authDomain === null || isAdmin(caller, p.authDomain)) return true;
  if (t.securityGroups.some((g) => caller.groups.includes(g.name))) return true;
  for (const pr of p.docs.project.values()) if (pr.tenantId === t.id && canSeeProject(p, caller, pr)) return true;
  return false;
}
