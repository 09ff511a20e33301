/**
 * Volumes: directories that live outside any container and are mounted into the containers that
 * name them (named volumes) or that the image declares (anonymous volumes). Every container that
 * mounts a volume sees the same tree, so a write in one is read in the other at once.
 */
import { Layer } from "./layer.js";
import { OverlayBackend } from "./overlay.js";

export class Volume {
  readonly backend: OverlayBackend;
  constructor(readonly name: string, readonly layer: Layer = new Layer(), readonly anonymous = false) {
    this.backend = new OverlayBackend(layer);
  }
  /** Bytes stored (`docker system df -v`, UsageData.Size). */
  size(): number { return this.layer.size(); }
}
