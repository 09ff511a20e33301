// What dockerd does that docker-py's integration suite checks, at the Docker door (each test names the
// suite's test it stands for): exec framing, a pty's output, and the other causes fixed for it.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDockerHandler, type DockerHandler } from "../bindings/docker/index.js";
import { nodeHostFolders } from "../bindings/fs/hostdir.js";
import { VirtualContainerHost } from "../bindings/vch/index.js";
import { Pushable, bytes, call, empty, frames, json, output } from "./spec/docker-client.js";

let vch: VirtualContainerHost;
let h: DockerHandler;
const V = "/v1.44";

beforeAll(async () => {
  vch = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-conformance", hostFolders: nodeHostFolders });
  h = createDockerHandler(vch, { statsIntervalMs: 20 });
  const pull = await call(h, "POST", `${V}/images/create?fromImage=busybox&tag=latest`);
  await pull.response.text();
});
afterAll(async () => {
  await vch?.close();
});

async function create(body: Record<string, unknown>, name?: string): Promise<string> {
  const r = await json(h, "POST", `${V}/containers/create${name ? `?name=${name}` : ""}`, 201, "/containers/create", { Image: "busybox", ...body });
  return r.Id as string;
}

async function running(body: Record<string, unknown> = {}): Promise<string> {
  const id = await create({ Cmd: ["sleep", "100000"], ...body });
  await empty(h, "POST", `${V}/containers/${id}/start`, 204);
  return id;
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe("exec and attach streams", () => {
  test("a TTY exec started with Tty false is framed (test_exec_command_tty_no_stream_no_demux); its pty writes \\r\\n", async () => {
    const id = await running();
    const x = await json(h, "POST", `${V}/containers/${id}/exec`, 201, "/containers/{id}/exec", { Cmd: ["sh", "-c", "echo hello out; echo hello err >&2"], Tty: true, AttachStdout: true, AttachStderr: true });
    const started = await call(h, "POST", `${V}/exec/${x.Id}/start`, { Detach: false, Tty: false }, { hijacked: true, stdin: new Pushable() });
    expect(started.headers.get("content-type")).toBe("application/vnd.docker.multiplexed-stream");
    const got = await frames(started.response);
    expect(got.map(([, s]) => s).join("")).toBe("hello out\r\nhello err\r\n");
    expect(got.every(([stream]) => stream === 1)).toBe(true);
  });

  test("a plain exec started with Tty true is the raw stream", async () => {
    const id = await running();
    const x = await json(h, "POST", `${V}/containers/${id}/exec`, 201, "/containers/{id}/exec", { Cmd: ["echo", "raw"], AttachStdout: true });
    const started = await call(h, "POST", `${V}/exec/${x.Id}/start`, { Detach: false, Tty: true }, { hijacked: true, stdin: new Pushable() });
    expect(started.headers.get("content-type")).toBe("application/vnd.docker.raw-stream");
    expect(text(await bytes(started.response))).toBe("raw\n");
  });

  test("a TTY container's logs read hello\\r\\n (test_attach_stream_and_cancel)", async () => {
    const id = await create({ Cmd: ["sh", "-c", "echo hello; echo world"], Tty: true });
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    await json(h, "POST", `${V}/containers/${id}/wait`, 200, "/containers/{id}/wait");
    const a = await call(h, "GET", `${V}/containers/${id}/logs?stdout=1`);
    expect(text(await bytes(a.response))).toBe("hello\r\nworld\r\n");
  });
});

describe("detach keys", () => {
  /** Reads a stream until `want` is in what it read (or it ends); returns what it read. */
  async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, want: string): Promise<string> {
    let got = "";
    while (!got.includes(want)) {
      const { done, value } = await reader.read();
      if (done) break;
      got += new TextDecoder().decode(value);
    }
    return got;
  }
  const ctrl = (c: string): Uint8Array => Uint8Array.of(c.charCodeAt(0) - 96);

  test("ctrl-p,ctrl-q end an attach and leave the container running (test_detach_with_default)", async () => {
    const id = await running({ Cmd: ["cat"], OpenStdin: true, Tty: true });
    const stdin = new Pushable();
    const a = await call(h, "POST", `${V}/containers/${id}/attach?stdin=1&stdout=1&stream=1`, undefined, { hijacked: true, stdin });
    const reader = a.response.body!.getReader();
    stdin.push(new TextEncoder().encode("one\n"));
    expect(await readUntil(reader, "one\r\n")).toBe("one\r\n");
    stdin.push(ctrl("p"));
    stdin.push(ctrl("q"));
    // The stream ends by itself, the keys not echoed.
    expect(await readUntil(reader, "\0")).toBe("");
    expect((await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).State.Running).toBe(true);
  });

  test("detachKeys=ctrl-x on the attach (test_detach_with_arg); a broken-off sequence reaches the process", async () => {
    const id = await running({ Cmd: ["cat"], OpenStdin: true });
    const stdin = new Pushable();
    const a = await call(h, "POST", `${V}/containers/${id}/attach?stdin=1&stdout=1&stream=1&detachKeys=ctrl-x`, undefined, { hijacked: true, stdin });
    const reader = a.response.body!.getReader();
    stdin.push(Uint8Array.of(0x10, 0x61, 0x0a)); // ctrl-p a newline: not this attach's keys
    // One frame: stdout, 3 bytes, ctrl-p a newline.
    expect(await readUntil(reader, "a\n")).toBe("\x01\0\0\0\0\0\0\x03\x10a\n");
    stdin.push(ctrl("x"));
    expect(await readUntil(reader, "\0")).toBe("");
    expect((await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).State.Running).toBe(true);
  });

  test("the exec's DetachKeys end its stream and leave it running (exec test_detach_with_default)", async () => {
    const id = await running({ Cmd: ["sleep", "100000"], OpenStdin: true });
    const x = await json(h, "POST", `${V}/containers/${id}/exec`, 201, "/containers/{id}/exec", { Cmd: ["cat"], AttachStdin: true, AttachStdout: true, Tty: true });
    const stdin = new Pushable();
    const started = await call(h, "POST", `${V}/exec/${x.Id}/start`, { Detach: false, Tty: true }, { hijacked: true, stdin });
    stdin.push(ctrl("p"));
    stdin.push(ctrl("q"));
    expect(text(await bytes(started.response))).toBe("");
    expect((await json(h, "GET", `${V}/exec/${x.Id}/json`, 200, "/exec/{id}/json")).Running).toBe(true);
  });

  test("an unknown key is refused before anything is attached", async () => {
    const id = await running({ Cmd: ["cat"], OpenStdin: true });
    const a = await call(h, "POST", `${V}/containers/${id}/attach?stdin=1&stream=1&detachKeys=ctrl-shift-x`, undefined, { hijacked: true, stdin: new Pushable() });
    expect(a.status).toBe(400);
    expect(await a.response.text()).toContain("Invalid detach keys (ctrl-shift-x) provided");
  });
});

