/**
 * Errors of the Virtual Container Host, in Docker's terms. The Docker API adapter maps each kind to
 * its status code (400, 404, 409, 304, 500); library users can switch on `kind`.
 */
export type VchErrorKind = "invalid" | "notFound" | "conflict" | "notModified" | "unavailable" | "internal";

/** An error a user can meet: the message says what happened, in the caller's terms. */
export class VchError extends Error {
  constructor(
    readonly kind: VchErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "VchError";
  }
}

/** `No such container: web` and the like (404). */
export const notFound = (message: string): VchError => new VchError("notFound", message);
/** Bad parameter (400). */
export const invalid = (message: string): VchError => new VchError("invalid", message);
/** Conflict with the current state (409). */
export const conflict = (message: string): VchError => new VchError("conflict", message);
/** Nothing to do: already started, already stopped (304). */
export const notModified = (message: string): VchError => new VchError("notModified", message);
