/** What the plan tab and its worker say to each other (structured-clone data only). */
import type { PolicyName, PolicyResult, TraceFormat } from "../../../bindings/simulate/index.js";

/** A dropped file as text, with its path inside the dropped folder. */
export interface DroppedFile {
  path: string;
  text: string;
}

export interface PlanRequest {
  /** Trace files (a PlanetLab or Bitbrains folder's files, or an Alibaba pod list and node list). */
  trace: DroppedFile[];
  /** A scenario file (YAML or JSON); its fleet, types and policy settings replace the preset's. */
  scenario?: DroppedFile;
  format?: TraceFormat;
  policies: PolicyName[];
  /** Hosts in the preset's fleet (its G4/G5 mix); ignored with a scenario. */
  hosts?: number;
  hours?: number;
  /** Replay CloudSim's PlanetLab examples exactly (their quirks included). */
  preset: boolean;
  uplot: { script: string; style: string };
}

export type PlanMessage =
  | { kind: "progress"; policy: PolicyName; fraction: number }
  | { kind: "done"; title: string; summary: string; results: PolicyResult[]; report: string }
  | { kind: "error"; message: string };
