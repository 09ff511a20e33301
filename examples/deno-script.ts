// A Deno script: build a small cluster, run containers, fail a host and print what happened.
//   deno run examples/deno-script.ts            (in a project with vicsim in node_modules, or import "npm:vicsim")
// No permission flags: the wasm core is embedded in the package's Deno entry.
import { VirtualContainerHost, type VchEvent } from "vicsim";

const vch = await VirtualContainerHost.open({
  cluster: { hosts: 4, hostCpuMHz: 24_000, hostMemoryMiB: 16_384, ha: { kind: "slots", failuresToTolerate: 1 } },
  clock: { mode: "manual" },
  seed: 42,
});
const events: VchEvent[] = [];
vch.subscribe((e) => events.push(e));

for (const image of ["nginx", "redis"]) await vch.pullImage(image);
for (let i = 0; i < 6; i++) await vch.start(vch.createContainer({ Image: "nginx" }, `web-${i}`).id);
for (let i = 0; i < 3; i++) await vch.start(vch.createContainer({ Image: "redis" }, `cache-${i}`).id);
vch.advance(120_000);

const show = (title: string) => {
  console.log(`\n${title}`);
  for (const h of vch.info().hosts) {
    const names = vch.listContainers().filter((c) => c.host?.name === h.name).map((c) => c.name.slice(1));
    console.log(`  ${h.name} ${h.state.padEnd(9)} ${String(h.containers).padStart(2)} container VMs  ${names.join(" ")}`);
  }
};
show("cluster after starting 9 containers:");

const busiest = vch.info().hosts.reduce((a, b) => (b.containers > a.containers ? b : a));
const failure = vch.failHost(busiest.name);
// Its container VMs stop at once; HA declares the host dead after 15 s of virtual time and restarts them.
vch.advance(failure.declaredDeadAt - vch.now());
const restarts = events.filter((e) => e.Action === "ha-restart");
console.log(`\n${failure.host} failed; vSphere HA restarted ${restarts.length} container VM(s):`);
for (const e of restarts) console.log(`  ${e.Actor.Attributes.name} -> ${e.Actor.Attributes.to}`);
for (const e of events.filter((e) => e.Action === "ha-restart-failed")) console.log(`  not restarted: ${e.Actor.Attributes.name} (${e.Actor.Attributes.reason})`);
vch.advance(60_000);
show("cluster after the failure:");

const running = vch.listContainers().length;
const cluster = events.filter((e) => e.Type === "cluster").map((e) => e.Action);
console.log(`\n${running} of 9 containers running; cluster events: ${[...new Set(cluster)].map((a) => `${a} ×${cluster.filter((x) => x === a).length}`).join(", ")}`);
await vch.close();
