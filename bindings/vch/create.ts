/**
 * Creating a container: Docker's create body checked (name, image, health check, host config,
 * networks, labels, ports, binds) before anything changes, then the record assembled (resolved
 * config, volume and bind mounts with anonymous volumes made, endpoints), its container VM
 * registered with the cluster through the binding, and the container added to the registry.
 */
import { clusterVmSpec, memoryMiBOf, NAME_RE, parseBinds, parseMounts, parsePorts, propagationOf, resolveConfig, resolveHostConfig, restartPriorityOf, volumeMount } from "./config.js";
import { containerAttrs, newContainer, type Container } from "./container.js";
import type { ContainerVms } from "./container-vm.js";
import type { VchContext } from "./context.js";
import { conflict, invalid } from "./errors.js";
import { rfc3339, ZERO_TIME } from "./format.js";
import { checkHealthConfig } from "./health.js";
import type { Images } from "./images.js";
import type { ContainerLifecycle } from "./lifecycle.js";
import { endpointRecord, PREDEFINED_NETWORKS, type Networks } from "./networks.js";
import type { ContainerRegistry } from "./registry.js";
import { guestEntropyOf } from "./guest-entropy.js";
import { randomName } from "./rng.js";
import type { ContainerConfig, EndpointRecord, MountRecord } from "./types.js";
import { ANONYMOUS_VOLUME_LABEL, type Volumes } from "./volumes.js";

export class ContainerFactory {
  constructor(
    private readonly ctx: VchContext,
    private readonly registry: ContainerRegistry,
    private readonly images: Images,
    private readonly vms: ContainerVms,
    private readonly nets: Networks,
    private readonly vols: Volumes,
    private readonly lifecycle: ContainerLifecycle,
  ) {}

  /** Creates a container from Docker's create body; throws, changing nothing, when the body is refused. */
  create(config: ContainerConfig, name?: string): Container {
    if (!config || typeof config !== "object") throw invalid("config cannot be empty in order to create a container");
    if (typeof config.Image !== "string" || !config.Image) throw invalid("no image specified");
    if (name !== undefined && name !== "") {
      if (!NAME_RE.test(name)) throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      this.checkNameFree(name.replace(/^\//, ""));
    }
    const img = this.images.forCreate(config.Image);
    const badHealth = checkHealthConfig(config.Healthcheck);
    if (badHealth) throw invalid(badHealth);
    const hc = resolveHostConfig(config.HostConfig ?? {}, this.ctx.minMemoryMiB);
    const memoryMiB = memoryMiBOf(hc);
    const networkMode = hc.NetworkMode as string;
    if (!PREDEFINED_NETWORKS.includes(networkMode) && !networkMode.startsWith("container:")) this.nets.resolve(networkMode);
    const labels = { ...(img.config.Labels ?? {}), ...(config.Labels ?? {}) };
    restartPriorityOf(labels);
    guestEntropyOf(labels, img.id);
    const ports = parsePorts(config.ExposedPorts, hc.PortBindings);
    const binds: ReturnType<typeof parseMounts> = [...parseBinds(hc.Binds), ...parseMounts(hc.Mounts)];
    const endpoints = config.NetworkingConfig?.EndpointsConfig ?? {};
    for (const n of Object.keys(endpoints)) if (!PREDEFINED_NETWORKS.includes(n)) this.nets.resolve(n);

    // Everything is valid: from here on the create happens.
    const id = this.newId();
    const clean = name ? name.replace(/^\//, "") : this.newName();
    const resolved = resolveConfig(config, img.config, id, labels);
    const [path, ...args] = [...(resolved.Entrypoint ?? []), ...(resolved.Cmd ?? [])];
    const mounts: MountRecord[] = [];
    for (const b of binds) {
      if (b.type === "volume") {
        // A Mounts volume without a Source is anonymous, as a VOLUME's.
        const v = b.source ? this.vols.get(b.source) ?? this.lifecycle.createVolumeRecord(b.source, b.labels ?? {}) : this.lifecycle.createVolumeRecord(this.ctx.rng.hex(64), { [ANONYMOUS_VOLUME_LABEL]: "" });
        mounts.push(volumeMount(v, b.destination, b.rw, b.mode));
      } else {
        mounts.push({ Type: "bind", Source: b.source, Destination: b.destination, Mode: b.mode, RW: b.rw, Propagation: propagationOf(b.mode) });
      }
    }
    for (const dest of Object.keys({ ...(img.config.Volumes ?? {}), ...(config.Volumes ?? {}) })) {
      if (mounts.some((m) => m.Destination === dest)) continue;
      const v = this.lifecycle.createVolumeRecord(this.ctx.rng.hex(64), { [ANONYMOUS_VOLUME_LABEL]: "" });
      mounts.push(volumeMount(v, dest, true, ""));
    }
    const networks: Record<string, EndpointRecord> = {};
    const netNames = networkMode === "host" || networkMode === "none" || networkMode.startsWith("container:") ? [networkMode] : [networkMode, ...Object.keys(endpoints).filter((n) => n !== networkMode)];
    for (const n of netNames) {
      if (n.startsWith("container:")) continue;
      // The container-level MacAddress (docker-py's mac_address, API < 1.44) is its first network's.
      const requested = n === networkMode && config.MacAddress && !endpoints[n]?.MacAddress ? { ...endpoints[n], MacAddress: config.MacAddress } : endpoints[n];
      networks[n] = endpointRecord(this.nets.get(n)?.Id ?? "", requested);
    }
    const templateId = this.vms.templateId(img.id, memoryMiB);
    const clusterVm = this.vms.register(clusterVmSpec(hc, labels, img.profile, templateId, clean));
    const now = this.ctx.now();
    const c = newContainer({
      id,
      name: `/${clean}`,
      created: rfc3339(now),
      path: path ?? "",
      args,
      image: config.Image,
      imageId: img.id,
      config: resolved,
      hostConfig: hc,
      state: { Status: "created", Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: "", StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME },
      restartCount: 0,
      networks,
      ports,
      mounts,
    }, clusterVm, this.registry.seq(), now);
    this.registry.add(c);
    this.ctx.markContainer(c);
    this.ctx.emit("container", "create", id, containerAttrs(c));
    return c;
  }

  /** Throws Docker's conflict when another container holds `clean` (a name without its slash). */
  checkNameFree(clean: string): void {
    const holder = this.registry.nameHolder(clean);
    if (holder) {
      throw conflict(`Conflict. The container name "/${clean}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
  }

  private newId(): string {
    for (;;) {
      const id = this.ctx.rng.hex(64);
      if (!this.registry.has(id) && !/^\d+$/.test(id.slice(0, 12))) return id;
    }
  }

  private newName(): string {
    for (let retry = 0; ; retry++) {
      const n = randomName(this.ctx.rng, retry > 3 ? retry : 0);
      if (!this.registry.nameHolder(n)) return n;
    }
  }
}
