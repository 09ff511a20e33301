/**
 * ClusterComputeResource: the VCH's cluster, with DRS (threshold as vSphere's vmotionRate, the
 * automation level as defaultVmBehavior) and HA configuration, and ReconfigureComputeResource_Task.
 */
import type { DrsAutomation, HaPolicyModel } from "../vch/types.js";
import { ManagedEntity, entityGetters, type Ctx, type Getter, type Method } from "./managed.js";
import { HOST_FOLDER, ROOT_POOL } from "./inventory.js";
import { child, textOf, intOf, boolOf } from "./soap.js";
import { Enum, VimFault, int, long, refs, short, type DataObject, type Ref } from "./values.js";

export class ClusterComputeResource extends ManagedEntity {
  readonly getters: Record<string, Getter<ClusterComputeResource>> = clusterGetters;
  override readonly methods: Record<string, Method<ClusterComputeResource>> = clusterMethods;
  constructor(
    ref: Ref,
    private readonly label: string,
  ) {
    super(ref);
  }
  name(): string {
    return this.label;
  }
  parent(): Ref {
    return HOST_FOLDER;
  }
  override contents(ctx: Ctx): Ref[] {
    return [...ctx.server.inventory.hosts().map((h) => h.ref), ROOT_POOL];
  }
}

/** vSphere's vmotionRate runs the other way from the UI's migration threshold (1 = aggressive). */
const vmotionRate = (threshold: number): number => 6 - threshold;

function haConfig(policy: HaPolicyModel): DataObject {
  const admission: DataObject | undefined =
    policy.kind === "slots"
      ? { _type: "ClusterFailoverLevelAdmissionControlPolicy", failoverLevel: policy.failuresToTolerate }
      : policy.kind === "percentage"
        ? { _type: "ClusterFailoverResourcesAdmissionControlPolicy", cpuFailoverResourcesPercent: policy.cpuPercent, memoryFailoverResourcesPercent: policy.memoryPercent }
        : policy.kind === "failoverHosts"
          ? { _type: "ClusterFailoverHostAdmissionControlPolicy" }
          : undefined;
  return {
    _type: "ClusterDasConfigInfo",
    enabled: policy.kind !== "disabled",
    vmMonitoring: "vmMonitoringDisabled",
    hostMonitoring: "enabled",
    failoverLevel: policy.kind === "slots" ? policy.failuresToTolerate : undefined,
    admissionControlPolicy: admission,
    admissionControlEnabled: policy.kind !== "disabled",
  };
}

function configuration(ctx: Ctx): DataObject {
  const info = ctx.server.inventory.info();
  return {
    _type: "ClusterConfigInfoEx",
    dasConfig: haConfig(info.ha.policy),
    drsConfig: {
      _type: "ClusterDrsConfigInfo",
      enabled: true,
      enableVmBehaviorOverrides: true,
      defaultVmBehavior: info.drs.automation,
      vmotionRate: vmotionRate(info.drs.threshold),
    },
  };
}

function summary(ctx: Ctx): DataObject {
  const info = ctx.server.inventory.info();
  const up = info.hosts.filter((h) => h.state === "connected");
  const cores = (mhz: number): number => Math.max(1, Math.round(mhz / 2000));
  return {
    _type: "ClusterComputeResourceSummary",
    totalCpu: info.hosts.reduce((s, h) => s + h.cpuMHz, 0),
    totalMemory: long(info.hosts.reduce((s, h) => s + h.memoryMiB, 0) * 1048576),
    numCpuCores: short(info.hosts.reduce((s, h) => s + cores(h.cpuMHz), 0)),
    numCpuThreads: short(info.hosts.reduce((s, h) => s + cores(h.cpuMHz), 0)),
    effectiveCpu: up.reduce((s, h) => s + h.cpuMHz, 0),
    effectiveMemory: long(up.reduce((s, h) => s + h.memoryMiB, 0)),
    numHosts: info.hosts.length,
    numEffectiveHosts: up.length,
    overallStatus: new Enum("ManagedEntityStatus", up.length === info.hosts.length ? "green" : "yellow"),
    currentFailoverLevel: int(info.ha.failoverCapacity),
    numVmotions: info.drs.migrations,
    currentBalance: Math.round(info.drs.imbalance * 1000),
    targetBalance: Math.round(info.drs.targetImbalance * 1000),
  };
}

const clusterGetters: Record<string, Getter<ClusterComputeResource>> = {
  ...entityGetters,
  host: (o, ctx) => refs(ctx.server.inventory.hosts().map((h) => h.ref)),
  resourcePool: () => ROOT_POOL,
  datastore: (_o, ctx) => refs(ctx.server.inventory.datastores().map((d) => d.ref)),
  network: (_o, ctx) => refs(ctx.server.inventory.networks().map((n) => n.ref)),
  summary: (_o, ctx) => summary(ctx),
  configuration: (_o, ctx) => ({ ...configuration(ctx), _type: "ClusterConfigInfo" }),
  configurationEx: (_o, ctx) => configuration(ctx),
};

const AUTOMATION: DrsAutomation[] = ["manual", "partiallyAutomated", "fullyAutomated"];

const clusterMethods: Record<string, Method<ClusterComputeResource>> = {
  ReconfigureComputeResource_Task: (o, args, ctx) => {
    const spec = child(args, "spec");
    if (!spec) throw new VimFault("InvalidRequest", "ReconfigureComputeResource_Task needs a spec");
    const drs = child(spec, "drsConfig");
    const change: { threshold?: 1 | 2 | 3 | 4 | 5; automation?: DrsAutomation } = {};
    if (drs) {
      const behavior = textOf(drs, "defaultVmBehavior");
      if (behavior) {
        if (!AUTOMATION.includes(behavior as DrsAutomation)) throw new VimFault("InvalidArgument", `defaultVmBehavior ${behavior} is not one of ${AUTOMATION.join(", ")}`, { invalidProperty: "drsConfig.defaultVmBehavior" });
        change.automation = behavior as DrsAutomation;
      }
      const rate = intOf(drs, "vmotionRate");
      if (rate !== undefined) {
        if (rate < 1 || rate > 5) throw new VimFault("InvalidArgument", `vmotionRate ${rate} is not from 1 to 5`, { invalidProperty: "drsConfig.vmotionRate" });
        change.threshold = vmotionRate(rate) as 1 | 2 | 3 | 4 | 5;
      }
      if (boolOf(drs, "enabled") === false) throw new VimFault("InvalidArgument", "DRS cannot be turned off on a Virtual Container Host's cluster", { invalidProperty: "drsConfig.enabled" });
    }
    return ctx.server.tasks.start(ctx, o.ref, o.name(), "ReconfigureComputeResource_Task", "ClusterComputeResource.reconfigureEx", async () => {
      ctx.server.vch.setDrs(change);
      ctx.server.changed();
    });
  },
};
