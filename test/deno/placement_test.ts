// The placement core (DRS, HA, maintenance, pre-copy) through the package's Deno entry.
import assert from "node:assert/strict";
import { Cluster } from "vicsim";

const hosts = (n: number) => Array.from({ length: n }, (_, i) => ({ cpuMHz: 20_000, memoryMiB: 65_536, name: `H${i}` }));

Deno.test("placement spreads load and HA restarts a failed host's VMs on the others", () => {
  const cluster = Cluster.create({ hosts: hosts(4), ha: { kind: "slots", failuresToTolerate: 1 } });
  const vms = Array.from({ length: 16 }, (_, i) => cluster.addVm({ cpu: { demand: 1500 }, memory: { demand: 4096 }, name: `vm${i}` }));
  cluster.placeVms(vms);
  const counts = cluster.hostLoads().map((h) => h.vms);
  assert.deepEqual(counts, [4, 4, 4, 4]);
  const victims = vms.filter((vm) => cluster.vmHost(vm) === 2);
  const plan = cluster.failHosts([2]);
  assert.deepEqual(plan.restarts.map((r) => r.vm).sort((a, b) => a - b), victims);
  assert.ok(plan.restarts.every((r) => r.host !== 2));
  assert.deepEqual(plan.notRestarted, []);
  assert.ok(vms.every((vm) => cluster.vmHost(vm) !== 2));
  cluster.recoverHost(2);
  assert.equal(cluster.hostState(2), "connected");
});

Deno.test("maintenance mode evacuates a host", () => {
  const cluster = Cluster.create({ hosts: hosts(3) });
  const vms = Array.from({ length: 6 }, () => cluster.addVm({ cpu: { demand: 1000 }, memory: { demand: 2048 } }));
  cluster.placeVms(vms);
  const plan = cluster.enterMaintenance(0);
  assert.deepEqual(plan.blockers, []);
  assert.equal(cluster.hostState(0), "maintenance");
  assert.ok(vms.every((vm) => cluster.vmHost(vm) !== 0));
});

Deno.test("pre-copy converges for a quiet VM and sends at least its memory", () => {
  const cluster = Cluster.create({ hosts: hosts(2) });
  const est = cluster.migrationEstimate({ memoryPages: 262_144, dirtyPagesPerSecond: 500, workingSetPages: 10_000 });
  assert.equal(est.stopReason, "converged");
  assert.ok(est.bytesSent >= 262_144 * 4096);
  assert.ok(est.downtimeMs > 0 && est.downtimeMs < est.durationMs);
});

Deno.test("a bad host is a clear error", () => {
  const cluster = Cluster.create({ hosts: hosts(2) });
  assert.throws(() => cluster.failHosts([5]), /host 5/);
});
