// The Docker Engine API over web-standard Request/Response: any runtime can serve it.
// Node's server with the upgrade glue (serveDocker) is in ./node.ts, apart, since it needs node: modules.
export { createDockerHandler, familiar, type DockerConnection, type DockerHandler, type DockerHandlerOptions } from "./handler.js";
export { parseRequest, routePatterns } from "./routes.js";
export type { Action, ActionKind, CreateBody, ExecBody, Filters } from "./actions.js";
export {
  API_VERSION,
  MIN_API_VERSION,
  ApiError,
  demultiplex,
  frame,
  fromWebRequest,
  parseBool,
  parseFilters,
  toWebResponse,
  STDOUT,
  STDERR,
  type ApiRequest,
  type ApiResponse,
} from "./http.js";
