// Bad input for the vSphere door: 10,000 malformed SOAP requests. Every answer is an HTTP 500 SOAP
// fault in vCenter's shape, the server stays up, and the VCH's containers are all there, unchanged.
import { afterAll, beforeAll, expect, test } from "vitest";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { createVsphereHandler, type VsphereHandler } from "../bindings/vsphere/index.js";
import { serveVsphere, type VsphereServerHandle } from "../bindings/vsphere/node.js";

let vch: VirtualContainerHost;
let h: VsphereHandler;
let server: VsphereServerHandle;
let cookie = "";

/** Deterministic PRNG (mulberry32) so a failure replays. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENV = (body: string): string =>
  `<?xml version="1.0"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>${body}</Body></Envelope>`;
const PC = `<_this type="PropertyCollector">propertyCollector</_this>`;

/** Well-formed requests that malformed ones are cut or bent from. */
const valid = [
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}<specSet><propSet><type>ManagedEntity</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj><selectSet xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="TraversalSpec"><type>Folder</type><path>childEntity</path></selectSet></objectSet></specSet></RetrieveProperties>`),
  ENV(`<RetrievePropertiesEx xmlns="urn:vim25">${PC}<specSet><propSet><type>VirtualMachine</type><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="VirtualMachine">vm-100</obj></objectSet></specSet><options><maxObjects>1</maxObjects></options></RetrievePropertiesEx>`),
  ENV(`<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>`),
  ENV(`<PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-100</_this></PowerOffVM_Task>`),
  ENV(`<MigrateVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-101</_this><host type="HostSystem">host-21</host><priority>defaultPriority</priority></MigrateVM_Task>`),
];

/** Requests that are each wrong in one way a client (or an attacker) could be. */
const wrong = [
  "",
  "<",
  "<?xml version='1.0'?>",
  "<Envelope/>",
  ENV(""),
  ENV("plain text"),
  ENV(`<RetrieveProperties xmlns="urn:vim25"></RetrieveProperties>`),
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}</RetrieveProperties>`),
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}<specSet><propSet><pathSet>name</pathSet></propSet></specSet></RetrieveProperties>`),
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}<specSet><propSet><type>Folder</type></propSet><objectSet><obj>group-d1</obj></objectSet></specSet></RetrieveProperties>`),
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}<specSet><propSet><type>Folder</type><all>maybe</all></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet></RetrieveProperties>`),
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}<specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj><selectSet><name>nowhere</name></selectSet></objectSet></specSet></RetrieveProperties>`),
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}<specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj><selectSet><type>Folder</type></selectSet></objectSet></specSet></RetrieveProperties>`),
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}<specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj><selectSet><type>Folder</type><path>nonsense</path></selectSet></objectSet></specSet></RetrieveProperties>`),
  ENV(`<RetrieveProperties xmlns="urn:vim25">${PC}<specSet><propSet><type>VirtualMachine</type><pathSet>runtime.powerState.deeper</pathSet></propSet><objectSet><obj type="VirtualMachine">vm-100</obj></objectSet></specSet></RetrieveProperties>`),
  ENV(`<RetrievePropertiesEx xmlns="urn:vim25">${PC}<specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet><options><maxObjects>lots</maxObjects></options></RetrievePropertiesEx>`),
  ENV(`<ContinueRetrievePropertiesEx xmlns="urn:vim25">${PC}<token>999999</token></ContinueRetrievePropertiesEx>`),
  ENV(`<PowerOnVM_Task xmlns="urn:vim25"><_this type="HostSystem">host-21</_this></PowerOnVM_Task>`),
  ENV(`<PowerOnVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-999999</_this></PowerOnVM_Task>`),
  ENV(`<PowerOnVM_Task xmlns="urn:vim25"><_this>vm-100</_this></PowerOnVM_Task>`),
  ENV(`<MigrateVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-100</_this><host type="HostSystem">host-999</host></MigrateVM_Task>`),
  ENV(`<MigrateVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-100</_this></MigrateVM_Task>`),
  ENV(`<ReconfigureComputeResource_Task xmlns="urn:vim25"><_this type="ClusterComputeResource">domain-c7</_this><spec><drsConfig><vmotionRate>9</vmotionRate></drsConfig></spec><modify>true</modify></ReconfigureComputeResource_Task>`),
  ENV(`<ReconfigureComputeResource_Task xmlns="urn:vim25"><_this type="ClusterComputeResource">domain-c7</_this><spec><drsConfig><defaultVmBehavior>chaos</defaultVmBehavior></drsConfig></spec></ReconfigureComputeResource_Task>`),
  ENV(`<SetCollectorPageSize xmlns="urn:vim25"><_this type="EventHistoryCollector">nope</_this><maxCount>-1</maxCount></SetCollectorPageSize>`),
  ENV(`<CreateCollectorForEvents xmlns="urn:vim25"><_this type="EventManager">EventManager</_this><filter><entity><entity type="VirtualMachine">vm-424242</entity><recursion>all</recursion></entity></filter></CreateCollectorForEvents>`),
  ENV(`<DestroyPropertyCollector xmlns="urn:vim25">${PC}</DestroyPropertyCollector>`),
  ENV(`<NoSuchMethod xmlns="urn:vim25">${PC}</NoSuchMethod>`),
  ENV(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Login>`),
  `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>` + ENV(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>&d;&d;&d;</userName></Login>`),
  ENV("<a>".repeat(3000) + "</a>".repeat(3000)),
  "\u0000\u0001\u0002",
  "<Envelope><Body><RetrieveProperties></Body></Envelope>",
];

