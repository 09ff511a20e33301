// Node's server for the vSphere door (serveVsphere) over a socket: a client that goes away ends its
// blocked WaitForUpdatesEx at once, and finished answers cancel nothing.
import { afterAll, beforeAll, expect, test } from "vitest";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { serveVsphere, type VsphereServerHandle } from "../bindings/vsphere/node.js";

let vch: VirtualContainerHost;
let server: VsphereServerHandle;
const log: { method: string; status: number }[] = [];

const ENV = (body: string): string =>
  `<?xml version="1.0"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body>${body}</Body></Envelope>`;
const PC = `<_this type="PropertyCollector">propertyCollector</_this>`;

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ cluster: { hosts: 2 }, clock: { mode: "manual" } });
  server = await serveVsphere(vch, { listen: "http://127.0.0.1:0/sdk", onRequest: (e) => log.push(e) });
});
afterAll(async () => {
  await server?.close();
  await vch?.close();
});

test("a client gone from a blocked WaitForUpdatesEx ends it (RequestCanceled); the session's calls before it were not cancelled", async () => {
  const post = (body: string, cookie?: string, signal?: AbortSignal) => fetch(server.url, { method: "POST", body: ENV(body), headers: cookie ? { cookie } : {}, signal });
  const login = await post(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>u</userName><password>p</password></Login>`);
  const cookie = login.headers.get("set-cookie")!.split(";")[0];
  expect((await post(`<CreateFilter xmlns="urn:vim25">${PC}<spec><propSet><type>HostSystem</type><pathSet>name</pathSet></propSet><objectSet><obj type="HostSystem">host-20</obj></objectSet></spec><partialUpdates>false</partialUpdates></CreateFilter>`, cookie)).status).toBe(200);
  const first = await (await post(`<WaitForUpdatesEx xmlns="urn:vim25">${PC}</WaitForUpdatesEx>`, cookie)).text();
  const version = first.match(/<version>([^<]+)<\/version>/)![1];
  expect(log.map((e) => `${e.method} ${e.status}`)).toEqual(["Login 200", "CreateFilter 200", "WaitForUpdatesEx 200"]);
  const gone = new AbortController();
  const blocked = post(`<WaitForUpdatesEx xmlns="urn:vim25">${PC}<version>${version}</version></WaitForUpdatesEx>`, cookie, gone.signal).catch((e: Error) => e.name);
  await new Promise((r) => setTimeout(r, 100));
  expect(log).toHaveLength(3); // still waiting: nothing changed
  gone.abort();
  expect(await blocked).toBe("AbortError");
  await expect.poll(() => log.length, { timeout: 5000 }).toBe(4);
  expect(log[3]).toMatchObject({ method: "WaitForUpdatesEx", status: 500 });
});
