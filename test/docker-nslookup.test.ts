// busybox's nslookup in containers, through the real docker CLI against `vicsim serve`: it asks the
// nameserver of the container's /etc/resolv.conf, Docker's embedded DNS at 127.0.0.11, which knows the
// containers of the caller's user-defined networks by name, alias and the caller's link aliases.
import { describe, expect, test } from "vitest";
import { dockerCliServer } from "./fixtures/docker-cli-harness.js";

const { d, ok } = dockerCliServer("docker-nslookup", ["busybox", "alpine:3.10", "debian"]);

const HEAD = "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\n";
/** What busybox prints for a name with one IPv4 address and no IPv6 one (the AAAA reply is empty). */
const found = (name: string, ip: string) => `${HEAD}Non-authoritative answer:\nName:\t${name}\nAddress: ${ip}\n\nNon-authoritative answer:\n\n`;
const nxdomain = (name: string) => `${HEAD}** server can't find ${name}: NXDOMAIN\n\n** server can't find ${name}: NXDOMAIN\n\n`;

describe("nslookup against Docker's embedded DNS, through the docker CLI", () => {
  test("a container's name, network alias and name.network resolve on a user-defined network; an unknown name is NXDOMAIN", async () => {
    await ok(["network", "create", "dnsnet"]);
    await ok(["run", "-d", "--name", "web", "--network", "dnsnet", "--network-alias", "www", "busybox", "sleep", "1000"]);
    const ip = (await ok(["inspect", "-f", "{{.NetworkSettings.Networks.dnsnet.IPAddress}}", "web"])).trim();
    expect(ip).toMatch(/^172\.\d+\.0\.\d+$/);
    expect(await d(["run", "--rm", "--network", "dnsnet", "busybox", "nslookup", "web"])).toMatchObject({ code: 0, stdout: found("web", ip), stderr: "" });
    expect(await d(["run", "--rm", "--network", "dnsnet", "busybox", "nslookup", "www"])).toMatchObject({ code: 0, stdout: found("www", ip) });
    expect(await d(["run", "--rm", "--network", "dnsnet", "busybox", "nslookup", "web.dnsnet"])).toMatchObject({ code: 0, stdout: found("web.dnsnet", ip) });
    expect(await d(["run", "--rm", "--network", "dnsnet", "busybox", "nslookup", "web.othernet"])).toMatchObject({ code: 1, stdout: nxdomain("web.othernet") });
    expect(await d(["run", "--rm", "--network", "dnsnet", "busybox", "nslookup", "nosuch"])).toMatchObject({ code: 1, stdout: nxdomain("nosuch"), stderr: "" });
    // An address asks for its PTR record: name.network.
    const ptr = `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
    expect(await d(["run", "--rm", "--network", "dnsnet", "busybox", "nslookup", ip])).toMatchObject({ code: 0, stdout: `${HEAD}Non-authoritative answer:\n${ptr}\tname = web.dnsnet\n\n` });
    // The default bridge has no embedded DNS names: the same name is NXDOMAIN there.
    expect(await d(["run", "--rm", "busybox", "nslookup", "web"])).toMatchObject({ code: 1, stdout: nxdomain("web") });
  });

  test("a link alias resolves for the linking container only, given at run or at network connect, even before its target exists", async () => {
    await ok(["network", "create", "linknet"]);
    await ok(["run", "-d", "--name", "client", "--network", "linknet", "--link", "upstream:bar", "alpine:3.10", "sleep", "1000"]);
    expect(await d(["exec", "client", "nslookup", "bar"])).toMatchObject({ code: 1, stdout: nxdomain("bar") });
    await ok(["run", "-d", "--name", "upstream", "--network", "linknet", "busybox", "sleep", "1000"]);
    const ip = (await ok(["inspect", "-f", "{{.NetworkSettings.Networks.linknet.IPAddress}}", "upstream"])).trim();
    expect(await d(["exec", "client", "nslookup", "bar"])).toMatchObject({ code: 0, stdout: found("bar", ip) });
    expect(await d(["run", "--rm", "--network", "linknet", "busybox", "nslookup", "bar"])).toMatchObject({ code: 1, stdout: nxdomain("bar") });

    await ok(["run", "-d", "--name", "late", "busybox", "sleep", "1000"]);
    await ok(["network", "connect", "--link", "upstream:db", "linknet", "late"]);
    expect(await d(["exec", "late", "nslookup", "db"])).toMatchObject({ code: 0, stdout: found("db", ip) });
  });

  test("busybox's usage without a name, a silent server after its 5 s timeout, and no nslookup in Debian's image", async () => {
    const usage = await d(["run", "--rm", "busybox", "nslookup"]);
    expect(usage).toMatchObject({ code: 1, stdout: "" });
    expect(usage.stderr).toContain("Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n");
    expect(await d(["run", "--rm", "busybox", "nslookup", "web", "192.0.2.53"])).toMatchObject({ code: 1, stdout: ";; connection timed out; no servers could be reached\n\n" });
    const debian = await d(["run", "--rm", "debian", "nslookup", "web"]);
    expect(debian.code).toBe(127);
    expect(debian.stderr).toContain('exec: "nslookup": executable file not found in $PATH');
  });
});
