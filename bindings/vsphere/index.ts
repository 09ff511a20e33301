// The vSphere Web Services API (vim25 SOAP) over web-standard Request/Response: any runtime can serve it.
// Node's server with a self-signed certificate (serveVsphere) is in ./node.ts, apart, since it needs node: modules.
export { createVsphereHandler, type VsphereHandler, type VsphereHandlerOptions } from "./handler.js";
export { API_VERSION, VsphereServer, type VsphereOptions } from "./server.js";
export { VimFault } from "./values.js";
