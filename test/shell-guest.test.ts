/** The emulated guest's shell over a container filesystem: what a user sees from `docker run … sh -c`. */
import { describe, expect, it } from "vitest";
import { ContainerFs, ImageFilesystems, NGINX_INDEX, text, Volume } from "../bindings/fs/index.js";
import { ProcessTable, runShell } from "../bindings/guests/shell/index.js";

const images = new ImageFilesystems();
const dec = new TextDecoder();

async function sh(script: string, opts: { fs?: ContainerFs; stdin?: string; repo?: string; user?: { uid: number; gid: number; name?: string } } = {}) {
  const fs = opts.fs ?? new ContainerFs({ lowers: images.layersOf(opts.repo ?? "busybox"), now: () => T0 });
  let t = T0;
  let stdout = "", stderr = "";
  const status = await runShell({
    script, fs, cwd: "/", stdin: opts.stdin, user: opts.user,
    stdout: (c) => { stdout += dec.decode(c); }, stderr: (c) => { stderr += dec.decode(c); },
    clock: { now: () => t, sleep: async (ms) => { t += ms; } },
    info: { hostname: "c0ffee" },
  });
  return { stdout, stderr, status, fs, elapsed: t - T0 };
}
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

describe("the issue's examples", () => {
  it("writes a file in a volume and reads it back", async () => {
    const fs = new ContainerFs({ lowers: images.layersOf("busybox") });
    const vol = new Volume("data");
    fs.mount("/data", vol.backend);
    const r = await sh("echo x > /data/f && cat /data/f", { fs });
    expect(r).toMatchObject({ stdout: "x\n", stderr: "", status: 0 });
    expect(text(vol.backend.read(["f"]))).toBe("x\n");
  });
  it("pipes echo into tr", async () => {
    expect(await sh("echo a | tr a b")).toMatchObject({ stdout: "b\n", status: 0 });
  });
});