describe("the memory minimum", () => {
  test("vIC's 512 MiB by default; a VCH opened with minMemoryMiB 6 takes dockerd's small limits", async () => {
    const small = { Image: "busybox", Cmd: ["true"], HostConfig: { Memory: 10 * 1024 * 1024 } };
    const refused = await call(h, "POST", `${V}/containers/create`, small);
    expect(refused.status).toBe(400);
    expect(await refused.response.text()).toContain("Minimum memory limit allowed is 512MB");
    const low = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-low-minimum", minMemoryMiB: 6 });
    try {
      const lh = createDockerHandler(low, { statsIntervalMs: 20 });
      await (await call(lh, "POST", `${V}/images/create?fromImage=busybox&tag=latest`)).response.text();
      const made = await json(lh, "POST", `${V}/containers/create`, 201, "/containers/create", small);
      const inspected = await json(lh, "GET", `${V}/containers/${made.Id}/json`, 200, "/containers/{id}/json");
      expect(inspected.HostConfig.Memory).toBe(10 * 1024 * 1024);
      const tiny = await call(lh, "POST", `${V}/containers/create`, { ...small, HostConfig: { Memory: 4 * 1024 * 1024 } });
      expect(tiny.status).toBe(400);
      expect(await tiny.response.text()).toContain("Minimum memory limit allowed is 6MB");
    } finally {
      await low.close();
    }
    await expect(VirtualContainerHost.open({ minMemoryMiB: 0 })).rejects.toThrow("minMemoryMiB 0: expected an integer from 1 to 512");
  });
});

