// The Docker Engine API over web-standard Request/Response: any runtime can serve it.
export { createDockerHandler, familiar, type DockerConnection, type DockerHandler, type DockerHandlerOptions } from "./handler.js";
export { parseRequest, routePatterns } from "./routes.js";
export type { Action, ActionKind, CreateBody, ExecBody, Filters } from "./actions.js";
export { API_VERSION, MIN_API_VERSION, ApiError, demultiplex, frame, parseBool, parseFilters, STDOUT, STDERR } from "./http.js";
