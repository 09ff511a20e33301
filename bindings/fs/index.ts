/**
 * Container filesystems: image root filesystems, container layers, volumes, bind mounts and tar.
 * Runtime-neutral; the Node-only host-folder backend for bind mounts is `./hostdir.ts`.
 */
export type { Backend } from "./backend.js";
export { ContainerFs, type ContainerFsOptions, type Credentials, ROOT } from "./container-fs.js";
export { baseLayer, type Distro, program, UTILITIES } from "./distro.js";
export { BindMountError, type HostFolders, noHostFolders } from "./host.js";
export { buildImageLayers, catalogueBase, IMAGE_MTIME, ImageFilesystems, IMAGES_WITH_ROOTFS, initLayer, NGINX_INDEX, rootfsOf } from "./images.js";
export { Layer, LayerBuilder, ROOT_META } from "./layer.js";
export { ERRNO, type Errno, FsError, type Kind, type Meta, type Stat, text, utf8 } from "./node.js";
export { type Change, OverlayBackend } from "./overlay.js";
export { cloneLayer, deserializeLayer, exportContainer, exportPath, importTar, overwriteConflict, pathStat, serializeLayer } from "./tar.js";
export { layerFromJson, layerToJson, type StoredNode } from "./layer-json.js";
export { Volume } from "./volume.js";
