/** One HTTP request over a keep-alive agent, as the server benchmarks send them: status and body text. */
import { spawn, type ChildProcess } from "node:child_process";
import { type Agent, request } from "node:http";

export function send(agent: Agent, port: number, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: "127.0.0.1", port, method, path, agent, headers: body ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    r.on("error", reject);
    r.end(body);
  });
}

/** Starts `node ARGS` and resolves with its port once its stdout has printed a line that `listening` matches (group 1 = port). */
export function startServer(args: string[], listening: RegExp): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = listening.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code} before listening: ${out}`)));
  });
}