// [script, stdout, stderr, status]
const rows: [string, string, string, number][] = [
  // quoting, variables, substitution, arithmetic
  [`x='a  b'; echo $x "$x" '$x'`, "a b a  b $x\n", "", 0],
  [`set -- one "two three"; for a in "$@"; do echo "<$a>"; done; echo $#`, "<one>\n<two three>\n2\n", "", 0],
  [`echo "$(echo inner | tr a-z A-Z)" $((7 / 2)) $((7 % 3)) $((1 << 4))`, "INNER 3 1 16\n", "", 0],
  [`v=file.tar.gz; echo \${v%.*} \${v%%.*} \${v#*.} \${u:-dflt} \${#v}`, "file.tar file tar.gz dflt 11\n", "", 0],
  [`echo \${nope:?is missing}; echo after`, "", "sh: nope: is missing\n", 2],
  // lists and exit statuses
  [`false || echo recovered; true && echo fine; ! true; echo $?`, "recovered\nfine\n1\n", "", 0],
  [`nosuchcmd; echo $?`, "127\n", "sh: nosuchcmd: not found\n", 0],
  [`exit 3`, "", "", 3],
  [`(exit 4); echo $?`, "4\n", "", 0],
  [`sh -c 'exit 5'; echo $?`, "5\n", "", 0],
  [`if then`, "", `sh: syntax error: unexpected "then"\n`, 2],
  // redirections
  [`echo out; echo err >&2`, "out\n", "err\n", 0],
  [`ls /nope 2>&1 | tr a-z A-Z`, "LS: /NOPE: NO SUCH FILE OR DIRECTORY\n", "", 0],
  [`echo a > /tmp/f; echo b >> /tmp/f; cat < /tmp/f`, "a\nb\n", "", 0],
  [`echo x > /nodir/f`, "", "sh: can't create /nodir/f: nonexistent directory\n", 1],
  [`cat <<EOF\nhello $HOME\nEOF`, "hello /root\n", "", 0],
  [`echo hidden > /dev/null; echo shown`, "shown\n", "", 0],
  // compound commands and functions
  [`i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done`, "1\n2\n3\n", "", 0],
  [`for f in /etc/h*; do echo $f; done`, "/etc/hostname\n/etc/hosts\n", "", 0],
  [`case hello.txt in *.md) echo md;; *.txt) echo txt;; esac`, "txt\n", "", 0],
  [`greet() { echo "hi $1"; return 7; }; greet you; echo $?`, "hi you\n7\n", "", 0],
  [`for i in 1 2 3 4; do [ $i = 3 ] && break; echo $i; done`, "1\n2\n", "", 0],
  [`echo a | read v; echo "[$v]"`, "[]\n", "", 0], // a pipeline element runs in a subshell
  [`printf 'l1\\nl2\\n' > /tmp/in; while read line; do echo "got $line"; done < /tmp/in`, "got l1\ngot l2\n", "", 0],
  // utilities with busybox's messages
  [`cat /nope`, "", "cat: can't open '/nope': No such file or directory\n", 1],
  [`mkdir /tmp/d; mkdir /tmp/d`, "", "mkdir: can't create directory '/tmp/d': File exists\n", 1],
  [`mkdir -p /tmp/a/b/c && ls /tmp/a/b`, "c\n", "", 0],
  [`rm /etc`, "", "rm: '/etc' is a directory\n", 1],
  [`rm -rf /tmp/x /tmp/nope; echo $?`, "0\n", "", 0],
  [`cp /nope /tmp/`, "", "cp: can't stat '/nope': No such file or directory\n", 1],
  [`mv /nope /tmp/x`, "", "mv: can't rename '/nope': No such file or directory\n", 1],
  [`echo data > /tmp/s; cp /tmp/s /tmp/t; mv /tmp/t /tmp/u; cat /tmp/u; ls /tmp`, "data\ns\nu\n", "", 0],
  [`ln -s /etc/passwd /tmp/pw; head -n 1 /tmp/pw; ls -l /tmp/pw`, `root:x:0:0:root:/root:/bin/sh\nlrwxrwxrwx    1 root     root            11 Jun  1 12:00 /tmp/pw -> /etc/passwd\n`, "", 0],
  [`printf '3\\n1\\n2\\n1\\n' | sort -n | uniq -c`, "      2 1\n      1 2\n      1 3\n", "", 0],
  [`printf 'a b\\nc d\\n' | wc; printf 'x\\n' | wc -l`, "        2         4         8\n1\n", "", 0],
  [`grep -v root /etc/group | grep -c x; grep -E '^(root|bin):' /etc/passwd | cut -d: -f1,3`, "24\nroot:0\nbin:2\n", "", 0],
  [`echo hello | sed 's/l\\(l\\)o/[\\1]/'; echo aaa | sed -E 's/a+/b/'`, "he[l]\nb\n", "", 0],
  [`seq 10 | tail -n 2; seq -s , 3`, "9\n10\n1,2,3\n", "", 0],
  [`echo one two | tee /tmp/t >/dev/null; cat /tmp/t; basename /a/b.txt .txt; dirname /a/b`, "one two\nb\n/a\n", "", 0],
  [`find /etc -name 'host*' -type f`, "/etc/hostname\n/etc/hosts\n", "", 0],
  [`echo /etc/hosts /etc/hostname | xargs -n 1 basename`, "hosts\nhostname\n", "", 0],
  [`echo -n abc | md5sum; echo -n abc | sha256sum`, "900150983cd24fb0d6963f7d28e17f72  -\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n", "", 0],
  [`id; whoami; hostname; uname; pwd; cd /etc; pwd`, "uid=0(root) gid=0(root)\nroot\nc0ffee\nLinux\n/\n/etc\n", "", 0],
  [`date; date +%Y-%m-%dT%H:%M:%S`, "Sun Jun  1 12:00:00 UTC 2025\n2025-06-01T12:00:00\n", "", 0],
  [`cd /nope`, "", "sh: cd: line 0: can't cd to /nope: No such file or directory\n", 2],
  [`env | grep ^HOME=; export FOO=bar; sh -c 'echo $FOO'`, "HOME=/root\nbar\n", "", 0],
  [`[ 1 -eq 1 ] && [ abc != def ] && [ -d /etc ] && [ ! -e /nope ] && echo ok; [ 1 -eq ]`, "ok\n", "sh: -eq: argument expected\n", 2],
  [`echo $(( 2 > 1 ? 10 : 20 ))`, "10\n", "", 0],
];

describe("shell and utilities", () => {
  it.each(rows)("%s", async (script, stdout, stderr, status) => {
    const r = await sh(script);
    expect({ stdout: r.stdout, stderr: r.stderr, status: r.status }).toEqual({ stdout, stderr, status });
  });
});