describe("the guest as the container's config says", () => {
  async function logsOf(body: Record<string, unknown>): Promise<string> {
    const id = await create(body);
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    await json(h, "POST", `${V}/containers/${id}/wait`, 200, "/containers/{id}/wait");
    const a = await call(h, "GET", `${V}/containers/${id}/logs?stdout=1&stderr=1`);
    return (await frames(a.response)).map(([, s]) => s).join("");
  }

  test("id -u honours User (test_715_handle_user_param_as_int_value); id -G adds GroupAdd (test_group_id_ints)", async () => {
    expect(await logsOf({ Cmd: ["id", "-u"], User: "1000" })).toBe("1000\n");
    expect(await logsOf({ Cmd: ["id", "-G"], HostConfig: { GroupAdd: ["1000", "1001"] } })).toBe("0 10 1000 1001\n");
    expect(await logsOf({ Cmd: ["id"], User: "1000:50" })).toBe("uid=1000 gid=50(staff) groups=50(staff)\n");
    expect(await logsOf({ Cmd: ["id"] })).toBe("uid=0(root) gid=0(root) groups=0(root),10(wheel)\n");
  });

  test("a health check with the fields docker-py leaves null is taken as Go reads it (test_healthcheck_passes)", async () => {
    const id = await create({
      Cmd: ["sleep", "100000"],
      Healthcheck: { Test: ["CMD-SHELL", "true"], Interval: 1e9, Timeout: 1e9, Retries: 1, StartPeriod: null },
    });
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    for (let i = 0; i < 200; i++) {
      const s = (await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).State;
      if (s.Health?.Status === "healthy") return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("never healthy");
  });
});

describe("networks and endpoint settings", () => {
  test("names with spaces, IPv6 and dual-stack pools (test_create_network_ipv6_enabled, test_create_remove_network_with_space_in_name)", async () => {
    const spaced = await json(h, "POST", `${V}/networks/create`, 201, "/networks/create", { Name: "test 01" });
    expect((await json(h, "GET", `${V}/networks/${spaced.Id}`, 200, "/networks/{id}")).Name).toBe("test 01");
    const v6 = await json(h, "POST", `${V}/networks/create`, 201, "/networks/create", {
      Name: "v6net", EnableIPv6: true, IPAM: { Driver: "default", Config: [{ Subnet: "2001:389::/64", IPRange: "2001:389::0/96", Gateway: "2001:389::ffff" }] },
    });
    const net = await json(h, "GET", `${V}/networks/${v6.Id}`, 200, "/networks/{id}");
    expect(net.EnableIPv6).toBe(true);
    // An IPv4 pool is added, as dockerd adds one, beside the IPv6 pool asked for.
    expect(net.IPAM.Config.map((c: { Subnet: string }) => c.Subnet)).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+\.\d+\/\d+$/), "2001:389::/64"]);
    const bad = await call(h, "POST", `${V}/networks/create`, { Name: "bad6", IPAM: { Config: [{ Subnet: "2001:389::zz/64" }] } });
    expect(bad.status).toBe(400);
    expect(await bad.response.text()).toContain("invalid subnet 2001:389::zz/64");
  });

  test("IPAMConfig, DriverOpts and MacAddress asked for are kept and honoured (test_create_with_ipv4_address, test_create_with_driveropt, test_connect_with_mac_address)", async () => {
    await json(h, "POST", `${V}/networks/create`, 201, "/networks/create", {
      Name: "ipam4", IPAM: { Config: [{ Subnet: "132.124.0.0/16", Gateway: "132.124.0.254" }, { Subnet: "2001:389::/64" }] },
    });
    const id = await running({
      HostConfig: { NetworkMode: "ipam4" },
      NetworkingConfig: { EndpointsConfig: { ipam4: { IPAMConfig: { IPv4Address: "132.124.0.23", IPv6Address: "2001:389::f00d" }, DriverOpts: { "com.docker-py.setting": "on" }, MacAddress: "02:42:ac:11:00:0a" } } },
    });
    const ep = (await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).NetworkSettings.Networks.ipam4;
    expect(ep).toMatchObject({
      IPAMConfig: { IPv4Address: "132.124.0.23", IPv6Address: "2001:389::f00d" }, IPAddress: "132.124.0.23", GlobalIPv6Address: "2001:389::f00d",
      DriverOpts: { "com.docker-py.setting": "on" }, MacAddress: "02:42:ac:11:00:0a",
    });
    // The same address again is taken.
    const taken = await call(h, "POST", `${V}/containers/create`, {
      Image: "busybox", Cmd: ["top"], HostConfig: { NetworkMode: "ipam4" }, NetworkingConfig: { EndpointsConfig: { ipam4: { IPAMConfig: { IPv4Address: "132.124.0.23" } } } },
    });
    const other = (await taken.response.json()).Id;
    const started = await call(h, "POST", `${V}/containers/${other}/start`);
    expect(started.status).toBe(409);
    expect(await started.response.text()).toContain("Address already in use: 132.124.0.23");
    // Nothing changed: the refused container is still created, its VM off.
    expect((await json(h, "GET", `${V}/containers/${other}/json`, 200, "/containers/{id}/json")).State.Status).toBe("created");
  });

  test("link-local addresses are kept on the default bridge (test_create_with_linklocal_ips)", async () => {
    const id = await running({ NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: { LinkLocalIPs: ["169.254.8.8"] } } } } });
    const ep = (await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).NetworkSettings.Networks.bridge;
    expect(ep.IPAMConfig).toEqual({ LinkLocalIPs: ["169.254.8.8"] });
  });
});

