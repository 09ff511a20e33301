// The vSphere handler in-process (no socket): PropertyCollector semantics, WaitForUpdates, paging,
// tasks and faults as a vim25 client meets them.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { createVsphereHandler, type VsphereHandler } from "../bindings/vsphere/index.js";

let vch: VirtualContainerHost;
let handler: VsphereHandler;

const ENV = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

async function post(xml: string, cookie?: string): Promise<{ status: number; text: string; cookie?: string }> {
  const r = await handler(new Request("https://127.0.0.1/sdk", { method: "POST", body: xml, headers: { "content-type": "text/xml", ...(cookie ? { cookie } : {}) } }));
  const set = r.headers.get("set-cookie");
  return { status: r.status, text: await r.text(), cookie: set ? set.split(";")[0] : undefined };
}
const call = (method: string, thisRef: string, inner = "", cookie?: string) =>
  post(ENV(`<${method} xmlns="urn:vim25"><_this type="${thisRef.split(":")[0]}">${thisRef.split(":").slice(1).join(":")}</_this>${inner}</${method}>`), cookie);

async function login(user = "u"): Promise<string> {
  const r = await call("Login", "SessionManager:SessionManager", `<userName>${user}</userName><password>p</password>`);
  expect(r.status).toBe(200);
  return r.cookie!;
}
const names = (xml: string): string[] => [...xml.matchAll(/<name>name<\/name><val xsi:type="xsd:string">([^<]*)<\/val>/g)].map((m) => m[1]);
const objs = (xml: string): string[] => [...xml.matchAll(/<obj type="([^"]+)">([^<]+)<\/obj>/g)].map((m) => `${m[1]}:${m[2]}`);
const faultOf = (xml: string): string | undefined => xml.match(/<detail><(\w+)Fault xmlns="urn:vim25" xsi:type="(\w+)"/)?.[2];

const viewSpec = (view: string, type: string, paths: string[], extra = "") =>
  `<specSet><propSet><type>${type}</type>${paths.map((p) => `<pathSet>${p}</pathSet>`).join("")}</propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></specSet>${extra}`;

async function containerView(cookie: string, type: string): Promise<string> {
  const r = await call("CreateContainerView", "ViewManager:ViewManager", `<container type="Folder">group-d1</container><type>${type}</type><recursive>true</recursive>`, cookie);
  return r.text.match(/<returnval type="ContainerView">([^<]+)</)![1];
}

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ cluster: { hosts: 3 }, clock: { mode: "manual" }, name: "vch" });
  await vch.pullImage("busybox");
  for (let i = 0; i < 5; i++) {
    const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"] }, `c${i}`);
    await vch.start(c.id);
  }
  handler = createVsphereHandler(vch);
});
afterAll(async () => {
  handler?.close();
  await vch?.close();
});

