// The vSphere Web Services handler (`vicsim/vsphere`) in headless Chromium: the page loads the
// package's browser build from a static folder, runs a VCH and answers vim25 SOAP calls with the
// web-standard handler, no server behind it.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic } from "../../examples/playground/serve.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

// The page: the package's browser entry and its vSphere handler, as an app would import them, and a
// `vim` function that POSTs one vim25 call to the handler as a Request and returns status and text.
const PAGE = `<!doctype html><meta charset="utf-8"><title>vicsim vSphere</title><link rel="icon" href="data:,"><p id="status">loading</p>
<script type="module">
import { VirtualContainerHost } from "./browser.js";
import { createVsphereHandler } from "./vsphere.js";
const vch = await VirtualContainerHost.open({ cluster: { hosts: 3 }, clock: { mode: "manual" }, seed: 7, name: "vch-page" });
await vch.pullImage("busybox");
for (const name of ["web", "db"]) {
  const c = vch.createContainer({ Image: "busybox", Cmd: ["sleep", "1000"] }, name);
  await vch.start(c.id);
}
const handler = createVsphereHandler(vch);
// A page can neither send Cookie nor read Set-Cookie: the session travels in vSphere's session header.
let session = "";
const ENV = (b) => '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' + b + '</soapenv:Body></soapenv:Envelope>';
window.vim = async (method, thisRef, inner = "") => {
  const [type, value] = thisRef.split(":");
  const r = await handler(new Request(location.origin + "/sdk", { method: "POST", headers: { "content-type": "text/xml", ...(session ? { "vmware-api-session-id": session } : {}) }, body: ENV("<" + method + ' xmlns="urn:vim25"><_this type="' + type + '">' + value + "</_this>" + inner + "</" + method + ">") }));
  session = r.headers.get("vmware-api-session-id") ?? session;
  return { status: r.status, text: await r.text() };
};
window.advance = (ms) => vch.advance(ms);
window.container = (name) => { const c = vch.getContainer(name); return { id: c.id, status: c.state.Status }; };
document.getElementById("status").textContent = "ready";
</script>`;

let dir = "";
let server: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-needed"], { cwd: root, stdio: "inherit" });
  dir = mkdtempSync(join(tmpdir(), "vicsim-vsphere-page-"));
  for (const f of ["browser.js", "vsphere.js", "chunks"]) cpSync(join(root, "dist", f), join(dir, f), { recursive: true });
  writeFileSync(join(dir, "index.html"), PAGE);
  let url: string;
  ({ server, url } = await serveStatic(dir, 0));
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(`page: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("status")?.textContent === "ready", null, { timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Answer = { status: number; text: string };
const vim = (method: string, thisRef: string, inner = ""): Promise<Answer> =>
  page.evaluate(([m, t, i]) => (window as unknown as { vim: (m: string, t: string, i: string) => Promise<Answer> }).vim(m, t, i), [method, thisRef, inner] as const);
const container = (name: string): Promise<{ id: string; status: string }> =>
  page.evaluate((n) => (window as unknown as { container: (n: string) => { id: string; status: string } }).container(n), name);

describe("the vSphere handler in a browser page", () => {
  it("refuses calls before Login, then lists the container VMs by name and power state", async () => {
    const before = await vim("CreateContainerView", "ViewManager:ViewManager", `<container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive>`);
    expect(before.status).toBe(500);
    expect(before.text).toContain(`xsi:type="NotAuthenticated"`);
    const login = await vim("Login", "SessionManager:SessionManager", "<userName>admin</userName><password>secret</password>");
    expect(login.status).toBe(200);
    const view = (await vim("CreateContainerView", "ViewManager:ViewManager", `<container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive>`)).text.match(/<returnval type="ContainerView">([^<]+)</)![1];
    const r = await vim(
      "RetrievePropertiesEx",
      "PropertyCollector:propertyCollector",
      `<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></specSet><options></options>`,
    );
    expect(r.status).toBe(200);
    const names = [...r.text.matchAll(/<name>name<\/name><val xsi:type="xsd:string">([^<]+)</g)].map((m) => m[1]).sort();
    const ids = { web: (await container("web")).id, db: (await container("db")).id };
    expect(names).toEqual([`db-${ids.db.slice(0, 12)}`, `web-${ids.web.slice(0, 12)}`]);
    expect(r.text.match(/<val xsi:type="VirtualMachinePowerState">poweredOn<\/val>/g)).toHaveLength(2);
  });

  it("PowerOffVM_Task stops the container in the page; malformed XML is a fault, not a crash", async () => {
    const view = (await vim("CreateContainerView", "ViewManager:ViewManager", `<container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive>`)).text.match(/<returnval type="ContainerView">([^<]+)</)![1];
    const list = (await vim("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></specSet>`)).text;
    const db = `db-${(await container("db")).id.slice(0, 12)}`;
    const vm = [...list.matchAll(/<obj type="VirtualMachine">([^<]+)<\/obj><propSet><name>name<\/name><val xsi:type="xsd:string">([^<]+)</g)].find((m) => m[2] === db)?.[1];
    expect(vm).toBeDefined();
    const task = (await vim("PowerOffVM_Task", `VirtualMachine:${vm}`)).text.match(/<returnval type="Task">([^<]+)</)![1];
    let state = "";
    for (let i = 0; i < 100 && state !== "success" && state !== "error"; i++) {
      await page.evaluate(() => (window as unknown as { advance: (ms: number) => void }).advance(100));
      const info = await vim("RetrieveProperties", "PropertyCollector:propertyCollector", `<specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></specSet>`);
      state = info.text.match(/<val xsi:type="TaskInfoState">(\w+)</)?.[1] ?? "";
    }
    expect(state).toBe("success");
    expect((await container("db")).status).toBe("exited");
    expect((await container("web")).status).toBe("running");
    const bad = await page.evaluate(async () => {
      const w = window as unknown as { vim: (m: string, t: string, i: string) => Promise<Answer> };
      return w.vim("Logout", "SessionManager:SessionManager", "<unclosed>");
    });
    expect(bad.status).toBe(500);
    expect(bad.text).toContain(`xsi:type="InvalidRequest"`);
    expect(pageErrors).toEqual([]);
  });
});
