/**
 * Photon Controller's ApiError: a code, a message and string data, with the HTTP status the front end
 * maps the code to (API.md §2). Nouns throw it; the wire format turns it into a response body.
 */
export type ErrorData = Record<string, string>;

/** An error the API reports to its caller. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string | null,
    readonly data: ErrorData = {},
  ) {
    super(message ?? code);
    this.apiMessage = message;
  }
  /** The message as the body carries it (null for AccessForbidden and scheduler codes). */
  readonly apiMessage: string | null;
  /** The body Photon Controller sends: `{code, message, data}`. */
  toJSON(): { code: string; message: string | null; data: ErrorData } {
    return { code: this.code, message: this.apiMessage, data: this.data };
  }
}

/** 404 for a missing entity: `<Kind> #<id> not found`, data `{id}`. */
export function notFound(code: string, kind: string, id: string): ApiError {
  return new ApiError(404, code, `${kind} #${id} not found`, { id });
}

/** 400 InvalidEntity: violations joined by ", ", each `<field> <constraint> (was <value>)`. */
export function invalidEntity(...violations: string[]): ApiError {
  return new ApiError(400, "InvalidEntity", violations.join(", "));
}

/** 400 StateError: `Invalid operation <OP> for <kind>/<id> in state <S>`. */
export function stateError(kind: string, id: string, operation: string, state: string): ApiError {
  return new ApiError(400, "StateError", `Invalid operation ${operation} for ${kind}/${id} in state ${state}`, { id, kind, operation, state });
}

/** 400 NameTaken. */
export function nameTaken(kind: string, name: string): ApiError {
  return new ApiError(400, "NameTaken", `${kind} name '${name}' already taken`, { kind, name });
}