describe("sessions and faults", () => {
  test("vimServiceVersions.xml lists 6.7 and the 6.x versions pyvmomi 6.7.1 knows", async () => {
    const r = await handler(new Request("https://127.0.0.1/sdk/vimServiceVersions.xml"));
    const text = await r.text();
    expect(text).toContain("<version>6.7</version>");
    expect(text).toContain("<version>6.5</version>");
  });

  test("the session also travels in vSphere's vmware-api-session-id header (pages cannot send cookies)", async () => {
    const r = await handler(new Request("https://127.0.0.1/sdk", { method: "POST", body: ENV(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>h</userName><password>p</password></Login>`) }));
    const id = r.headers.get("vmware-api-session-id")!;
    expect(r.headers.get("set-cookie")).toBe(`vmware_soap_session=${id}; Path=/; HttpOnly`);
    const ask = (headers: Record<string, string>) =>
      handler(new Request("https://127.0.0.1/sdk", { method: "POST", headers, body: ENV(`<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>SessionManager</type><pathSet>currentSession</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj></objectSet></specSet></RetrieveProperties>`) }));
    const mine = await ask({ "vmware-api-session-id": id });
    expect(mine.status).toBe(200);
    expect(await mine.text()).toContain("<userName>h</userName>");
    const wrong = await ask({ "vmware-api-session-id": "no-such-session" });
    expect(wrong.status).toBe(500);
    expect(await wrong.text()).toContain(`xsi:type="NotAuthenticated"`);
  });

  test("a call before Login is NotAuthenticated (HTTP 500, vCenter's fault shape)", async () => {
    const r = await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet>`);
    expect(r.status).toBe(500);
    expect(r.text).toContain("<faultcode>ServerFaultCode</faultcode>");
    expect(faultOf(r.text)).toBe("NotAuthenticated");
  });

  test("Login sets vmware_soap_session; Logout ends the session", async () => {
    const cookie = await login();
    expect(cookie).toMatch(/^vmware_soap_session=[0-9a-f-]{36}$/);
    expect((await call("CurrentTime", "ServiceInstance:ServiceInstance", "", cookie)).text).toMatch(/<returnval>\d{4}-\d\d-\d\dT/);
    await call("Logout", "SessionManager:SessionManager", "", cookie);
    expect(faultOf((await call("CreatePropertyCollector", "PropertyCollector:propertyCollector", "", cookie)).text)).toBe("NotAuthenticated");
  });

  test("unknown methods are InvalidRequest; unknown objects ManagedObjectNotFound; unknown properties InvalidProperty", async () => {
    const cookie = await login();
    expect(faultOf((await call("NoSuchMethod", "ServiceInstance:ServiceInstance", "", cookie)).text)).toBe("InvalidRequest");
    expect(faultOf((await call("PowerOnVM_Task", "VirtualMachine:vm-99999", "", cookie)).text)).toBe("ManagedObjectNotFound");
    const bad = await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>Folder</type><pathSet>nope</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></specSet>`, cookie);
    expect(faultOf(bad.text)).toBe("InvalidProperty");
  });

  test("bad XML and oversized bodies are InvalidRequest faults", async () => {
    expect(faultOf((await post("<Envelope><Body><Login>")).text)).toBe("InvalidRequest");
    expect(faultOf((await post("not xml at all")).text)).toBe("InvalidRequest");
    const small = createVsphereHandler(vch, { maxBodyBytes: 100 });
    const r = await small(new Request("https://127.0.0.1/sdk", { method: "POST", body: ENV("x".repeat(200)) }));
    expect(r.status).toBe(500);
    expect(await r.text()).toContain("larger than 100 bytes");
    small.close();
  });
});

describe("PropertyCollector", () => {
  test("type inheritance: ManagedEntity name reaches every entity a traversal selects", async () => {
    const cookie = await login();
    const r = await call(
      "RetrieveProperties",
      "PropertyCollector:propertyCollector",
      `<specSet><propSet><type>ManagedEntity</type><pathSet>name</pathSet></propSet><objectSet><obj type="ClusterComputeResource">domain-c7</obj><skip>false</skip><selectSet xsi:type="TraversalSpec"><type>ComputeResource</type><path>host</path><skip>false</skip></selectSet></objectSet></specSet>`,
      cookie,
    );
    expect(names(r.text)).toEqual(["C0", "H0", "H1", "H2"]);
  });

  test("recursive traversal by name (traverseParent) gives a VM's whole path; skip leaves the start out", async () => {
    const cookie = await login();
    const r = await call(
      "RetrieveProperties",
      "PropertyCollector:propertyCollector",
      `<specSet><propSet><type>ManagedEntity</type><pathSet>name</pathSet></propSet><objectSet><obj type="VirtualMachine">vm-100</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>traverseParent</name><type>ManagedEntity</type><path>parent</path><skip>false</skip><selectSet><name>traverseParent</name></selectSet></selectSet><selectSet xsi:type="TraversalSpec"><type>VirtualMachine</type><path>parentVApp</path><skip>false</skip><selectSet><name>traverseParent</name></selectSet></selectSet></objectSet></specSet>`,
      cookie,
    );
    expect(names(r.text)).toEqual(["vch", "Resources", "C0", "host", "DC0", "Datacenters"]);
  });

  test("nested paths and all=true", async () => {
    const cookie = await login();
    const nested = await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>VirtualMachine</type><pathSet>summary.config.memorySizeMB</pathSet><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="VirtualMachine">vm-101</obj></objectSet></specSet>`, cookie);
    expect(nested.text).toContain(`<name>summary.config.memorySizeMB</name><val xsi:type="xsd:int">2048</val>`);
    expect(nested.text).toContain(`<name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOn</val>`);
    const all = await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>HostSystem</type><all>1</all></propSet><objectSet><obj type="HostSystem">host-21</obj></objectSet></specSet>`, cookie);
    for (const p of ["name", "summary", "runtime", "hardware", "vm", "parent"]) expect(all.text).toContain(`<name>${p}</name>`);
  });

  test("RetrievePropertiesEx pages by maxObjects; Continue returns the rest page by page; Cancel drops a token", async () => {
    const cookie = await login();
    const view = await containerView(cookie, "VirtualMachine");
    const first = await call("RetrievePropertiesEx", "PropertyCollector:propertyCollector", viewSpec(view, "VirtualMachine", ["name"], "<options><maxObjects>2</maxObjects></options>"), cookie);
    expect(names(first.text)).toHaveLength(2);
    const token = first.text.match(/<token>([^<]+)<\/token>/)![1];
    // 5 VMs in pages of 2: 2 + 2 + 1, each Continue but the last carrying the next token
    const second = await call("ContinueRetrievePropertiesEx", "PropertyCollector:propertyCollector", `<token>${token}</token>`, cookie);
    expect(names(second.text)).toHaveLength(2);
    const token2 = second.text.match(/<token>([^<]+)<\/token>/)![1];
    expect(token2).not.toBe(token);
    const last = await call("ContinueRetrievePropertiesEx", "PropertyCollector:propertyCollector", `<token>${token2}</token>`, cookie);
    expect(names(last.text)).toHaveLength(1);
    expect(last.text).not.toContain("<token>");
    expect(faultOf((await call("ContinueRetrievePropertiesEx", "PropertyCollector:propertyCollector", `<token>${token}</token>`, cookie)).text)).toBe("InvalidArgument");
    const rest = { text: second.text + last.text };
    expect([...names(first.text), ...names(rest.text)].sort()).toEqual(vch.listContainers({ all: true }).map((c) => `${c.name.slice(1)}-${c.id.slice(0, 12)}`).sort());
    const again = await call("RetrievePropertiesEx", "PropertyCollector:propertyCollector", viewSpec(view, "VirtualMachine", ["name"], "<options><maxObjects>1</maxObjects></options>"), cookie);
    const t2 = again.text.match(/<token>([^<]+)<\/token>/)![1];
    expect((await call("CancelRetrievePropertiesEx", "PropertyCollector:propertyCollector", `<token>${t2}</token>`, cookie)).status).toBe(200);
    expect(faultOf((await call("ContinueRetrievePropertiesEx", "PropertyCollector:propertyCollector", `<token>${t2}</token>`, cookie)).text)).toBe("InvalidArgument");
  });

  test("another session cannot use a session's view", async () => {
    const a = await login("a");
    const b = await login("b");
    const view = await containerView(a, "HostSystem");
    expect(faultOf((await call("RetrieveProperties", "PropertyCollector:propertyCollector", viewSpec(view, "HostSystem", ["name"]), b)).text)).toBe("ManagedObjectNotFound");
    expect(names((await call("RetrieveProperties", "PropertyCollector:propertyCollector", viewSpec(view, "HostSystem", ["name"]), a)).text)).toEqual(["H0", "H1", "H2"]);
  });

  test("WaitForUpdatesEx: enter first, then blocks until a real change, with a new version; filters on the root collector are per session", async () => {
    const a = await login("a");
    const b = await login("b");
    const view = await containerView(a, "VirtualMachine");
    const spec = `<spec><propSet><type>VirtualMachine</type><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></spec><partialUpdates>false</partialUpdates>`;
    expect((await call("CreateFilter", "PropertyCollector:propertyCollector", spec, a)).status).toBe(200);
    const first = await call("WaitForUpdatesEx", "PropertyCollector:propertyCollector", "", a);
    expect(first.text.match(/<kind>enter<\/kind>/g)).toHaveLength(5);
    const version = first.text.match(/<version>([^<]+)<\/version>/)![1];
    // b has no filter: nothing to report at once with maxWaitSeconds 0
    const none = await call("WaitForUpdatesEx", "PropertyCollector:propertyCollector", "<version></version><options><maxWaitSeconds>0</maxWaitSeconds></options>", b);
    expect(none.text).not.toContain("<returnval>");
    let settled = false;
    const waiting = call("WaitForUpdatesEx", "PropertyCollector:propertyCollector", `<version>${version}</version>`, a).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    vch.createContainer({ Image: "busybox" }, "quiet"); // a new VM: enters the view
    const created = await waiting;
    expect(created.text).toContain("<kind>enter</kind>");
    expect(created.text.match(/<kind>/g)).toHaveLength(1);
    const v2 = created.text.match(/<version>([^<]+)<\/version>/)![1];
    expect(v2).not.toBe(version);
    settled = false;
    const next = call("WaitForUpdatesEx", "PropertyCollector:propertyCollector", `<version>${v2}</version>`, a).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false); // nothing changed yet: still blocked
    vch.kill("c1", "SIGKILL");
    const changed = await next;
    expect(changed.text).toContain("<kind>modify</kind>");
    expect(changed.text).toContain(`<val xsi:type="VirtualMachinePowerState">poweredOff</val>`);
  });
});

test("a blocked WaitForUpdatesEx gives up when its client goes away (RequestCanceled), and the next one works", async () => {
  const cookie = await login("w");
  await call("CreateFilter", "PropertyCollector:propertyCollector", `<spec><propSet><type>HostSystem</type><pathSet>name</pathSet></propSet><objectSet><obj type="HostSystem">host-20</obj></objectSet></spec><partialUpdates>false</partialUpdates>`, cookie);
  const first = await call("WaitForUpdatesEx", "PropertyCollector:propertyCollector", "", cookie);
  const version = first.text.match(/<version>([^<]+)<\/version>/)![1];
  const gone = new AbortController();
  const pending = handler.soap({ body: `<?xml version="1.0"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><WaitForUpdatesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><version>${version}</version></WaitForUpdatesEx></Body></Envelope>`, cookie, signal: gone.signal });
  await new Promise((r) => setTimeout(r, 20));
  gone.abort();
  const answer = await pending;
  expect(answer.status).toBe(500);
  expect(answer.body).toContain(`xsi:type="RequestCanceled"`);
  const none = await call("WaitForUpdatesEx", "PropertyCollector:propertyCollector", `<version>${version}</version><options><maxWaitSeconds>0</maxWaitSeconds></options>`, cookie);
  expect(none.status).toBe(200);
});

describe("PerformanceManager", () => {
  test("QueryPerf: real-time samples on 20 s boundaries of virtual time, values from the memory engine", async () => {
    const cookie = await login();
    const byLevel = await call("QueryPerfCounterByLevel", "PerformanceManager:PerfMgr", "<level>1</level>", cookie);
    expect(byLevel.text).toContain("<key>consumed</key>");
    expect(byLevel.text).not.toContain("<key>sharedcommon</key>"); // level 2
    const avail = await call("QueryAvailablePerfMetric", "PerformanceManager:PerfMgr", `<entity type="HostSystem">host-20</entity><intervalId>20</intervalId>`, cookie);
    expect(avail.text.match(/<counterId>/g)!.length).toBeGreaterThan(5);
    const query = () =>
      call("QueryPerf", "PerformanceManager:PerfMgr", `<querySpec><entity type="HostSystem">host-20</entity><maxSample>5</maxSample><metricId><counterId>4</counterId><instance></instance></metricId><intervalId>20</intervalId></querySpec>`, cookie);
    const one = await query();
    expect(one.text.match(/<timestamp>/g)).toHaveLength(1);
    expect(one.text).toContain(`<value>${vch.info().hosts[0].memory.used * 4}</value>`);
    vch.advance(20_000);
    const two = await query();
    const stamps = [...two.text.matchAll(/<timestamp>([^<]+)</g)].map((m) => Date.parse(m[1]));
    expect(stamps).toHaveLength(2);
    expect(stamps[1] - stamps[0]).toBe(20_000);
    expect(stamps[1] % 20_000).toBe(0);
    expect(faultOf((await call("QueryPerf", "PerformanceManager:PerfMgr", `<querySpec><entity type="Folder">group-d1</entity></querySpec>`, cookie)).text)).toBe("InvalidArgument");
  });
  test("CPU from the placement engine: a VM's usage is its entitlement, a host's the sum over its VMs; zero memory from the memory engine", async () => {
    const cookie = await login();
    const view = await containerView(cookie, "VirtualMachine");
    const list = (await call("RetrievePropertiesEx", "PropertyCollector:propertyCollector", viewSpec(view, "VirtualMachine", ["name"]), cookie)).text;
    const id = vch.getContainer("c3").id;
    const ref = objs(list)[names(list).indexOf(`c3-${id.slice(0, 12)}`)].split(":")[1];
    const sample = async (entity: string, counter: number): Promise<number> => {
      const r = await call("QueryPerf", "PerformanceManager:PerfMgr", `<querySpec><entity type="${entity.split(":")[0]}">${entity.split(":")[1]}</entity><maxSample>1</maxSample><metricId><counterId>${counter}</counterId><instance></instance></metricId><intervalId>20</intervalId></querySpec>`, cookie);
      return Number(r.text.match(/<value>(\d+)<\/value>/)?.[1]);
    };
    const mhz = vch.vmCpuMHz("c3")!;
    expect(mhz).toBeGreaterThan(0);
    expect(await sample(`VirtualMachine:${ref}`, 2)).toBe(Math.round(mhz));
    expect(await sample(`VirtualMachine:${ref}`, 1)).toBe(Math.round((Math.round(mhz) / 4000) * 10000)); // 2 vCPUs of 2,000 MHz
    expect(await sample(`VirtualMachine:${ref}`, 12)).toBe(vch.vmMemory("c3")!.sharedCommon * 4);
    const host = vch.getContainer("c3").host!;
    const onHost = vch.listContainers().filter((c) => c.host?.index === host.index);
    const hostMhz = onHost.reduce((s, c) => s + Math.round(vch.vmCpuMHz(c.id) ?? 0), 0);
    const hostRef = `host-${20 + host.index}`;
    expect(await sample(`HostSystem:${hostRef}`, 2)).toBe(hostMhz);
    const quick = await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>HostSystem</type><pathSet>summary.quickStats.overallCpuUsage</pathSet></propSet><objectSet><obj type="HostSystem">${hostRef}</obj></objectSet></specSet>`, cookie);
    expect(quick.text).toContain(`<val xsi:type="xsd:int">${hostMhz}</val>`);
    const vmQuick = await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>VirtualMachine</type><pathSet>summary.quickStats.overallCpuUsage</pathSet></propSet><objectSet><obj type="VirtualMachine">${ref}</obj></objectSet></specSet>`, cookie);
    expect(vmQuick.text).toContain(`<val xsi:type="xsd:int">${Math.round(mhz)}</val>`);
    const names12 = await call("QueryAvailablePerfMetric", "PerformanceManager:PerfMgr", `<entity type="VirtualMachine">${ref}</entity><intervalId>20</intervalId>`, cookie);
    expect([...names12.text.matchAll(/<counterId>(\d+)<\/counterId>/g)].map((m) => Number(m[1]))).toEqual(expect.arrayContaining([1, 2, 4, 5, 12]));
  });
});

describe("tasks", () => {
  test("PowerOffVM_Task: TaskInfo goes queued → running → success; the container exited", async () => {
    const cookie = await login();
    const id = vch.getContainer("c2").id;
    const vm = (await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet><objectSet><obj type="ContainerView">${await containerView(cookie, "VirtualMachine")}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></specSet>`, cookie)).text;
    const ref = objs(vm)[names(vm).indexOf(`c2-${id.slice(0, 12)}`)].split(":")[1];
    const t = await call("PowerOffVM_Task", `VirtualMachine:${ref}`, "", cookie);
    const task = t.text.match(/<returnval type="Task">([^<]+)</)![1];
    const info = () => call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></specSet>`, cookie);
    expect((await info()).text).toContain(">queued<");
    const states: string[] = [];
    for (let i = 0; i < 50 && !states.includes("success"); i++) {
      states.push((await info()).text.match(/TaskInfoState">(\w+)</)![1]);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(states[states.length - 1]).toBe("success");
    expect(vch.getContainer("c2").state.Status).toBe("exited");
    const again = await call("PowerOffVM_Task", `VirtualMachine:${ref}`, "", cookie);
    const task2 = again.text.match(/<returnval type="Task">([^<]+)</)![1];
    await new Promise((r) => setTimeout(r, 20));
    const err = await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task2}</obj></objectSet></specSet>`, cookie);
    expect(err.text).toContain("<state>error</state>");
    expect(err.text).toContain(`<fault xsi:type="InvalidPowerState">`);
  });

  /** Runs a task method and returns its final TaskInfo XML. */
  async function runTask(method: string, thisRef: string, inner: string, cookie: string): Promise<string> {
    const t = await call(method, thisRef, inner, cookie);
    const task = t.text.match(/<returnval type="Task">([^<]+)</)?.[1];
    if (!task) throw new Error(`${method} returned no task: ${t.text}`);
    for (let i = 0; i < 100; i++) {
      const info = await call("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></specSet>`, cookie);
      if (/<state>(success|error)<\/state>/.test(info.text)) return info.text;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`${method} did not finish`);
  }
  const vmRefOf = (name: string): string => {
    const vm = handler.server.inventory.vmOfContainer(vch.getContainer(name).id)!;
    return `VirtualMachine:${vm.ref.value}`;
  };

  test("Destroy_Task: refused while powered on (InvalidPowerState), removes the container once off", async () => {
    const cookie = await login();
    const ref = vmRefOf("c3");
    expect(await runTask("Destroy_Task", ref, "", cookie)).toContain(`<fault xsi:type="InvalidPowerState">`);
    expect(await runTask("PowerOffVM_Task", ref, "", cookie)).toContain("<state>success</state>");
    expect(await runTask("Destroy_Task", ref, "", cookie)).toContain("<state>success</state>");
    expect(vch.listContainers({ all: true }).map((c) => c.name)).not.toContain("/c3");
    expect(faultOf((await call("PowerOnVM_Task", ref, "", cookie)).text)).toBe("ManagedObjectNotFound");
  });

  test("ResetVM_Task restarts the container; ReconfigureComputeResource_Task sets the DRS threshold from vmotionRate", async () => {
    const cookie = await login();
    const startedBefore = vch.getContainer("c4").state.StartedAt;
    vch.advance(1000);
    expect(await runTask("ResetVM_Task", vmRefOf("c4"), "", cookie)).toContain("<state>success</state>");
    expect(vch.getContainer("c4").state.Running).toBe(true);
    expect(vch.getContainer("c4").state.StartedAt).not.toBe(startedBefore); // powered on again, a second later
    const spec = `<spec xsi:type="ClusterConfigSpecEx"><drsConfig><vmotionRate>2</vmotionRate><defaultVmBehavior>partiallyAutomated</defaultVmBehavior></drsConfig></spec><modify>true</modify>`;
    expect(await runTask("ReconfigureComputeResource_Task", "ClusterComputeResource:domain-c7", spec, cookie)).toContain("<state>success</state>");
    expect(vch.info().drs).toMatchObject({ threshold: 4, automation: "partiallyAutomated" });
    expect(faultOf((await call("ReconfigureComputeResource_Task", "ClusterComputeResource:domain-c7", `<spec><drsConfig><vmotionRate>0</vmotionRate></drsConfig></spec><modify>true</modify>`, cookie)).text)).toBe("InvalidArgument");
  });
});

