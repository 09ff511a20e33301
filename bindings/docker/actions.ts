/**
 * Typed actions: what a Docker API request asks of the Virtual Container Host, with every query
 * parameter and body already parsed and checked. Parsing never touches state; executing never
 * looks at HTTP.
 */

import type { ContainerConfig, ExecConfig } from "../vch/types.js";

/** Filters in dockerd's model: name → accepted values. */
export type Filters = Record<string, string[]>;
/** The stream ends the client asked for when attaching or reading logs. */
export interface StreamSelection {
  stdout: boolean;
  stderr: boolean;
}

import type { ArchiveAction } from "./archive.js";

export type Action =
  // system
  | { kind: "ping"; head: boolean }
  | { kind: "version" }
  | { kind: "info" }
  | { kind: "systemDf" }
  | { kind: "events"; since?: number; until?: number; filters: Filters }
  // images
  | { kind: "imagePull"; fromImage: string; tag: string }
  | { kind: "imageList"; all: boolean; filters: Filters; digests: boolean }
  | { kind: "imageInspect"; name: string }
  | { kind: "imageRemove"; name: string; force: boolean; noprune: boolean }
  | { kind: "imageTag"; name: string; repo: string; tag: string }
  | { kind: "imagePrune"; filters: Filters }
  // images made here (bindings/builder): docker build, history, save, load, import, commit
  | { kind: "imageBuild"; options: BuildQuery }
  | { kind: "imageHistory"; name: string }
  | { kind: "imageSave"; names: string[] }
  | { kind: "imageLoad"; quiet: boolean }
  | { kind: "imageImport"; tag?: string; changes: string[]; message: string }
  | { kind: "imageCommit"; container: string; tag?: string; comment: string; author: string; changes: string[]; config: Record<string, unknown> }
  // containers
  | { kind: "containerCreate"; name?: string; config: CreateBody }
  | { kind: "containerList"; all: boolean; limit?: number; size: boolean; filters: Filters }
  /** shortIdAlias: below API 1.45 dockerd lists the short container id among a user network's Aliases. */
  | { kind: "containerInspect"; id: string; size: boolean; shortIdAlias: boolean }
  | { kind: "containerStart"; id: string }
  | { kind: "containerStop"; id: string; timeout?: number; signal?: string }
  | { kind: "containerRestart"; id: string; timeout?: number; signal?: string }
  | { kind: "containerKill"; id: string; signal: string }
  | { kind: "containerPause"; id: string }
  | { kind: "containerUnpause"; id: string }
  | { kind: "containerWait"; id: string; condition: WaitCondition }
  | { kind: "containerRemove"; id: string; force: boolean; volumes: boolean; link: boolean }
  | ({ kind: "containerLogs"; id: string; follow: boolean; since?: number; until?: number; tail?: number; timestamps: boolean } & StreamSelection)
  | ({ kind: "containerAttach"; id: string; stream: boolean; logs: boolean; stdin: boolean; detachKeys?: string; raw?: boolean } & StreamSelection)
  | { kind: "containerStats"; id: string; stream: boolean; oneShot: boolean }
  | { kind: "containerRename"; id: string; name: string }
  | { kind: "containerUpdate"; id: string; update: Record<string, unknown> }
  | { kind: "distributionInspect"; name: string }
  | { kind: "containerRemoveLink"; parent: string; alias: string }
  | { kind: "containerTop"; id: string; psArgs: string }
  | { kind: "containerResize"; id: string; h: number; w: number }
  | { kind: "containerPrune"; filters: Filters }
  // exec
  | { kind: "execCreate"; id: string; config: ExecBody }
  | { kind: "execStart"; id: string; detach: boolean; tty: boolean }
  | { kind: "execInspect"; id: string }
  | { kind: "execResize"; id: string; h: number; w: number }
  // networks
  | { kind: "networkList"; filters: Filters }
  | { kind: "networkCreate"; config: Record<string, unknown> & { Name: string } }
  | { kind: "networkInspect"; id: string; verbose: boolean }
  | { kind: "networkRemove"; id: string }
  | { kind: "networkConnect"; id: string; container: string; endpoint?: Record<string, unknown> }
  | { kind: "networkDisconnect"; id: string; container: string; force: boolean }
  | { kind: "networkPrune"; filters: Filters }
  // volumes
  | { kind: "volumeList"; filters: Filters }
  | { kind: "volumeCreate"; config: { Name?: string; Driver?: string; DriverOpts?: Record<string, string>; Labels?: Record<string, string> } }
  | { kind: "volumeInspect"; name: string }
  | { kind: "volumeRemove"; name: string; force: boolean }
  | { kind: "volumePrune"; filters: Filters }
  // container files (archive.ts)
  | ArchiveAction
  // plugins (there are none)
  | { kind: "pluginList" }
  // endpoints of the Engine API that vicsim does not serve (501)
  | { kind: "unimplemented"; what: string };

/** The query of `POST /build` (the context is the body). */
export interface BuildQuery {
  dockerfile?: string;
  /** `repo:tag`, normalised. */
  tags: string[];
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  noCache: boolean;
  quiet: boolean;
  target?: string;
  /** `cachefrom`: the images whose steps a build may reuse. */
  cacheFrom?: string[];
  /** `wasi/wasm` for a WASI program's image. */
  platform?: string;
  /** `networkmode`: the RUN steps' network (`--network`). */
  networkMode?: string;
  /** `extrahosts` (repeated, `NAME:IP`): the RUN steps' extra /etc/hosts lines (`--add-host`). */
  extraHosts?: string[];
}

export type ActionKind = Action["kind"];
/** The action of one kind. */
export type ActionOf<K extends ActionKind> = Extract<Action, { kind: K }>;

export type WaitCondition = "not-running" | "next-exit" | "removed";

/** The body of `POST /containers/create`, type-checked: the VCH's `ContainerConfig` (Docker's field names). */
export type CreateBody = ContainerConfig;

/** The body of `POST /containers/{id}/exec`, type-checked, with `Cmd` as an array. */
export type ExecBody = ExecConfig & { Cmd: string[] };
