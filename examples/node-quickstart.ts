// The ten-line tour: a Virtual Container Host on a simulated vSphere cluster, in Node (`npx tsx examples/node-quickstart.ts`).
import { VirtualContainerHost } from "vicsim";

const vch = await VirtualContainerHost.open({ cluster: { hosts: 4 }, clock: { mode: "manual" } });
await vch.pullImage("nginx"); // builds nginx's template VM profile
for (let i = 0; i < 8; i++) await vch.start(vch.createContainer({ Image: "nginx" }, `web-${i}`).id); // instant clones
vch.advance(60_000); // one virtual minute: guests dirty pages, copy-on-write breaks some sharing
for (const h of vch.info().hosts) console.log(`${h.name}: ${h.containers} container VMs, ${(h.memory.used * 4) >> 10} MiB used, ${(h.memory.sharedSaved * 4) >> 10} MiB saved by sharing`);
const failure = vch.failHost("H0"); // its container VMs stop; vSphere HA declares H0 dead after 15 s of virtual time
vch.advance(15_000); // ... and restarts them elsewhere
console.log(`H0 failed: HA restarted ${failure.stopped.length} container VMs on ${[...new Set(failure.stopped.map((id) => vch.getContainer(id).host?.name))].join(", ")}`);
await vch.close();
