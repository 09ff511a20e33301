/**
 * A container's network endpoints and volumes as the state machine changes them: connect and
 * disconnect (with the address kept in the journal), volume records created and deleted, each
 * marked in the journal and announced as Docker's `network` and `volume` events.
 */
import type { Container } from "./container.js";
import type { VchContext } from "./context.js";
import type { VchFilesystems } from "./filesystems.js";
import type { Networks } from "./networks.js";
import type { VolumeRecord } from "./types.js";
import type { Volumes } from "./volumes.js";

export class Attachments {
  private readonly ctx: VchContext;
  private readonly nets: Networks;
  private readonly vols: Volumes;
  private readonly fs: VchFilesystems;

  constructor(deps: { ctx: VchContext; nets: Networks; vols: Volumes; fs: VchFilesystems }) {
    this.ctx = deps.ctx;
    this.nets = deps.nets;
    this.vols = deps.vols;
    this.fs = deps.fs;
  }

  attachEndpoint(c: Container, name: string): void {
    const done = this.nets.attach(c.rec.id, c.rec.name.slice(1), name, c.rec.networks[name], this.ctx.rng);
    if (!done) return;
    const n = done.network;
    if (done.addressed) this.ctx.journal.mark("network", n.Id);
    this.ctx.emit("network", "connect", n.Id, { container: c.rec.id, name: n.Name, type: n.Driver });
  }

  detachEndpoint(c: Container, name: string): void {
    const n = this.nets.detach(c.rec.id, name, c.rec.networks[name]);
    if (!n) return;
    this.ctx.journal.mark("network", n.Id);
    this.ctx.emit("network", "disconnect", n.Id, { container: c.rec.id, name: n.Name, type: n.Driver });
  }

  createVolumeRecord(name: string, labels: Record<string, string>): VolumeRecord {
    const v = this.vols.add(name, labels, this.ctx.now());
    this.ctx.journal.mark("volume", name);
    this.ctx.emit("volume", "create", name, { driver: "local" });
    return v;
  }

  deleteVolume(name: string): void {
    this.vols.delete(name);
    this.volumeDeleted(name);
  }

  /** A volume went: the journal forgets it and `destroy` is emitted. */
  volumeDeleted(name: string): void {
    this.ctx.journal.unmark("volume", name);
    this.fs.dropVolume(name);
    this.ctx.journal.unmark("layer", `volume/${name}`);
    this.ctx.emit("volume", "destroy", name, { driver: "local" });
  }
}
