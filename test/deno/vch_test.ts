// The Virtual Container Host through the package's Deno entry: images, container VMs, output, HA.
import assert from "node:assert/strict";
import { VchError, VirtualContainerHost } from "vicsim";

const open = () => VirtualContainerHost.open({ cluster: { hosts: 3, hostMemoryMiB: 16_384 }, clock: { mode: "manual" }, seed: 3 });

async function text(chunks: AsyncIterable<{ data: Uint8Array }>): Promise<string> {
  let s = "";
  for await (const c of chunks) s += new TextDecoder().decode(c.data);
  return s;
}

Deno.test("a container runs its command in a container VM and exits with its code", async () => {
  const vch = await open();
  await vch.pullImage("busybox");
  const c = vch.createContainer({ Image: "busybox", Cmd: ["sh", "-c", "echo hello from deno; exit 3"] }, "hello");
  await vch.start(c.id);
  vch.runUntilIdle();
  const done = vch.getContainer("hello");
  assert.equal(done.state.Status, "exited");
  assert.equal(done.state.ExitCode, 3);
  assert.equal(await text(vch.logs("hello", { stdout: true, stderr: true })), "hello from deno\n");
  await vch.close();
});

Deno.test("instant clones of one template share memory on their host", async () => {
  const vch = await open();
  await vch.pullImage("nginx");
  for (let i = 0; i < 4; i++) await vch.start(vch.createContainer({ Image: "nginx" }, `web-${i}`).id);
  vch.advance(10_000);
  const hosts = vch.info().hosts.filter((h) => h.containers > 0);
  assert.ok(hosts.length > 0);
  for (const h of hosts) {
    assert.ok(h.memory.sharedSaved > 0, `${h.name} saves nothing`);
    assert.deepEqual(h.templates, ["nginx:latest"]);
  }
  const stats = vch.statsSample("web-0");
  assert.ok(stats.vm && stats.vm.shared > 0 && stats.vm.granted >= stats.vm.shared);
  await vch.close();
});

Deno.test("HA restarts a failed host's container VMs on the others", async () => {
  const vch = await open();
  await vch.pullImage("redis");
  for (let i = 0; i < 6; i++) await vch.start(vch.createContainer({ Image: "redis" }, `r${i}`).id);
  const host = vch.getContainer("r0").host!.name;
  const victims = vch.listContainers().filter((c) => c.host?.name === host).map((c) => c.id).sort();
  const r = vch.failHost(host);
  assert.deepEqual([...r.stopped].sort(), victims);
  // Stopped at once; HA declares the host dead after 15 s of virtual time, then restarts them.
  assert.equal(vch.listContainers().length, 6 - victims.length);
  vch.advance(14_999);
  assert.equal(vch.listContainers().length, 6 - victims.length);
  vch.advance(1);
  assert.equal(vch.listContainers().length, 6);
  assert.ok(victims.every((id) => vch.getContainer(id).host!.name !== host));
  assert.equal(vch.info().hosts.find((h) => h.name === host)!.state, "failed");
  await vch.close();
});

Deno.test("errors speak Docker", async () => {
  const vch = await open();
  await assert.rejects(() => vch.start("nope"), (e: unknown) => e instanceof VchError && e.kind === "notFound" && e.message === "No such container: nope");
  assert.throws(() => vch.createContainer({ Image: "not-pulled" }), /No such image: not-pulled:latest/);
  await vch.close();
});