describe("the inventory follows the VCH event by event", () => {
  test("after a migration, then creates, starts, renames, network connects, volume mounts and removals it equals a door opened afterwards", async () => {
    const seen = async (h: VsphereHandler): Promise<string[]> => {
      const ask = async (xml: string, cookie?: string) => {
        const r = await h(new Request("https://127.0.0.1/sdk", { method: "POST", body: xml, headers: { "content-type": "text/xml", ...(cookie ? { cookie } : {}) } }));
        return { text: await r.text(), cookie: r.headers.get("set-cookie")?.split(";")[0] };
      };
      const c = (await ask(ENV(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>u</userName><password>p</password></Login>`))).cookie!;
      const view = (await ask(ENV(`<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>`), c)).text.match(/<returnval type="ContainerView">([^<]+)</)![1];
      const paths = ["name", "runtime.powerState", "runtime.host", "guest.ipAddress", "summary.config.numEthernetCards", "summary.config.numVirtualDisks"];
      const r = await ask(ENV(`<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>${viewSpec(view, "VirtualMachine", paths)}</RetrieveProperties>`), c);
      // one line per VM, its properties in order, without the moref (each door numbers its own)
      return [...r.text.matchAll(/<returnval>(.*?)<\/returnval>/g)].map((m) => m[1].replace(/<obj [^>]*>[^<]*<\/obj>/, "")).sort();
    };
    const before = await seen(handler); // the door has read the VCH once
    expect(before.length).toBeGreaterThan(0);
    // the migration first: a cluster event makes the door read everything again, which would hide a missed change
    const from = vch.getContainer("c0").host!.name;
    vch.migrateContainer("c0", vch.info().hosts.find((h) => h.name !== from && h.state === "connected")!.name);
    await seen(handler);
    await vch.start(vch.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"] }, "x1").id);
    vch.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"] }, "x2");
    vch.createVolume({ Name: "data" });
    await vch.start(vch.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"], HostConfig: { Binds: ["data:/data"] } }, "x3").id);
    vch.createNetwork({ Name: "backend" });
    vch.connectNetwork("backend", "x1");
    vch.rename("x2", "x2b");
    vch.remove("x3", { force: true });
    vch.advance(1000);
    const fresh = createVsphereHandler(vch);
    try {
      const now = await seen(handler);
      expect(now).toEqual(await seen(fresh));
      expect(now.join("\n")).toContain(`x2b-${vch.getContainer("x2b").id.slice(0, 12)}`);
      expect(now.join("\n")).not.toContain("x3-");
      expect(now).not.toEqual(before);
    } finally {
      fresh.close();
    }
  });
});