function malformed(next: () => number, i: number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  switch (i % 4) {
    case 0: {
      const v = pick(valid); // cut short: never well-formed
      return v.slice(0, Math.floor(next() * (v.length - 2)));
    }
    case 1: {
      const v = pick(valid); // a tag's name bent: mismatched end tag
      const at = v.indexOf("</", Math.floor(next() * v.length * 0.5) + 60);
      return at < 0 ? v.slice(0, 40) : `${v.slice(0, at + 2)}Z${v.slice(at + 2)}`;
    }
    case 2:
      return pick(wrong);
    default: {
      const n = 1 + Math.floor(next() * 200); // bytes at random
      let s = "";
      for (let k = 0; k < n; k++) s += String.fromCharCode(Math.floor(next() * 256));
      return next() < 0.5 ? s : `<Envelope>${s}`;
    }
  }
}

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ cluster: { hosts: 3 }, clock: { mode: "manual" } });
  await vch.pullImage("busybox");
  for (let i = 0; i < 4; i++) await vch.start(vch.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"] }, `c${i}`).id);
  h = createVsphereHandler(vch);
  const r = await h(new Request("https://x/sdk", { method: "POST", body: ENV(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>u</userName><password>p</password></Login>`) }));
  cookie = r.headers.get("set-cookie")!.split(";")[0];
  server = await serveVsphere(vch, { listen: "http://127.0.0.1:0/sdk" });
});
afterAll(async () => {
  h?.close();
  await server?.close();
  await vch?.close();
});

test("10,000 malformed SOAP requests: each a SOAP fault, nothing in the VCH changes, the server stays up", async () => {
  const state = (): string => JSON.stringify(vch.listContainers({ all: true }).map((c) => [c.id, c.state.Status, c.host?.name]));
  const before = state();
  const next = rng(13);
  for (let i = 0; i < 10_000; i++) {
    const body = malformed(next, i);
    const authed = i % 2 === 0;
    const r = await h(new Request("https://x/sdk", { method: "POST", body, headers: authed ? { cookie } : {} }));
    const text = await r.text();
    if (r.status !== 500 || !/<faultcode>ServerFaultCode<\/faultcode>.*<detail><\w+Fault xmlns="urn:vim25" xsi:type="\w+">/s.test(text)) {
      throw new Error(`request ${i} (${JSON.stringify(body.slice(0, 200))}) answered ${r.status}: ${text.slice(0, 400)}`);
    }
  }
  expect(state()).toBe(before);
  // and over a socket: still answering
  const ok = await fetch(server.url, { method: "POST", body: ENV(`<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>`) });
  expect(ok.status).toBe(200);
  expect(await ok.text()).toContain(`<rootFolder type="Folder">group-d1</rootFolder>`);
}, 120_000);
