/**
 * A build failure in the classic builder's words. `status` is the HTTP status when the failure
 * comes before any output (a Dockerfile that does not parse is a 400); `code` is the
 * `errorDetail.code` of a failed RUN (its exit status, which the docker CLI exits with).
 */
export class BuildError extends Error {
  readonly status: number;
  readonly code?: number;
  constructor(message: string, opts: { status?: number; code?: number } = {}) {
    super(message);
    this.name = "BuildError";
    this.status = opts.status ?? 500;
    this.code = opts.code;
  }
}
