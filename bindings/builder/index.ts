/**
 * The image builder and image archives: `docker build` with the classic builder (Dockerfile
 * parsing, every instruction over a ContainerFs on the base image's layers, the step cache,
 * `.dockerignore`, multi-stage builds), `docker save`/`load` and `docker import`.
 * RUN steps run in vicsim's emulated guest (bindings/guests/shell).
 */
export { applyChanges, importImage, loadImages, saveImages } from "./archive.js";
export { type BuildMessage, Builder, type BuildOptions, type ImageStore, short } from "./build.js";
export { readContext } from "./context.js";
export { DockerIgnore } from "./dockerignore.js";
export { parseDockerfile, type Instruction, type ParsedDockerfile, type Stage } from "./dockerfile.js";
export { BuildError } from "./errors.js";
export { type BuildImage, type ContainerConfigDoc, digest, type HistoryEntry, type ImageLayer, imageLayer, makeImage, rfc3339 } from "./image.js";
export { buildImageOf, builderOf, buildOnVch, historyOf, importIntoVch, loadIntoVch, saveFromVch } from "./vch.js";
export { commitOnVch, type CommitOptions } from "./commit.js";
