// `vicsim simulate` as a library: runtime-neutral (text in, results out); bindings/simulate/node.ts reads files.
export { parseScenario, ScenarioError, POLICIES, DEFAULT_DPM } from "./scenario.js";
export type { Scenario, PolicyName, HostType, VmType, DpmSettings, HaSettings, Salting } from "./scenario.js";
export { parsePlanetLab, parseBitbrains, parseAlibabaPods, parseAlibabaNodes, detectFormat } from "./traces.js";
export { TraceError, TRACE_FORMATS, utilisationAt } from "./workload.js";
export type { Workload, TraceVm, TraceHost, TraceFormat } from "./workload.js";
export { cloudsimPlanetLab, PRESETS } from "./preset.js";
export { buildModel } from "./model.js";
export { sharingInterval } from "./memory.js";
export type { Model } from "./model.js";
export { runPolicy, ACK_DELAY } from "./simulate.js";
export type { PolicyResult, RunOptions, MemorySummary } from "./simulate.js";
export { ML110_G4, ML110_G5, powerAt, kWh } from "./power.js";
export { summary, jsonLine, csv, htmlReport } from "./report.js";
