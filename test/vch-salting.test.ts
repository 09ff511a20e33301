// TPS salting changed at run time: it applies to container VMs powered on afterwards (ESXi's rule).
import { afterEach, describe, expect, it } from "vitest";
import type { VirtualContainerHost } from "../bindings/vch/vch.js";
import { MemoryStore } from "../bindings/store/memory.js";
import { openVch, record } from "./fixtures/vch-helpers.js";

let vch: VirtualContainerHost;
afterEach(async () => {
  await vch?.close();
});

/** Starts `n` nginx container VMs, lets the guests write, then merges until TPS finds nothing more. */
async function mergedAcross(n: number): Promise<number> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = vch.createContainer({ Image: "nginx" });
    await vch.start(c.id);
    ids.push(c.id);
  }
  vch.advance(60_000);
  let total = 0;
  for (let i = 0; i < 20; i++) total += vch.tpsNow().merged;
  for (const id of ids) vch.remove(id, { force: true });
  return total;
}

describe("setSalting", () => {
  it("applies to container VMs started afterwards: the same workload merges as under a cluster opened with that policy", async () => {
    const opened: Record<string, number> = {};
    for (const salting of ["vm", "image"] as const) {
      vch = await openVch({ pull: ["nginx"], cluster: { hosts: 1, tps: { salting, intervalMs: 3_600_000 } } });
      opened[salting] = await mergedAcross(8);
      await vch.close();
    }
    expect(opened.image).toBeGreaterThan(opened.vm);

    vch = await openVch({ pull: ["nginx"], cluster: { hosts: 1, tps: { salting: "vm", intervalMs: 3_600_000 } } });
    const ev = record(vch, (e) => e.Action === "template-create");
    await mergedAcross(8);
    expect(ev.list).toHaveLength(1);
    vch.setSalting("image");
    expect(vch.info().tps.salting).toBe("image");
    const after = await mergedAcross(8);
    // The template VM is rebuilt under the new policy; clones would otherwise inherit the old salt.
    expect(ev.list).toHaveLength(2);
    expect(after).toBeGreaterThan(opened.vm);
    vch.setSalting("vm");
    expect(await mergedAcross(8)).toBeLessThan(after);
  });

  it("leaves running container VMs with their salt, rejects unknown policies, and is journaled", async () => {
    const store = new MemoryStore();
    vch = await openVch({ pull: ["nginx"], store, cluster: { hosts: 1 } });
    const c = vch.createContainer({ Image: "nginx" });
    await vch.start(c.id);
    expect(() => vch.setSalting("tenant" as "vm")).toThrow("TPS salting must be vm, image or global, got tenant");
    expect(vch.info().tps.salting).toBe("vm");
    vch.setSalting("global");
    expect(vch.getContainer(c.id).state.Running).toBe(true);
    await vch.close();
    vch = await openVch({ pull: [], store, cluster: { hosts: 1 } });
    expect(vch.info().tps.salting).toBe("global");
  });
});
