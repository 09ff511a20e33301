/**
 * What a container's guest sees: the `GuestContext` a process starts with (environment, working
 * directory, user, the service commands it may run, its filesystem, the network to its peers) and
 * the container's /etc/hosts. The state machine (lifecycle.ts), health probes and exec start processes with it.
 */
import { serviceCommands } from "./config.js";
import type { Container } from "./container.js";
import type { VchContext } from "./context.js";
import type { VchFilesystems } from "./filesystems.js";
import type { GuestContext } from "./guest.js";
import type { Images } from "./images.js";
import type { ContainerRegistry } from "./registry.js";
import { serviceNetwork } from "./service-net.js";

export class GuestEnvironment {
  private readonly ctx: VchContext;
  private readonly registry: ContainerRegistry;
  private readonly images: Images;
  private readonly fs: VchFilesystems;

  constructor(deps: { ctx: VchContext; registry: ContainerRegistry; images: Images; fs: VchFilesystems }) {
    this.ctx = deps.ctx;
    this.registry = deps.registry;
    this.images = deps.images;
    this.fs = deps.fs;
  }

  guestContext(c: Container, extraEnv: string[], tty: boolean, openStdin: boolean, workdir: string | undefined, user: string | undefined, role: "main" | "exec"): GuestContext {
    // The main process may run the image's service command; an exec only when the container declared itself a service.
    const image = this.images.get(c.rec.imageId)?.config ?? { Cmd: null, Entrypoint: null, Env: [], WorkingDir: "", User: "", ExposedPorts: null, Labels: null, Volumes: null };
    const services = serviceCommands(image, c.rec.config.Labels);
    return {
      services: role === "main" || services.includes("*") ? services : [],
      containerId: c.rec.id,
      hostname: c.rec.config.Hostname,
      hostsFile: this.hostsFile(c),
      env: [...c.rec.config.Env, ...extraEnv],
      workingDir: workdir || c.rec.config.WorkingDir,
      user: user || c.rec.config.User,
      groupAdd: c.rec.hostConfig.GroupAdd ?? [],
      tty,
      openStdin,
      now: () => this.ctx.now(),
      fs: this.filesOf(c),
      image: this.images.parseRef(this.images.get(c.rec.imageId)?.repoTags[0] ?? c.rec.image).repo.split("/").pop()!,
      memoryLimit: Number(c.rec.hostConfig.Memory) || 0,
      net: serviceNetwork(c, {
        containers: () => this.registry.all(), filesOf: (p) => this.filesOf(p), now: () => this.ctx.now(),
        // An image built FROM nginx serves as nginx does: its catalogue base names the service.
        repoOf: (p) => this.images.get(p.rec.imageId)?.rootfs?.base ?? this.images.parseRef(this.images.get(p.rec.imageId)?.repoTags[0] ?? p.rec.image).repo.split("/").pop()!,
      }),
    };
  }

  /** The container's filesystem (made on first use; a bind source the runtime cannot open is refused). */
  filesOf(c: Container) {
    return this.fs.of(c, this.images.get(c.rec.imageId), this.hostsFile(c));
  }

  hostsFile(c: Container): string {
    const ip = Object.values(c.rec.networks).find((n) => n.IPAddress)?.IPAddress;
    let s = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
    if (ip) s += `${ip}\t${c.rec.config.Hostname}\n`;
    return s;
  }
}
