// The live filesystem bridge without a worker: the guest's end (GuestFs) rings the host's end
// (FsBridgeHost) directly, so requests, answers, chunking, paging and errno names are checked on
// their own, against a real ContainerFs with a volume, a read-only mount and a read-only root.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ContainerFs, text, utf8, Volume } from "../bindings/fs/index.js";
import { FsBridgeHost } from "../bindings/guests/real/fs-bridge-host.js";
import { CHUNK_BYTES, createFsChannel, GuestFs, GuestFsError, JSON_BYTES } from "../bindings/guests/real/fs-bridge.js";

/** A guest end wired to a host end in the same thread; `requests` counts the round trips. */
function bridge(fs: ContainerFs, readOnlyRoot = false) {
  const channel = createFsChannel();
  const host = new FsBridgeHost(channel, fs, { readOnlyRoot });
  const counter = { requests: 0 };
  const guest = new GuestFs(channel, () => {
    counter.requests++;
    host.serve();
  });
  return { guest, counter };
}

/** Byte-for-byte equality (vitest's deep equality walks large arrays element by element, slowly). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** The errno name a call fails with. */
function errno(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (error instanceof GuestFsError) return error.code;
    throw error;
  }
  throw new Error("the call succeeded");
}

describe("the filesystem bridge", () => {
  it("reads and writes the container's files, and the container sees each write at once", () => {
    const fs = new ContainerFs();
    fs.mkdir("/app");
    fs.writeFile("/app/main.py", "print('hi')\n");
    const { guest } = bridge(fs);
    expect(text(guest.readFile("/app/main.py"))).toBe("print('hi')\n");
    expect(guest.stat("/app/main.py")).toMatchObject({ kind: "file", size: 12, mode: 0o644 });
    guest.create("/app/out.txt", true);
    expect(guest.write("/app/out.txt", 0, utf8("hello"))).toBe(5);
    expect(text(fs.readFile("/app/out.txt"))).toBe("hello");
    guest.write("/app/out.txt", 5, utf8(" world"));
    guest.write("/app/out.txt", 0, utf8("J"));
    expect(text(fs.readFile("/app/out.txt"))).toBe("Jello world");
    expect(text(guest.read("/app/out.txt", 6, 100))).toBe("world");
    expect(guest.read("/app/out.txt", 50, 10).byteLength).toBe(0);
    guest.truncate("/app/out.txt", 4);
    expect(text(fs.readFile("/app/out.txt"))).toBe("Jell");
    guest.mkdir("/app/sub");
    guest.rename("/app/out.txt", "/app/sub/moved.txt");
    guest.symlink("sub/moved.txt", "/app/link");
    expect(guest.readlink("/app/link")).toBe("sub/moved.txt");
    expect(guest.lstat("/app/link").kind).toBe("symlink");
    expect(text(guest.readFile("/app/link"))).toBe("Jell");
    expect(guest.readdir("/app")).toEqual(["link", "main.py", "sub"]);
    guest.unlink("/app/link");
    guest.unlink("/app/sub/moved.txt");
    guest.rmdir("/app/sub");
    expect(fs.readdir("/app")).toEqual(["main.py"]);
  });

  it("moves a file larger than one chunk in several requests, byte for byte", () => {
    const fs = new ContainerFs();
    const { guest, counter } = bridge(fs);
    const big = new Uint8Array(CHUNK_BYTES * 2 + 12_345).map((_, i) => (i * 31 + (i >> 9)) & 0xff);
    guest.create("/big", true);
    const before = counter.requests;
    expect(guest.write("/big", 0, big)).toBe(big.byteLength);
    expect(counter.requests - before).toBe(3);
    expect(same(fs.readFile("/big"), big)).toBe(true);
    const again = counter.requests;
    expect(same(guest.read("/big", 0, big.byteLength), big)).toBe(true);
    expect(counter.requests - again).toBe(3);
    expect(same(guest.read("/big", CHUNK_BYTES - 5, CHUNK_BYTES + 10), big.subarray(CHUNK_BYTES - 5, 2 * CHUNK_BYTES + 5))).toBe(true);
  });

  it("lists a directory longer than one answer in pages, every name once, in order", () => {
    const fs = new ContainerFs();
    fs.mkdir("/many");
    const names = Array.from({ length: 3_000 }, (_, i) => `entry-${String(i).padStart(5, "0")}-ünïcødé`).sort();
    for (const n of names) fs.writeFile(`/many/${n}`, "");
    const { guest, counter } = bridge(fs);
    expect(guest.readdir("/many")).toEqual(names);
    expect(names.join("").length * 2).toBeGreaterThan(JSON_BYTES); // the listing did not fit in one answer
    expect(counter.requests).toBeGreaterThan(1);
  });

  it("answers errno names each runtime turns into its own error, and changes nothing", () => {
    const fs = new ContainerFs();
    fs.mkdir("/d");
    fs.writeFile("/d/f", "x");
    const { guest } = bridge(fs);
    expect(errno(() => guest.stat("/nope"))).toBe("ENOENT");
    expect(errno(() => guest.mkdir("/d"))).toBe("EEXIST");
    expect(errno(() => guest.create("/d/f", true))).toBe("EEXIST");
    expect(errno(() => guest.create("/d", false))).toBe("EISDIR");
    expect(errno(() => guest.readdir("/d/f"))).toBe("ENOTDIR");
    expect(errno(() => guest.stat("/d/f/g"))).toBe("ENOTDIR");
    expect(errno(() => guest.read("/d", 0, 10))).toBe("EISDIR");
    expect(errno(() => guest.rmdir("/d"))).toBe("ENOTEMPTY");
    expect(errno(() => guest.unlink("/d"))).toBe("EISDIR");
    expect(errno(() => guest.readlink("/d/f"))).toBe("EINVAL");
    expect(errno(() => guest.write("/d/gone", 0, utf8("y")))).toBe("ENOENT");
    // Paths and answers larger than the channel's JSON area fail cleanly on both sides.
    expect(errno(() => guest.stat("/" + "x".repeat(JSON_BYTES)))).toBe("ENAMETOOLONG");
    fs.symlink("t".repeat(JSON_BYTES), "/d/long");
    expect(errno(() => guest.readlink("/d/long"))).toBe("ENAMETOOLONG");
    fs.unlink("/d/long");
    expect(fs.readdir("/d")).toEqual(["f"]);
    expect(text(fs.readFile("/d/f"))).toBe("x");
  });

  it("a read-only mount and a read-only root refuse changes with EROFS; a writable volume under a read-only root takes them", () => {
    const fs = new ContainerFs();
    const shared = new Volume("v");
    fs.mount("/data", shared.backend);
    fs.mount("/ro", shared.backend, { readOnly: true });
    fs.mkdir("/etc");
    fs.writeFile("/etc/os-release", "ID=debian\n");
    const { guest } = bridge(fs, true);
    guest.create("/data/f", true);
    guest.write("/data/f", 0, utf8("on the volume"));
    expect(text(guest.readFile("/ro/f"))).toBe("on the volume"); // one volume, two mounts
    expect(errno(() => guest.write("/ro/f", 0, utf8("no")))).toBe("EROFS");
    expect(errno(() => guest.create("/ro/g", true))).toBe("EROFS");
    expect(errno(() => guest.unlink("/ro/f"))).toBe("EROFS");
    expect(errno(() => guest.create("/etc/new", true))).toBe("EROFS");
    expect(errno(() => guest.write("/etc/os-release", 0, utf8("X")))).toBe("EROFS");
    expect(errno(() => guest.mkdir("/opt"))).toBe("EROFS");
    expect(text(guest.readFile("/etc/os-release"))).toBe("ID=debian\n");
    expect(fs.readdir("/etc")).toEqual(["os-release"]);
    expect(text(fs.readFile("/data/f"))).toBe("on the volume");
  });

  it("checks permission bits for a guest that is not root: EACCES, and what it creates is its own", () => {
    const fs = new ContainerFs();
    fs.mkdir("/root", { mode: 0o700 });
    fs.writeFile("/root/secret", "s", { mode: 0o600 });
    fs.mkdir("/tmp", { mode: 0o1777 });
    const channel = createFsChannel();
    const host = new FsBridgeHost(channel, fs, { cred: { uid: 1000, gid: 1000 } });
    const guest = new GuestFs(channel, () => host.serve());
    expect(errno(() => guest.readdir("/root"))).toBe("EACCES");
    expect(errno(() => guest.readFile("/root/secret"))).toBe("EACCES");
    expect(errno(() => guest.create("/new", true))).toBe("EACCES");
    guest.create("/tmp/mine", true);
    guest.write("/tmp/mine", 0, utf8("m"));
    expect(fs.stat("/tmp/mine")).toMatchObject({ uid: 1000, gid: 1000, size: 1 });
  });

  it("any sequence of writes and truncates leaves the bytes a plain array model says (property)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("write" as const), offset: fc.nat(3 * CHUNK_BYTES), length: fc.nat(CHUNK_BYTES + 100), seed: fc.nat(255) }),
      fc.record({ kind: fc.constant("truncate" as const), size: fc.nat(3 * CHUNK_BYTES) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
        const fs = new ContainerFs();
        const { guest } = bridge(fs);
        guest.create("/f", true);
        let model = new Uint8Array(0);
        for (const o of ops) {
          if (o.kind === "write") {
            const data = new Uint8Array(o.length).map((_, i) => (o.seed + i) & 0xff);
            const next = new Uint8Array(Math.max(model.byteLength, o.offset + o.length));
            next.set(model);
            next.set(data, o.offset);
            model = next;
            expect(guest.write("/f", o.offset, data)).toBe(model.byteLength);
          } else {
            const next = new Uint8Array(o.size);
            next.set(model.subarray(0, o.size));
            model = next;
            guest.truncate("/f", o.size);
          }
        }
        expect(guest.stat("/f").size).toBe(model.byteLength);
        expect(same(guest.readFile("/f"), model)).toBe(true);
        expect(same(fs.readFile("/f"), model)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
