/**
 * Deployment migration through the handler: a new deployment pulls an old controller's flavors,
 * images, tenants, tickets and projects over HTTP (127.0.0.1) with `initialize_migration`, and
 * `finalize_migration` pauses the old one and copies what it gained meanwhile.
 */
import { describe, expect, it } from "vitest";
import { PhotonPlatform, createPhotonHandler } from "../bindings/photon/index.js";
import { servePhoton } from "../bindings/photon/node.js";
import { photonHarness, type Json } from "./photon-helpers.js";

describe("photon deployment migration", () => {
  it("copies the source's tenant data keeping ids, then pauses the source and copies the rest", async () => {
    const old = photonHarness({ hosts: 16 });
    const { tenant, project, image } = await old.tenantStory();
    const server = await servePhoton(old.h, { listen: "http://127.0.0.1:0" });
    const ref = `http://127.0.0.1:${server.port}/core/node-groups/default`;
    const nu = photonHarness({ hosts: 16 });
    try {
      const dep = nu.p.deployment.id;
      expect((await nu.call("POST", `/deployments/${dep}/initialize_migration`, {})).body).toEqual({ code: "InvalidEntity", message: "sourceNodeGroupReference may not be null (was null)", data: {} });
      expect((await nu.call("POST", `/deployments/${dep}/finalize_migration`, { sourceNodeGroupReference: ref })).body.code).toBe("StateError");
      const init = await nu.call("POST", `/deployments/${dep}/initialize_migration`, { sourceNodeGroupReference: ref });
      expect(init.status).toBe(201);
      const done = await nu.wait(init.body);
      expect(done).toMatchObject({ operation: "INITIALIZE_MIGRATE_DEPLOYMENT", state: "COMPLETED" });
      // same ids, same names, reservations debited again
      expect((await nu.call("GET", `/tenants/${tenant}`)).body).toMatchObject({ name: "acme", resourceTickets: [{ name: "gold" }] });
      const pr = (await nu.call("GET", `/projects/${project}`)).body;
      expect(pr.resourceTicket.limits).toEqual([{ key: "vm.memory", value: 500, unit: "GB" }, { key: "vm", value: 250, unit: "COUNT" }, { key: "vm.cpu", value: 500, unit: "COUNT" }]);
      expect((await nu.call("GET", `/resource-tickets/${pr.resourceTicket.tenantTicketId}`)).body.usage).toContainEqual({ key: "vm", value: 250, unit: "COUNT" });
      expect((await nu.call("GET", `/images/${image}`)).body).toMatchObject({ name: "kube.ova", size: 4096 });
      expect((await nu.call("GET", "/flavors")).body.items.map((f: Json) => f.name).sort()).toEqual(["eph", "pd", "small"]);
      const status = (await nu.call("GET", `/deployments/${dep}`)).body.migrationStatus;
      expect(status).toMatchObject({ completedDataMigrationCycles: 1, dataMigrationCycleSize: 7 });
      // the migrated project works here: a VM of the migrated flavor and image is created
      expect((await nu.wait((await nu.call("POST", `/projects/${project}/vms`, nu.vmSpec(image))).body)).state).toBe("COMPLETED");
      // the source gains a tenant before the cut-over
      const late = (await old.run("/tenants", { name: "late" })).entity.id;
      const fin = await nu.wait((await nu.call("POST", `/deployments/${dep}/finalize_migration`, { sourceNodeGroupReference: ref })).body);
      expect(fin).toMatchObject({ operation: "FINALIZE_MIGRATE_DEPLOYMENT", state: "COMPLETED" });
      expect(fin.steps.map((s: Json) => s.operation)).toEqual(["PAUSE_SOURCE_SYSTEM", "MIGRATE_DEPLOYMENT_DATA", "FINALIZE_MIGRATION"]);
      expect((await nu.call("GET", `/tenants/${late}`)).body.name).toBe("late");
      expect((await nu.call("GET", `/deployments/${dep}`)).body.migrationStatus).toMatchObject({ completedDataMigrationCycles: 2, dataMigrationCycleSize: 1 });
      // the source is paused: it refuses changes
      expect((await old.call("POST", "/tenants", { name: "too-late" })).body.code).toBe("SystemPaused");
      // and the migration is over
      expect((await nu.call("POST", `/deployments/${dep}/finalize_migration`, { sourceNodeGroupReference: ref })).body.code).toBe("StateError");
    } finally {
      await server.close();
      old.p.close();
      nu.p.close();
    }
  });

  it("a source that cannot be reached ends the task ERROR with the reason", async () => {
    const p = PhotonPlatform.open({ hosts: 8 });
    const h = createPhotonHandler(p);
    const r = await h(new Request(`http://pc:9000/deployments/${p.deployment.id}/initialize_migration`, { method: "POST", body: JSON.stringify({ sourceNodeGroupReference: "http://127.0.0.1:1/core/node-groups/default" }) }));
    expect(r.status).toBe(201);
    const t = await p.tasks.done(((await r.json()) as Json).id);
    expect(t.state).toBe("ERROR");
    expect(t.steps[0].errors[0].code).toBe("InternalError");
    expect(t.steps[0].errors[0].message).toContain("the source http://127.0.0.1:1 cannot be reached");
    p.close();
  });
});