describe("streams, time, processes, users", () => {
  it("ends an endless producer when the reader stops (bounded pipes)", async () => {
    const r = await sh("yes | head -n 2; yes abc | head -c 8");
    expect(r).toMatchObject({ stdout: "y\ny\nabc\nabc\n", status: 0 });
  });

  it("sleeps on the injected clock", async () => {
    const r = await sh("sleep 1.5; sleep 2 & wait; echo done");
    expect(r.stdout).toBe("done\n");
    expect(r.elapsed).toBe(3500);
  });

  it("lists its processes and kills a background job", async () => {
    const processes = new ProcessTable(1);
    let out = "";
    let resolveSleep: (() => void) | null = null;
    const status = await runShell({
      script: "sleep 100 & ps; kill $!; wait $!; echo status $?", fs: new ContainerFs({ lowers: images.layersOf("busybox") }), processes,
      stdout: (c) => { out += dec.decode(c); }, stderr: () => {},
      clock: { now: () => T0, sleep: (_ms, signal) => new Promise<void>((r) => { resolveSleep = r; signal?.addEventListener("abort", () => r()); }) },
    });
    void resolveSleep;
    expect(out).toMatch(/^PID   USER     COMMAND\n    1 root     sh -c .*\n    2 root     sleep 100\n    3 root     ps\n/);
    expect(out).toMatch(/status 143\n$/);
    expect(status).toBe(0);
    expect(processes.list()).toEqual([]);
  });

  it("ends with 128+signal when the container kills it", async () => {
    const ac = new AbortController();
    const p = runShell({
      script: "while true; do sleep 1; done", fs: new ContainerFs({ lowers: images.layersOf("busybox") }), signal: ac.signal,
      stdout: () => {}, stderr: () => {}, clock: { now: () => 0, sleep: () => new Promise((r) => setTimeout(r, 1)) },
    });
    setTimeout(() => ac.abort(9), 20);
    expect(await p).toBe(137);
  });

  it("checks permissions for a non-root user", async () => {
    const r = await sh("whoami; echo x > /etc/x; cat /etc/shadow; echo ok > /tmp/mine; ls -l /tmp/mine", { user: { uid: 65534, gid: 65534, name: "nobody" } });
    expect(r.stdout).toBe("nobody\n-rw-r--r--    1 nobody   nobody           3 Jun  1 12:00 /tmp/mine\n");
    expect(r.stderr).toBe("sh: can't create /etc/x: Permission denied\ncat: can't open '/etc/shadow': Permission denied\n");
  });

  it("reports bytes written to files through the filesystem's write hook", async () => {
    const writes: [string, number][] = [];
    const fs = new ContainerFs({ lowers: images.layersOf("alpine"), onWrite: (p, n) => writes.push([p, n]) });
    await sh("seq 3 > /tmp/n; echo more >> /tmp/n", { fs });
    expect(writes.filter(([, n]) => n > 0)).toEqual([["/tmp/n", 6], ["/tmp/n", 5]]); // opening with > truncates (0 bytes)
    expect(writes.reduce((s, [, n]) => s + n, 0)).toBe(11);
    expect(writes.every(([p]) => p === "/tmp/n")).toBe(true);
  });

  it("fetches another container's page through the injected network", async () => {
    const fs = new ContainerFs({ lowers: images.layersOf("node") }); // buildpack-deps images carry curl and wget
    let out = "", err = "";
    const status = await runShell({
      script: "wget -q -O - http://web/ | head -n 4 | tail -n 1; curl -s http://db:6379/ping; curl -s http://nohost/; echo $?", fs,
      stdout: (c) => { out += dec.decode(c); }, stderr: (c) => { err += dec.decode(c); }, clock: { now: () => 0, sleep: async () => {} },
      net: async (req) => {
        const u = new URL(req.url);
        if (u.hostname === "web") return { status: 200, body: new TextEncoder().encode(NGINX_INDEX) };
        if (u.hostname === "db") return { status: 200, body: new TextEncoder().encode("+PONG\r\n") };
        throw new Error(`bad address '${u.hostname}'`);
      },
    });
    expect(out).toBe("<title>Welcome to nginx!</title>\n+PONG\r\n6\n");
    expect(err).toBe("");
    expect(status).toBe(0);
  });

  it("runs a script file from the image by its shebang, and reads commands from stdin", async () => {
    const fs = new ContainerFs({ lowers: images.layersOf("busybox") });
    fs.writeFile("/run.sh", "#!/bin/sh\necho \"script $1\"\nexit 4\n", { mode: 0o755 });
    expect(await sh("/run.sh arg", { fs })).toMatchObject({ stdout: "script arg\n", status: 4 });
    expect(await sh("sh", { stdin: "echo from stdin\nif true; then\n echo multi\nfi\nexit 6\necho never\n" }))
      .toMatchObject({ stdout: "from stdin\nmulti\n", status: 6 });
  });
});
