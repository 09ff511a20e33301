// Deno.serve serving the vSphere Web Services handler (`vicsim/vsphere`): a vim25 client's SOAP calls
// over a real socket read the VCH's container VMs and power one off, which the VCH then shows exited.
import assert from "node:assert/strict";
import { VirtualContainerHost } from "vicsim";
import { createVsphereHandler } from "vicsim/vsphere";

const ENV = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

async function serve() {
  const vch = await VirtualContainerHost.open({ cluster: { hosts: 3 }, clock: { mode: "manual" }, seed: 5, name: "vch-deno" });
  await vch.pullImage("busybox");
  for (const name of ["web", "db"]) {
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"] }, name);
    await vch.start(c.id);
  }
  const vsphere = createVsphereHandler(vch);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => vsphere(request));
  const url = `http://127.0.0.1:${server.addr.port}/sdk`;
  let cookie = "";
  /** One vim25 call as govc sends it; returns the HTTP status and the XML answer. */
  async function call(method: string, thisRef: string, inner = ""): Promise<{ status: number; text: string }> {
    const [type, value] = thisRef.split(":");
    const r = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/xml; charset=utf-8", soapaction: "urn:vim25/6.7", ...(cookie ? { cookie } : {}) },
      body: ENV(`<${method} xmlns="urn:vim25"><_this type="${type}">${value}</_this>${inner}</${method}>`),
    });
    const set = r.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0];
    return { status: r.status, text: await r.text() };
  }
  return {
    vch,
    url,
    call,
    async close() {
      vsphere.close();
      await server.shutdown();
      await vch.close();
    },
  };
}

Deno.test("vim25 over Deno.serve: log in, list the container VMs by name and power state", async () => {
  const s = await serve();
  try {
    const versions = await fetch(`${s.url}/vimServiceVersions.xml`);
    assert.equal(versions.status, 200);
    assert.match(await versions.text(), /<version>6\.7<\/version>/);
    const content = await s.call("RetrieveServiceContent", "ServiceInstance:ServiceInstance");
    assert.equal(content.status, 200); // the service content is public, as on vCenter
    assert.match(content.text, /<apiType>VirtualCenter<\/apiType>/);
    const before = await s.call("CreateContainerView", "ViewManager:ViewManager", `<container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive>`);
    assert.equal(before.status, 500);
    assert.match(before.text, /xsi:type="NotAuthenticated"/);
    const login = await s.call("Login", "SessionManager:SessionManager", "<userName>admin</userName><password>secret</password>");
    assert.equal(login.status, 200);
    assert.match(login.text, /<userName>admin<\/userName>/);
    const view = (await s.call("CreateContainerView", "ViewManager:ViewManager", `<container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive>`)).text.match(/<returnval type="ContainerView">([^<]+)</)![1];
    const r = await s.call(
      "RetrievePropertiesEx",
      "PropertyCollector:propertyCollector",
      `<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></specSet><options></options>`,
    );
    assert.equal(r.status, 200);
    const names = [...r.text.matchAll(/<name>name<\/name><val xsi:type="xsd:string">([^<]+)</g)].map((m) => m[1]).sort();
    assert.deepEqual(names, ["db", "web"].map((n) => `${n}-${s.vch.getContainer(n).id.slice(0, 12)}`));
    assert.equal(r.text.match(/<val xsi:type="VirtualMachinePowerState">poweredOn<\/val>/g)?.length, 2);
  } finally {
    await s.close();
  }
});

Deno.test("vim25 over Deno.serve: PowerOffVM_Task stops the container; a second one fails with InvalidPowerState in TaskInfo.error", async () => {
  const s = await serve();
  try {
    await s.call("Login", "SessionManager:SessionManager", "<userName>admin</userName><password>secret</password>");
    const name = `db-${s.vch.getContainer("db").id.slice(0, 12)}`;
    const view = (await s.call("CreateContainerView", "ViewManager:ViewManager", `<container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive>`)).text.match(/<returnval type="ContainerView">([^<]+)</)![1];
    const list = (await s.call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></specSet>`)).text;
    const vm = [...list.matchAll(/<obj type="VirtualMachine">([^<]+)<\/obj><propSet><name>name<\/name><val xsi:type="xsd:string">([^<]+)</g)].find((m) => m[2] === name)![1];
    /** Runs a task to its end and returns TaskInfo's state and error. */
    const finish = async (method: string): Promise<{ state: string; text: string }> => {
      const task = (await s.call(method, `VirtualMachine:${vm}`)).text.match(/<returnval type="Task">([^<]+)</)![1];
      for (let i = 0; i < 100; i++) {
        s.vch.advance(100); // the manual clock: 100 virtual ms a step, far short of the guests' sleep
        const info = (await s.call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></specSet>`)).text;
        const state = info.match(/<state>(\w+)<\/state>/)?.[1] ?? "";
        if (state === "success" || state === "error") return { state, text: info };
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`${method} did not finish`);
    };
    assert.equal((await finish("PowerOffVM_Task")).state, "success");
    assert.equal(s.vch.getContainer("db").state.Status, "exited");
    assert.equal(s.vch.getContainer("web").state.Status, "running");
    const again = await finish("PowerOffVM_Task");
    assert.equal(again.state, "error");
    assert.match(again.text, /<fault xsi:type="InvalidPowerState">/);
  } finally {
    await s.close();
  }
});
