/** Lightwave in front of Photon Platform: the token endpoint, 400/401/403 of API.md §5, filtered lists. */
import { describe, expect, it } from "vitest";
import { TokenIssuer, type UsersFile } from "../bindings/photon/index.js";
import { photonHarness } from "./photon-helpers.js";

const USERS: UsersFile = {
  domain: "esxcloud",
  users: [
    { name: "admin", password: "Adm!n", groups: ["ESXCloudAdmins"] },
    { name: "dana", password: "d4na", groups: ["dev"] },
    { name: "olly", password: "0lly", groups: ["ops"] },
  ],
  sharedSecret: "s3cret-shared",
};

async function authed(file: UsersFile = USERS) {
  const issuer = await TokenIssuer.create(file);
  const t = photonHarness({ securityGroups: ["esxcloud\\ESXCloudAdmins"] }, { auth: issuer, authEndpoint: { endpoint: "127.0.0.1", port: 9000 } });
  const login = async (user: string, password: string, scope = "openid offline_access rs_esxcloud at_groups") => {
    const r = await t.h(new Request("http://pc:9000/openidconnect/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "password", username: user, password, scope }) }));
    return { status: r.status, body: await r.json() };
  };
  return { ...t, issuer, login };
}

describe("photon auth", () => {
  it("issues signed tokens for password and refresh grants and refuses bad ones", async () => {
    const { login, h } = await authed();
    const ok = await login("admin@esxcloud", "Adm!n");
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    const [header, payload] = ok.body.access_token.split(".").slice(0, 2).map((x: string) => JSON.parse(Buffer.from(x, "base64url").toString()));
    expect(header.alg).toBe("RS256");
    expect(payload).toMatchObject({ sub: "admin@esxcloud", aud: ["rs_esxcloud"], groups: ["esxcloud\\ESXCloudAdmins"] });
    expect(await login("admin@esxcloud", "wrong")).toEqual({ status: 400, body: { error: "invalid_grant", error_description: "Incorrect username or password" } });
    const refreshed = await h(new Request("http://pc:9000/openidconnect/token", { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: ok.body.refresh_token }) }));
    expect(refreshed.status).toBe(200);
    expect((await refreshed.json()).access_token).toMatch(/^ey/);
    const bogus = await h(new Request("http://pc:9000/openidconnect/token", { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: ok.body.access_token }) }));
    expect((await bogus.json()).error).toBe("invalid_grant");
  });

  it("answers 400/401/403 as API.md §5 says, with /auth open", async () => {
    const { call, login, setToken } = await authed();
    expect(await call("GET", "/auth")).toEqual({ status: 200, body: { enabled: true, endpoint: "127.0.0.1", port: 9000 } });
    expect(await call("GET", "/tenants")).toEqual({ status: 401, body: { code: "MissingAuthToken", message: "Missing auth token", data: {} } });
    expect((await call("GET", "/tenants", undefined, { authorization: "Basic abc" })).body.code).toBe("MalformedAuthToken");
    expect((await call("GET", "/tenants", undefined, { authorization: "Bearer nonsense" })).body).toMatchObject({ code: "InvalidAuthToken" });
    expect((await call("GET", "/tenants", undefined, { authorization: "Bearer s3cret-shared" })).status).toBe(200);
    const dana = (await login("dana@esxcloud", "d4na")).body.access_token;
    setToken(dana);
    expect(await call("POST", "/tenants", { name: "acme" })).toEqual({ status: 403, body: { code: "AccessForbidden", message: null, data: {} } });
    expect((await call("GET", "/tenants")).status).toBe(200);
    expect((await call("GET", "/tasks")).status).toBe(200);
    expect((await call("POST", "/flavors", { name: "f", kind: "vm", cost: [{ key: "vm", value: 1, unit: "COUNT" }] })).status).toBe(403);
  });

  it("expired tokens get 401 ExpiredAuthToken", async () => {
    const { call, login, setToken } = await authed({ ...USERS, tokenLifetimeSeconds: -60 });
    setToken((await login("admin@esxcloud", "Adm!n")).body.access_token);
    expect(await call("GET", "/tenants")).toEqual({ status: 401, body: { code: "ExpiredAuthToken", message: "Auth token has expired", data: {} } });
  });

  it("inherits security groups and filters lists for non-administrators", async () => {
    const { call, run, login, setToken } = await authed();
    setToken((await login("admin@esxcloud", "Adm!n")).body.access_token);
    const devTenant = (await run("/tenants", { name: "devs", securityGroups: ["esxcloud\\dev"] })).entity.id;
    await run("/tenants", { name: "opsen", securityGroups: ["esxcloud\\ops"] });
    expect((await call("POST", "/tenants", { name: "bad", securityGroups: ["nodomain"] })).body.code).toBe("InvalidSecurityGroupFormat");
    expect((await call("GET", `/tenants/${devTenant}`)).body.securityGroups).toEqual([
      { name: "esxcloud\\ESXCloudAdmins", inherited: true },
      { name: "esxcloud\\dev", inherited: false },
    ]);
    await run(`/tenants/${devTenant}/resource-tickets`, { name: "gold", limits: [{ key: "vm", value: 10, unit: "COUNT" }] });
    const project = (await run(`/tenants/${devTenant}/projects`, { name: "web", resourceTicket: { name: "gold", limits: [{ key: "vm", value: 5, unit: "COUNT" }] } })).entity.id;
    expect((await call("GET", `/projects/${project}`)).body.securityGroups).toEqual([
      { name: "esxcloud\\ESXCloudAdmins", inherited: true },
      { name: "esxcloud\\dev", inherited: true },
    ]);
    // dana (dev) sees her tenant and its project, not the ops tenant; olly sees only his
    setToken((await login("dana@esxcloud", "d4na")).body.access_token);
    expect((await call("GET", "/tenants")).body.items.map((t: { name: string }) => t.name)).toEqual(["devs"]);
    expect((await call("GET", `/tenants/${devTenant}/projects`)).body.items.map((t: { name: string }) => t.name)).toEqual(["web"]);
    expect((await call("GET", `/projects/${project}`)).status).toBe(200);
    // deleting a project checks its inherited groups: dev is inherited here, so dana may
    setToken((await login("olly@esxcloud", "0lly")).body.access_token);
    expect((await call("GET", "/tenants")).body.items.map((t: { name: string }) => t.name)).toEqual(["opsen"]);
    expect((await call("GET", `/tenants/${devTenant}/projects`)).body.items).toEqual([]);
    expect((await call("GET", `/projects/${project}`)).status).toBe(403);
    // a missing object: 403 for non-admins, 404 for admins
    expect((await call("GET", "/vms/nope")).status).toBe(403);
    setToken((await login("admin@esxcloud", "Adm!n")).body.access_token);
    expect((await call("GET", "/vms/nope")).status).toBe(404);
    const sg = await run(`/projects/${project}/set_security_groups`, { items: ["esxcloud\\dev", "esxcloud\\qa"] });
    expect(sg.steps[0].warnings[0].code).toBe("SecurityGroupsAlreadyInherited");
  });
});