describe("container update", () => {
  test("resources and restart policy change in inspect (test_update_container, test_restart_policy_update, models test_update)", async () => {
    const id = await running({ Cmd: ["top"], HostConfig: { Memory: 1024 * 1024 * 1024, CpuShares: 2, RestartPolicy: { Name: "always" } } });
    const r = await json(h, "POST", `${V}/containers/${id}/update`, 200, "/containers/{id}/update", {
      Memory: 600 * 1024 * 1024, CpuShares: 3, RestartPolicy: { Name: "on-failure", MaximumRetryCount: 42 },
    });
    expect(r.Warnings).toEqual([]);
    const hc = (await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).HostConfig;
    expect(hc).toMatchObject({ Memory: 600 * 1024 * 1024, CpuShares: 3, RestartPolicy: { Name: "on-failure", MaximumRetryCount: 42 } });
    // Refused as a create would be, changing nothing.
    const low = await call(h, "POST", `${V}/containers/${id}/update`, { Memory: 10 * 1024 * 1024 });
    expect(low.status).toBe(400);
    expect(await low.response.text()).toContain("Minimum memory limit allowed is 512MB");
    const bad = await call(h, "POST", `${V}/containers/${id}/update`, { RestartPolicy: { Name: "sometimes" } });
    expect(bad.status).toBe(400);
    expect((await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).HostConfig.Memory).toBe(600 * 1024 * 1024);
  });

  test("a lower memory limit lowers the host's DRS load at once: the cluster's entitlements follow", async () => {
    const one = await VirtualContainerHost.open({ clock: { mode: "realtime", speed: 1000 }, name: "vch-update", minMemoryMiB: 6, cluster: { hosts: 1 } });
    try {
      await one.pullImage("nginx");
      const c = one.createContainer({ Image: "nginx", HostConfig: { Memory: 400 * 1024 * 1024 } });
      await one.start(c.id);
      const before = one.info().hosts[0].load;
      one.updateContainer(c.id, { Memory: 8 * 1024 * 1024 });
      expect(one.info().hosts[0].load).toBeLessThan(before);
      expect(one.getContainer(c.id).hostConfig.Memory).toBe(8 * 1024 * 1024);
    } finally {
      await one.close();
    }
  });
});

