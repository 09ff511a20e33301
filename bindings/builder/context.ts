/**
 * The build context: the tar `POST /build` receives (plain or gzip), unpacked into a filesystem
 * so COPY reads it like any other tree; the Dockerfile is read first, then `.dockerignore`
 * removes what it excludes. A body that is not a tar is the Dockerfile itself (`docker build - < Dockerfile`).
 */
import { ContainerFs, importTar } from "../fs/index.js";
import { DockerIgnore } from "./dockerignore.js";
import { BuildError } from "./errors.js";

export interface BuildContext {
  fs: ContainerFs;
  dockerfile: string;
}

/** True for a gzip stream. */
export const isGzip = (b: Uint8Array): boolean => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/** True for a tar archive (the `ustar` magic at offset 257). */
export function isTar(b: Uint8Array): boolean {
  if (b.length < 262) return false;
  return String.fromCharCode(...b.subarray(257, 262)) === "ustar";
}

export async function gunzip(b: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([b as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads a build context; `dockerfile` is the path of the Dockerfile inside it (`-f`). */
export async function readContext(body: Uint8Array, dockerfile = "Dockerfile", now: () => number = Date.now): Promise<BuildContext> {
  const fs = new ContainerFs({ now });
  let bytes = body;
  if (isGzip(bytes)) bytes = await gunzip(bytes);
  if (!isTar(bytes)) {
    if (bytes.length === 0) throw new BuildError("Cannot locate specified Dockerfile: Dockerfile", { status: 400 });
    return { fs, dockerfile: new TextDecoder().decode(bytes) };
  }
  try {
    await importTar(fs, "/", bytes);
  } catch (e) {
    throw new BuildError(`failed to read the build context: ${(e as Error).message}`, { status: 400 });
  }
  let name = dockerfile.replace(/^\.?\/+/, "");
  if (!fs.exists("/" + name) && name === "Dockerfile" && fs.exists("/dockerfile")) name = "dockerfile";
  let text: string;
  try {
    text = new TextDecoder().decode(fs.readFile("/" + name));
  } catch {
    throw new BuildError(`Cannot locate specified Dockerfile: ${dockerfile}`, { status: 400 });
  }
  if (text.trim() === "") throw new BuildError(`the Dockerfile (${dockerfile}) cannot be empty`, { status: 400 });
  if (fs.exists("/.dockerignore")) {
    const ignore = new DockerIgnore(new TextDecoder().decode(fs.readFile("/.dockerignore")));
    if (!ignore.empty) prune(fs, "", ignore);
  }
  return { fs, dockerfile: text };
}

/** Removes excluded paths; a directory stays when something under it is re-included. */
function prune(fs: ContainerFs, dir: string, ignore: DockerIgnore): boolean {
  let kept = false;
  for (const name of fs.readdir("/" + dir)) {
    const rel = dir ? `${dir}/${name}` : name;
    const st = fs.lstat("/" + rel);
    if (st.kind === "dir") {
      const childKept = prune(fs, rel, ignore);
      if (!childKept && ignore.ignores(rel)) fs.removeAll("/" + rel);
      else kept = true;
    } else if (ignore.ignores(rel)) fs.removeAll("/" + rel);
    else kept = true;
  }
  return kept;
}
