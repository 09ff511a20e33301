// `GET /containers/{id}/attach/ws` over a real socket, as docker-py's attach_socket(ws=True) uses it:
// output as binary messages of the raw stream, the client's messages as stdin.
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { serveDocker, type DockerServer } from "../bindings/docker/node.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";

let vch: VirtualContainerHost;
let server: DockerServer;
let base = "";

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-websocket" });
  server = await serveDocker(vch, { listen: "tcp://127.0.0.1:0" });
  base = server.dockerHost.replace("tcp://", "ws://");
  await vch.pullImage("busybox");
});
afterAll(async () => {
  await server?.close();
  await vch?.close();
});

/** Opens the attach socket and gathers its messages until it closes. */
function attach(id: string, query: string): { opened: Promise<void>; ws: WebSocket; messages: Buffer[]; closed: Promise<number> } {
  const ws = new WebSocket(`${base}/v1.44/containers/${id}/attach/ws?${query}`);
  const messages: Buffer[] = [];
  ws.on("message", (data: Buffer, binary: boolean) => {
    expect(binary).toBe(true);
    messages.push(data);
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const closed = new Promise<number>((resolve) => ws.once("close", (code: number) => resolve(code)));
  return { opened, ws, messages, closed };
}

test("a container's output arrives as one raw binary message (test_run_container_reading_socket_ws)", async () => {
  const line = "hi there and stuff and things, words!";
  const c = vch.createContainer({ Image: "busybox", Cmd: ["printf", line] });
  const a = attach(c.id, "stdout=1&stream=1&logs=1");
  await a.opened;
  await vch.start(c.id);
  expect(await a.closed).toBe(1000);
  expect(Buffer.concat(a.messages).toString()).toBe(line);
});

test("messages are stdin: cat echoes them back", async () => {
  const c = vch.createContainer({ Image: "busybox", Cmd: ["cat"], OpenStdin: true });
  await vch.start(c.id);
  const a = attach(c.id, "stdin=1&stdout=1&stream=1");
  await a.opened;
  a.ws.send(Buffer.from("ping\n"));
  await expect.poll(() => Buffer.concat(a.messages).toString()).toBe("ping\n");
  a.ws.close();
  await a.closed;
  expect(vch.getContainer(c.id).state.Running).toBe(true);
});

test("an unknown container closes the socket with dockerd's message", async () => {
  const a = attach("nosuchcontainer", "stdout=1&stream=1");
  await a.opened;
  expect(await a.closed).toBe(1011);
});