describe("log drivers", () => {
  test("an unknown driver is refused as dockerd refuses it; an empty type is json-file with its options kept", async () => {
    const bad = await call(h, "POST", `${V}/containers/create`, { Image: "busybox", Cmd: ["true"], HostConfig: { LogConfig: { Type: "asdf", Config: {} } } });
    expect(bad.status).toBe(400);
    expect((await bad.response.json()).message).toBe("logger: no log driver named 'asdf' is registered");
    const id = await create({ Cmd: ["true"], HostConfig: { LogConfig: { Type: "", Config: { "max-file": "100" } } } });
    const hc = (await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).HostConfig;
    expect(hc.LogConfig).toEqual({ Type: "json-file", Config: { "max-file": "100" } });
  });
});

describe("prune results", () => {
  test("an image prune reports the tags it untagged and the images it deleted (test_prune_images)", async () => {
    await (await call(h, "POST", `${V}/images/create?fromImage=hello-world&tag=latest`)).response.text();
    const id = (await json(h, "GET", `${V}/images/hello-world/json`, 200, "/images/{name}/json")).Id;
    const r = await json(h, "POST", `${V}/images/prune?filters=${encodeURIComponent(JSON.stringify({ dangling: ["false"] }))}`, 200, "/images/prune");
    expect(r.ImagesDeleted).toContainEqual({ Untagged: "hello-world:latest" });
    expect(r.ImagesDeleted).toContainEqual({ Deleted: id });
    expect(r.SpaceReclaimed).toBeGreaterThan(0);
  });

  test("a volume created without a name is anonymous: a plain prune removes it, a named one stays (test_prune_volumes)", async () => {
    const anon = await json(h, "POST", `${V}/volumes/create`, 201, "/volumes/create", {});
    await json(h, "POST", `${V}/volumes/create`, 201, "/volumes/create", { Name: "kept" });
    const r = await json(h, "POST", `${V}/volumes/prune`, 200, "/volumes/prune");
    expect(r.VolumesDeleted).toContain(anon.Name);
    expect(r.VolumesDeleted).not.toContain("kept");
  });
});

describe("exec of a program the guest has not got", () => {
  test("ends with 127 and runc's message, as dockerd 28's exec does (docker-py's test_exec_run_failed expects 127 since docker-py#3290); a shell's missing command is 127 too", async () => {
    const id = await running();
    const x = await json(h, "POST", `${V}/containers/${id}/exec`, 201, "/containers/{id}/exec", { Cmd: ["docker", "ps"], AttachStdout: true, AttachStderr: true });
    const started = await call(h, "POST", `${V}/exec/${x.Id}/start`, { Detach: false, Tty: false }, { hijacked: true, stdin: new Pushable() });
    const out = (await frames(started.response)).map(([, s]) => s).join("");
    expect(out).toBe('OCI runtime exec failed: exec failed: unable to start container process: exec: "docker": executable file not found in $PATH: unknown\r\n');
    expect(await json(h, "GET", `${V}/exec/${x.Id}/json`, 200, "/exec/{id}/json")).toMatchObject({ ExitCode: 127, Running: false, Pid: 0 });
    const y = await json(h, "POST", `${V}/containers/${id}/exec`, 201, "/containers/{id}/exec", { Cmd: ["sh", "-c", "nosuchthing"], AttachStdout: true, AttachStderr: true });
    const sh = await call(h, "POST", `${V}/exec/${y.Id}/start`, { Detach: false, Tty: false }, { hijacked: true, stdin: new Pushable() });
    await bytes(sh.response);
    expect((await json(h, "GET", `${V}/exec/${y.Id}/json`, 200, "/exec/{id}/json")).ExitCode).toBe(127);
  });
});

