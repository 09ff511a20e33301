/**
 * `vicsim/photon`: Photon Platform, a Photon Controller 1.x-compatible API over a simulated fleet, as a
 * web-standard handler for Node, Deno and the browser.
 *
 * ```ts
 * const platform = PhotonPlatform.open({ hosts: 1000 });
 * const handler = createPhotonHandler(platform);
 * await handler(new Request("http://pc/tenants"));
 * ```
 */
export { createPhotonHandler, type PhotonHandler, type PhotonHandlerOptions } from "./handler.js";
export { PhotonPlatform, type PhotonOptions } from "./platform.js";
export { MemoryStore, type PhotonStore, type StoredDoc } from "./store.js";
export { TokenIssuer, checkUsersFile, type UsersFile } from "./tokens.js";
export { ApiError } from "./errors.js";
