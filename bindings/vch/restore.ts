/**
 * The journal's records and reopening a state folder. `serialise` is what each kind of record is
 * journaled as; `restore` loads a snapshot back: settings and host states, images, networks,
 * volumes, events, containers (their container VMs registered with the one cluster-VM spec that
 * create uses), HA declarations still due, and the containers that ran, per restart policy.
 */
import type { RecordKind, StoreSnapshot } from "../store/types.js";
import type { ClusterOps, PendingDeclaration } from "./cluster-ops.js";
import { clusterVmSpec, memoryMiBOf } from "./config.js";
import { newContainer, LOG_JOURNAL, type Container, type ContainerRec, type LogLine } from "./container.js";
import type { ContainerVms } from "./container-vm.js";
import type { VchContext } from "./context.js";
import type { EventLog } from "./events.js";
import type { VchFilesystems } from "./filesystems.js";
import { rfc3339 } from "./format.js";
import type { Images } from "./images.js";
import type { ContainerLifecycle } from "./lifecycle.js";
import type { Networks } from "./networks.js";
import type { ContainerRegistry } from "./registry.js";
import { mix32, Rng } from "./rng.js";
import type { DrsAutomation, ImageRecord, KeptBuildStep, NetworkRecord, TpsSalting, VchEvent, VolumeRecord } from "./types.js";
import type { Volumes } from "./volumes.js";

/** The VCH's modules as restore and the journal see them. */
export interface VchParts {
  ctx: VchContext;
  seed: number;
  registry: ContainerRegistry;
  images: Images;
  vms: ContainerVms;
  nets: Networks;
  vols: Volumes;
  eventLog: EventLog;
  lifecycle: ContainerLifecycle;
  clusterOps: ClusterOps;
  fs: VchFilesystems;
  /** The builder's cache steps (bindings/builder keeps them here to outlive a restart). */
  buildSteps: Map<string, KeptBuildStep>;
}

interface Settings {
  threshold: 1 | 2 | 3 | 4 | 5;
  automation: DrsAutomation;
  salting?: TpsSalting;
  hostStates?: string[];
  haPending?: PendingDeclaration[];
}

/** A record as the journal keeps it (undefined: it is gone). */
export function serialise(p: VchParts, kind: RecordKind, key: string): unknown {
  switch (kind) {
    case "image":
      return p.images.get(key);
    case "network":
      return p.nets.get(key);
    case "volume":
      return p.vols.get(key);
    case "container": {
      const c = p.registry.get(key);
      if (!c) return undefined;
      return { rec: c.rec, logs: c.logs.last(LOG_JOURNAL), manuallyStopped: c.manuallyStopped, host: c.vm.host };
    }
    case "layer":
      return p.fs.serialise(key);
    case "build":
      return p.buildSteps.get(key);
    case "meta":
      return {
        threshold: p.vms.migrationThreshold, automation: p.vms.automation, seed: p.seed, salting: p.vms.tpsSalting,
        hostStates: p.vms.hostNames.map((_, h) => p.vms.hostState(h)),
        // Failed hosts HA has not declared dead yet: reopening resumes the wait and the restarts.
        haPending: p.clusterOps.pendingDeclarations(),
      } satisfies Settings & { seed: number };
  }
}

/** Loads the journal: images, networks, volumes, containers (running ones per restart policy). */
export function restore(p: VchParts, snap: StoreSnapshot | undefined): void {
  const { ctx, vms } = p;
  const settings = snap?.records.meta.get("settings") as Settings | undefined;
  const hostCount = vms.hostNames.length;
  const declarations = (settings?.haPending ?? []).filter((d) => d.host < hostCount && settings?.hostStates?.[d.host] === "failed");
  if (settings) {
    if (settings.salting) vms.setSalting(settings.salting);
    vms.setMigrationThreshold(settings.threshold);
    vms.setAutomation(settings.automation);
    // Hosts come back as they were: failed ones stay failed, maintenance stays (before any container VM is placed).
    (settings.hostStates ?? []).forEach((state, h) => {
      if (h >= hostCount) return;
      if (state === "maintenance") vms.enterMaintenance(h);
      else if (state === "failed" && !declarations.some((d) => d.host === h)) vms.failHosts([h]);
    });
  }
  const generation = Number((snap?.records.meta.get("generation") as number | undefined) ?? 0) + 1;
  if (generation > 1) {
    // A reopened VCH draws from a stream of its own: same seed, different opening, fresh ids.
    ctx.rng = new Rng(mix32(p.seed ^ mix32(generation * 0x9e3779b1)));
  }
  ctx.journal.put("meta", "generation", generation);
  if (!snap || ![...snap.records.network.values()].length) {
    for (const id of p.nets.createDefaults(ctx.rng, ctx.now())) ctx.journal.mark("network", id);
  } else {
    for (const [k, v] of snap.records.network) p.nets.restore(k, v as NetworkRecord);
  }
  if (snap) {
    for (const [id, v] of snap.records.image) p.images.restore(id, v as ImageRecord);
    for (const [name, v] of snap.records.volume) p.vols.restore(name, v as VolumeRecord);
    for (const [key, v] of snap.records.layer ?? []) p.fs.restore(key, v);
    for (const [key, v] of snap.records.build ?? []) p.buildSteps.set(key, v as KeptBuildStep);
    p.eventLog.restore(snap.events as VchEvent[]);
    const restartLater: Container[] = [];
    const removeLater: Container[] = [];
    /** Containers that were running when the VCH closed (a failed host's victim started again by a client among them). */
    const runningAtClose = new Set<string>();
    for (const [id, v] of snap.records.container) {
      const stored = v as { rec: ContainerRec; logs: LogLine[]; manuallyStopped: boolean };
      const rec = stored.rec;
      const img = p.images.get(rec.imageId);
      if (!img) continue;
      const template = vms.templateId(img.id, memoryMiBOf(rec.hostConfig));
      const clusterVm = vms.register(clusterVmSpec(rec.hostConfig, rec.config.Labels, img.profile, template, rec.name.slice(1)));
      const c = newContainer(rec, clusterVm, p.registry.seq(), ctx.now(), stored.logs ?? [], !!stored.manuallyStopped);
      c.rt.attachedOnce = true;
      for (const ep of Object.values(rec.networks)) Object.assign(ep, { EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, MacAddress: "" });
      p.registry.add(c);
      const s = rec.state;
      if (s.Running || s.Restarting || s.Paused) {
        runningAtClose.add(id);
        const policy = String(rec.hostConfig.RestartPolicy?.Name ?? "no");
        Object.assign(s, { Status: "exited", Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: 255, FinishedAt: rfc3339(ctx.now()) });
        if (policy === "always" || (policy === "unless-stopped" && !c.manuallyStopped)) restartLater.push(c);
        else if (rec.hostConfig.AutoRemove) removeLater.push(c); // it ended with the old process: --rm applies
        ctx.markContainer(c);
      }
    }
    for (const d of declarations) p.clusterOps.resumeDeclaration({ ...d, victims: d.victims.filter((id) => !runningAtClose.has(id)) });
    for (const c of removeLater) p.lifecycle.destroy(c, true);
    for (const c of restartLater) {
      try {
        p.lifecycle.bootContainer(c, null);
      } catch (e) {
        p.lifecycle.restartFailed(c, e);
      }
    }
  }
}
