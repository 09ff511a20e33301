// Deno.serve serving the Docker Engine API handler (`vicsim/docker`), exercised with fetch over a real socket.
import assert from "node:assert/strict";
import { VirtualContainerHost } from "vicsim";
import { packTar } from "modern-tar";
import { createDockerHandler, demultiplex } from "vicsim/docker";

async function serve() {
  const vch = await VirtualContainerHost.open({ cluster: { hosts: 3 }, clock: { mode: "manual" }, seed: 5 });
  const docker = createDockerHandler(vch);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => docker(request));
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    vch,
    base,
    async close() {
      await server.shutdown();
      await vch.close();
    },
  };
}

Deno.test("ping and version answer with Docker's headers", async () => {
  const s = await serve();
  try {
    const ping = await fetch(`${s.base}/_ping`);
    assert.equal(ping.status, 200);
    assert.equal(await ping.text(), "OK");
    assert.equal(ping.headers.get("api-version"), "1.50");
    const version = await (await fetch(`${s.base}/v1.50/version`)).json();
    assert.equal(version.ApiVersion, "1.50");
  } finally {
    await s.close();
  }
});

Deno.test("pull, create, start, logs, inspect and remove a container over HTTP", async () => {
  const s = await serve();
  try {
    const pull = await fetch(`${s.base}/v1.50/images/create?fromImage=busybox&tag=latest`, { method: "POST" });
    assert.equal(pull.status, 200);
    assert.match(await pull.text(), /Status: Downloaded newer image for busybox:latest/);
    const create = await fetch(`${s.base}/v1.50/containers/create?name=greeter`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ Image: "busybox", Cmd: ["echo", "hello over Deno.serve"] }),
    });
    assert.equal(create.status, 201);
    const { Id } = await create.json();
    assert.match(Id, /^[0-9a-f]{64}$/);
    assert.equal((await fetch(`${s.base}/v1.50/containers/greeter/start`, { method: "POST" })).status, 204);
    s.vch.runUntilIdle();
    const logs = new Uint8Array(await (await fetch(`${s.base}/v1.50/containers/greeter/logs?stdout=1&stderr=1`)).arrayBuffer());
    const frames = demultiplex(logs);
    assert.equal(frames.map((f) => new TextDecoder().decode(f.data)).join(""), "hello over Deno.serve\n");
    assert.equal(frames[0].stream, 1);
    const inspect = await (await fetch(`${s.base}/v1.50/containers/${Id}/json`)).json();
    assert.equal(inspect.State.Status, "exited");
    assert.equal(inspect.State.ExitCode, 0);
    assert.equal(inspect.Name, "/greeter");
    assert.equal((await fetch(`${s.base}/v1.50/containers/greeter`, { method: "DELETE" })).status, 204);
    const gone = await fetch(`${s.base}/v1.50/containers/greeter/json`);
    assert.equal(gone.status, 404);
    assert.equal(gone.headers.get("content-type"), "application/json");
    assert.deepEqual(await gone.json(), { message: "No such container: greeter" });
  } finally {
    await s.close();
  }
});

Deno.test("the list endpoints show running container VMs", async () => {
  const s = await serve();
  try {
    await s.vch.pullImage("nginx");
    for (let i = 0; i < 3; i++) await s.vch.start(s.vch.createContainer({ Image: "nginx" }, `web-${i}`).id);
    const list = await (await fetch(`${s.base}/containers/json`)).json();
    assert.deepEqual(list.map((c: { Names: string[] }) => c.Names[0]).sort(), ["/web-0", "/web-1", "/web-2"]);
    const info = await (await fetch(`${s.base}/info`)).json();
    assert.equal(info.ContainersRunning, 3);
  } finally {
    await s.close();
  }
});

Deno.test("docker build: a tar context POSTed to /build makes an image whose container reads the file RUN wrote", async () => {
  const s = await serve();
  try {
    const files: Record<string, string> = {
      Dockerfile: 'FROM busybox\nCOPY hello.txt /\nRUN cat /hello.txt > /copy.txt\nCMD ["cat", "/copy.txt"]\n',
      "hello.txt": "hello from Deno\n",
    };
    const context = await packTar(Object.entries(files).map(([name, text]) => {
      const body = new TextEncoder().encode(text);
      return { header: { name, size: body.byteLength, type: "file" as const, mode: 0o644 }, body };
    }));
    const built = await fetch(`${s.base}/v1.50/build?t=deno-hello:1`, { method: "POST", body: context, headers: { "Content-Type": "application/x-tar" } });
    const stream = await built.text();
    assert.equal(built.status, 200, stream);
    assert.match(stream, /Step 3\/4 : RUN cat \/hello.txt > \/copy.txt/);
    assert.match(stream, /Successfully built [0-9a-f]{12}/);
    assert.match(stream, /Successfully tagged deno-hello:1/);
    const create = await fetch(`${s.base}/v1.50/containers/create?name=reader`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ Image: "deno-hello:1" }) });
    assert.equal(create.status, 201);
    assert.equal((await fetch(`${s.base}/v1.50/containers/reader/start`, { method: "POST" })).status, 204);
    s.vch.runUntilIdle();
    const logs = demultiplex(new Uint8Array(await (await fetch(`${s.base}/v1.50/containers/reader/logs?stdout=1`)).arrayBuffer()));
    assert.equal(logs.map((f) => new TextDecoder().decode(f.data)).join(""), "hello from Deno\n");
  } finally {
    await s.close();
  }
});