describe("distribution", () => {
  test("GET /distribution/{name}/json: the manifest's descriptor and platforms, without a pull (test_inspect_distribution)", async () => {
    const d = await json(h, "GET", `${V}/distribution/nginx:1.27/json`, 200, "/distribution/{name}/json");
    expect(d.Platforms).toContainEqual({ os: "linux", architecture: "amd64" });
    expect(d.Descriptor).toMatchObject({ mediaType: "application/vnd.docker.distribution.manifest.v2+json", digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(d.Descriptor.size).toBeGreaterThan(0);
    // The digest a pull then reports is the same manifest's.
    await (await call(h, "POST", `${V}/images/create?fromImage=nginx&tag=1.27`)).response.text();
    expect((await json(h, "GET", `${V}/images/nginx:1.27/json`, 200, "/images/{name}/json")).RepoDigests).toContain(`nginx@${d.Descriptor.digest}`);
    expect((await call(h, "GET", `${V}/distribution/Bad..Name/json`)).status).toBe(400);
    // A name the registry model has no manifest for is unknown, as a registry answers.
    expect((await call(h, "GET", `${V}/distribution/${"g".repeat(64)}/json`)).status).toBe(404);
  });
});

describe("legacy links", () => {
  test("DELETE /containers/PARENT/ALIAS?link=1 removes the link, both containers stay (test_remove_link)", async () => {
    const child = await create({ Cmd: ["cat"], OpenStdin: true }, "link-child");
    const parent = await create({ Cmd: ["cat"], HostConfig: { Links: ["link-child:mylink"] } }, "link-parent");
    await empty(h, "DELETE", `${V}/containers/link-parent/mylink?link=1`, 204);
    expect((await json(h, "GET", `${V}/containers/${parent}/json`, 200, "/containers/{id}/json")).HostConfig.Links).toEqual([]);
    expect((await json(h, "GET", `${V}/containers/${child}/json`, 200, "/containers/{id}/json")).Id).toBe(child);
    expect((await call(h, "DELETE", `${V}/containers/link-parent/mylink?link=1`)).status).toBe(404);
  });
});

describe("the long-running process docker-py's suite uses", () => {
  test("top runs until stopped (the network and health tests' containers)", async () => {
    const id = await running({ Cmd: ["top"] });
    await new Promise((r) => setTimeout(r, 100));
    expect((await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).State.Running).toBe(true);
    await empty(h, "POST", `${V}/containers/${id}/stop?t=1`, 204);
  });
});

describe("legacy link environment", () => {
  test("a linking container sees ALIAS_NAME, ALIAS_ENV_… and ALIAS_PORT_… (test_create_with_links)", async () => {
    await running({ Cmd: ["cat"], OpenStdin: true, Env: ["FOO=1"], ExposedPorts: { "80/tcp": {} } }).then((id) => empty(h, "POST", `${V}/containers/${id}/rename?name=linked-one`, 204));
    const id = await create({ Cmd: ["env"], HostConfig: { Links: ["linked-one:mylink1"], NetworkMode: "bridge" } }, "linking");
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    await json(h, "POST", `${V}/containers/${id}/wait`, 200, "/containers/{id}/wait");
    const env = (await frames((await call(h, "GET", `${V}/containers/${id}/logs?stdout=1`)).response)).map(([, s]) => s).join("");
    expect(env).toContain("MYLINK1_NAME=/linking/mylink1\n");
    expect(env).toContain("MYLINK1_ENV_FOO=1\n");
    expect(env).toMatch(/^MYLINK1_PORT_80_TCP=tcp:\/\/172\.17\.\d+\.\d+:80$/m);
    expect(env).toContain("MYLINK1_PORT_80_TCP_PROTO=tcp\n");
    expect(env).not.toContain("MYLINK1_ENV_PATH=");
  });
});

describe("HostConfig.Mounts mounts as Binds does", () => {
  /** Runs `cmd` in a new busybox container with `hostConfig`; its id and what it printed. */
  async function runOnce(cmd: string[], hostConfig: Record<string, unknown>): Promise<{ id: string; out: string }> {
    const id = await create({ Cmd: cmd, HostConfig: hostConfig });
    await empty(h, "POST", `${V}/containers/${id}/start`, 204);
    await json(h, "POST", `${V}/containers/${id}/wait`, 200, "/containers/{id}/wait");
    return { id, out: (await output((await call(h, "GET", `${V}/containers/${id}/logs?stdout=1`)).response)).stdout };
  }
  const mountAt = async (id: string, dest: string) =>
    ((await json(h, "GET", `${V}/containers/${id}/json`, 200, "/containers/{id}/json")).Mounts as Record<string, unknown>[]).filter((m) => m.Destination === dest);

  test("a bind Mount shows the host folder a Binds container wrote, read-only when asked (test_create_with_mounts, _ro)", async () => {
    const origin = mkdtempSync(join(tmpdir(), "vicsim-mounts-"));
    await runOnce(["touch", "/mnt/shared.txt"], { Binds: [`${origin}:/mnt:rw`] });
    const rw = await runOnce(["ls", "/mnt"], { Mounts: [{ Type: "bind", Source: origin, Target: "/mnt" }] });
    expect(rw.out).toBe("shared.txt\n");
    expect(await mountAt(rw.id, "/mnt")).toEqual([expect.objectContaining({ Type: "bind", Source: origin, RW: true, Propagation: "rprivate" })]);
    const ro = await runOnce(["sh", "-c", "ls /mnt; touch /mnt/other"], { Mounts: [{ Type: "bind", Source: origin, Target: "/mnt", ReadOnly: true }] });
    expect(ro.out).toBe("shared.txt\n");
    expect(existsSync(join(origin, "other"))).toBe(false);
    expect(await mountAt(ro.id, "/mnt")).toEqual([expect.objectContaining({ Source: origin, RW: false })]);
  });

  test("a volume Mount names its volume, created with the labels given (test_create_with_volume_mount)", async () => {
    const id = await create({ Cmd: ["true"], HostConfig: { Mounts: [{ Type: "volume", Source: "mounted-vol", Target: "/mnt", VolumeOptions: { Labels: { "com.dockerpy.test": "true" } } }] } });
    expect(await mountAt(id, "/mnt")).toEqual([expect.objectContaining({ Type: "volume", Name: "mounted-vol", RW: true })]);
    expect((await json(h, "GET", `${V}/volumes/mounted-vol`, 200, "/volumes/{name}")).Labels).toEqual({ "com.dockerpy.test": "true" });
  });

  test("a Binds mode's propagation shows in Mounts (test_create_with_binds_rw_rshared); a tmpfs Mount is refused and nothing is created", async () => {
    const origin = mkdtempSync(join(tmpdir(), "vicsim-mounts-"));
    const id = await create({ Cmd: ["true"], HostConfig: { Binds: [`${origin}:/mnt:rw,rshared`] } });
    expect(await mountAt(id, "/mnt")).toEqual([expect.objectContaining({ RW: true, Propagation: "rshared" })]);
    const before = (await json(h, "GET", `${V}/containers/json?all=1`, 200, "/containers/json")).length;
    const bad = await call(h, "POST", `${V}/containers/create`, { Image: "busybox", HostConfig: { Mounts: [{ Type: "tmpfs", Target: "/t" }] } });
    expect(bad.status).toBe(400);
    expect((await bad.response.json()).message).toBe('invalid mount config: mount type "tmpfs" is not supported (vicsim mounts bind and volume)');
    expect((await json(h, "GET", `${V}/containers/json?all=1`, 200, "/containers/json")).length).toBe(before);
  });
});

describe("Aliases by API version", () => {
  test("below API 1.45 inspect adds the short id to a user network's Aliases, as dockerd does; from 1.45 it does not", async () => {
    await json(h, "POST", `${V}/networks/create`, 201, "/networks/create", { Name: "aliases-net" });
    const id = await create({ NetworkingConfig: { EndpointsConfig: { "aliases-net": { Aliases: ["web"] } } } });
    const at = async (v: string) => (await json(h, "GET", `${v}/containers/${id}/json`, 200, "/containers/{id}/json")).NetworkSettings.Networks;
    const old = await at("/v1.44");
    expect(old["aliases-net"].Aliases).toEqual(["web", id.slice(0, 12)]);
    expect(old.bridge.Aliases).toEqual([]);
    expect((await at("/v1.45"))["aliases-net"].Aliases).toEqual(["web"]);
  });
});
