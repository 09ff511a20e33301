/**
 * A tiny client of the in-process Docker API handler for tests: requests, streamed bodies,
 * multiplexed frames, hijacked connections with stdin, and spec validation of every JSON answer.
 */
import { expect } from "vitest";
import type { DockerConnection, DockerHandler } from "../../bindings/docker/handler.js";
import { demultiplex } from "../../bindings/docker/http.js";
import { Channel } from "../../bindings/vch/channel.js";
import { assertResponseMatches } from "./schema.js";

export interface Answer {
  status: number;
  headers: Headers;
  response: Response;
}

/** Sends one request to the handler (path with or without a version prefix). */
export async function call(h: DockerHandler, method: string, path: string, body?: unknown, connection?: DockerConnection, signal?: AbortSignal): Promise<Answer> {
  const init: RequestInit = { method, signal };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers = { "Content-Type": "application/json" };
  }
  const response = await h(new Request(`http://localhost${path}`, init), connection);
  return { status: response.status, headers: response.headers, response };
}

/** Pulls each `name:tag` from Docker Hub's library through the handler, as `docker pull` does; a refused pull fails the test. */
export async function pullImages(h: DockerHandler, images: string[]): Promise<void> {
  for (const image of images) {
    const [name, tag] = image.split(":");
    const pull = await call(h, "POST", `/v1.50/images/create?fromImage=docker.io/library/${name}&tag=${tag}`);
    expect(pull.status).toBe(200);
    await pull.response.text();
  }
}

/**
 * Sends a request, expects `status`, checks Docker's headers, validates the JSON body against the
 * 1.50 spec's schema of `specPath` (the spec's template, e.g. `/containers/{id}/json`) and returns it.
 */
export async function json<T = any>(h: DockerHandler, method: string, path: string, status: number, specPath: string, body?: unknown): Promise<T> {
  const a = await call(h, method, path, body);
  const text = await a.response.text();
  if (a.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${a.status}: ${text}`);
  expectDockerHeaders(a.headers);
  expect(a.headers.get("content-type")).toBe("application/json");
  const parsed = JSON.parse(text);
  assertResponseMatches(method, specPath, status, parsed);
  return parsed as T;
}

/** Expects an error answer in Docker's shape and returns its message. */
export async function error(h: DockerHandler, method: string, path: string, status: number, body?: unknown): Promise<string> {
  const a = await call(h, method, path, body);
  const text = await a.response.text();
  if (a.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${a.status}: ${text}`);
  expectDockerHeaders(a.headers);
  expect(a.headers.get("content-type")).toBe("application/json");
  const parsed = JSON.parse(text);
  expect(Object.keys(parsed)).toEqual(["message"]);
  expect(typeof parsed.message).toBe("string");
  return parsed.message as string;
}

/** Expects an empty answer (204, 304, 201 without a body…). */
export async function empty(h: DockerHandler, method: string, path: string, status: number, body?: unknown): Promise<void> {
  const a = await call(h, method, path, body);
  const text = await a.response.text();
  if (a.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${a.status}: ${text}`);
  expectDockerHeaders(a.headers);
  expect(text).toBe("");
}

/** The headers every dockerd response carries. */
export function expectDockerHeaders(headers: Headers): void {
  expect(headers.get("api-version")).toBe("1.50");
  expect(headers.get("ostype")).toBe("linux");
  expect(headers.get("docker-experimental")).toBe("false");
  expect(headers.get("server")).toMatch(/^vicsim\/\S+ \(linux\)$/);
}

/** Reads a whole streamed body. */
export async function bytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** Reads a multiplexed body into [stream, text] pairs. */
export async function frames(response: Response): Promise<[number, string][]> {
  return demultiplex(await bytes(response)).map((f) => [f.stream, new TextDecoder().decode(f.data)]);
}

/** Output of a multiplexed body per stream. */
export async function output(response: Response): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  for (const [s, t] of await frames(response)) if (s === 1) out.stdout += t;
  else if (s === 2) out.stderr += t;
  return out;
}

/** Newline-delimited JSON objects of a body (events, pull progress, streamed stats). */
export function ndjson(text: string): any[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** Reads NDJSON objects from a streamed body until `n` arrived, then cancels it. */
export async function takeJson(response: Response, n: number): Promise<any[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const out: any[] = [];
  while (out.length < n) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) out.push(JSON.parse(line));
    }
  }
  await reader.cancel();
  return out;
}

/** Stdin of a simulated hijacked connection: push text, then end. */
export class Pushable extends Channel<Uint8Array> {
  pushText(text: string): void {
    this.push(new TextEncoder().encode(text));
  }
}
