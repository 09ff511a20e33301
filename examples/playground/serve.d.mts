import type { Server } from "node:http";
/** Serves `dir` on 127.0.0.1:`port` (0 = any free port). */
export declare function serveStatic(dir: string, port?: number): Promise<{ server: Server; url: string }>;
