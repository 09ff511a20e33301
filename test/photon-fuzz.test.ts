/**
 * 10,000 malformed requests through the Photon handler: every answer is an ApiError body of API.md
 * (never a 500 or a stack), and a refused request changes nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { photonHarness } from "./photon-helpers.js";

describe("photon handler under malformed requests", () => {
  it("answers 10,000 of them with API errors and changes nothing when it refuses", async () => {
    const t = photonHarness({ hosts: 16 });
    const { tenant, project, image } = await t.tenantStory();
    const vm = (await t.run(`/projects/${project}/vms`, t.vmSpec(image))).entity.id;
    const ids = [tenant, project, image, vm, "nope", "", "..", "%ZZ", "a".repeat(300), "0", "-1"];
    const paths = [
      "/tenants", "/tenants/:id", "/tenants/:id/projects", "/tenants/:id/resource-tickets", "/projects/:id", "/projects/:id/vms", "/projects/:id/disks",
      "/projects/:id/clusters", "/vms/:id", "/vms/:id/start", "/vms/:id/attach_disk", "/vms/:id/tags", "/vms/:id/set_metadata", "/flavors", "/images",
      "/disks/:id", "/clusters/:id/resize", "/hosts/:id/suspend", "/hosts/:id/set_availability_zone", "/availabilityzones", "/deployments/:id/enable_cluster_type",
      "/tasks", "/tasks/:id", "/resource-tickets/:id", "/deployments/:id/hosts",
    ];
    const junk = fc.oneof(
      fc.string(),
      fc.constantFrom("{", "[]", "null", "1", '"x"', "{\"name\":", "\u0000", "{\"name\": 5}", "{\"name\": \"9bad\"}", "{\"limits\": \"x\"}"),
      fc.dictionary(fc.constantFrom("name", "kind", "cost", "limits", "flavor", "sourceImageId", "attachedDisks", "resourceTicket", "diskId", "value", "metadata", "newWorkerCount", "type", "availabilityZoneId", "extendedProperties", "affinities"), fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.anything(), { maxLength: 2 }), fc.object({ maxDepth: 1 }))).map((o) => JSON.stringify(o)),
    );
    const req = fc.record({
      method: fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH"),
      path: fc.constantFrom(...paths),
      id: fc.constantFrom(...ids),
      query: fc.constantFrom("", "?pageSize=0", "?pageSize=abc", "?pageSize=101", "?pageLink=zzz", "?entityId=x", "?name=%", "?kind=bogus", "?state=NOPE"),
      body: junk,
    });
    const fingerprint = (): string => {
      const d = t.p.docs;
      return JSON.stringify([d.tenant.size, d.project.size, d.vm.size, d.disk.size, d.cluster.size, d.flavor.size, d.image.size, d.zone.size, [...d.project.values()].map((x) => x.usage), [...d.vm.values()].map((x) => [x.state, x.tags, x.metadata])]);
    };
    const samples = fc.sample(req, { numRuns: 10_000, seed: 12 });
    let refused = 0;
    for (const r of samples) {
      const before = fingerprint();
      const res = await t.h(new Request(`http://pc:9000${r.path.replace(":id", r.id)}${r.query}`, { method: r.method, body: r.method === "GET" ? undefined : r.body }));
      if (res.status >= 500) throw new Error(`500 for ${r.method} ${r.path.replace(":id", r.id)}${r.query} ${r.body}`);
      const body = await res.json();
      if (res.status >= 400) {
        refused++;
        expect(typeof body.code).toBe("string");
        expect(body.message === null || typeof body.message === "string").toBe(true);
        expect(typeof body.data).toBe("object");
        expect(body.message ?? "").not.toMatch(/\n\s+at /);
        expect(fingerprint()).toBe(before);
      }
    }
    expect(refused).toBeGreaterThan(9000);
  }, 120_000);
});
