/**
 * The front end's admission limits (API.md §2, 429 / 503). Photon Controller ran task commands on a
 * bounded executor and answered 503 OutOfThreadPoolWorker when its queue was full; it answered 429
 * TooManyRequests when a client sent more than it would take at once. Here both are counted bounds:
 * async tasks queued or running, and requests being processed. Both refuse before anything changes.
 */
import { ApiError } from "./errors.js";

export interface PhotonLimits {
  /** Requests processed at once before 429 TooManyRequests (default 10,000). */
  requestsInFlight?: number;
  /** Async tasks queued or running before a task-making request gets 503 OutOfThreadPoolWorker (default 10,000). */
  tasksInFlight?: number;
}

/** Far above what 256 keep-alive clients or 2,000 open connections keep in flight (the benches). */
export const DEFAULT_LIMITS: Required<PhotonLimits> = { requestsInFlight: 10_000, tasksInFlight: 10_000 };

/** The messages of `TooManyRequestsException` and `OutOfThreadPoolWorkerException`. */
export const tooManyRequests = (): ApiError => new ApiError(429, "TooManyRequests", "The API client is generating too many requests at the moment");
export const outOfThreadPoolWorker = (): ApiError => new ApiError(503, "OutOfThreadPoolWorker", "Unable to process request because system is currently busy.");

/** Checks a limit given by a caller: a positive integer. */
function bound(name: keyof PhotonLimits, value: number | undefined): number {
  const v = value ?? DEFAULT_LIMITS[name];
  if (!Number.isInteger(v) || v < 1) throw new Error(`limits.${name} must be a positive integer, not ${value}`);
  return v;
}

/** Counts requests in flight and admits task-making requests while the task queue has room. */
export class Admission {
  readonly requestsInFlight: number;
  readonly tasksInFlight: number;
  private requests = 0;
  constructor(limits: PhotonLimits = {}) {
    this.requestsInFlight = bound("requestsInFlight", limits.requestsInFlight);
    this.tasksInFlight = bound("tasksInFlight", limits.tasksInFlight);
  }
  /** A request starts: 429 when the limit is reached. Pair with `leave`. */
  enter(): void {
    if (this.requests >= this.requestsInFlight) throw tooManyRequests();
    this.requests++;
  }
  leave(): void {
    this.requests--;
  }
  /** A request that may queue a task: 503 when `running` tasks fill the queue. */
  admitTask(running: number): void {
    if (running >= this.tasksInFlight) throw outOfThreadPoolWorker();
  }
}

/** Requests that may queue a task: every call but reads, and the two reads that answer with a task. */
export function makesTask(method: string, path: string): boolean {
  return method !== "GET" || /^\/vms\/[^/]+\/(subnets|mks_ticket)$/.test(path);
}
