// What Python and Ruby programs do with files through the filesystem bridge, checked against the
// container's filesystem itself: relative paths from the working directory, directories, symlinks,
// renames, appends, writes in place, truncation, and the exceptions each language raises.
import { describe, expect, it } from "vitest";
import { ContainerFs, text } from "../bindings/fs/index.js";
import { RealGuest } from "../bindings/guests/real/host.js";
import { collect, runGuest, until } from "./guest-helpers.js";

function appFiles(): ContainerFs {
  const files = new ContainerFs();
  files.mkdir("/app");
  files.writeFile("/app/data.txt", "relative ok");
  return files;
}

describe("files in real guests", () => {
  it("python: cwd, makedirs, symlinks, rename, rmtree, append, seek and write, truncate, and Python's exceptions", async () => {
    const files = appFiles();
    const code = [
      "import os, shutil",
      "print(open('data.txt').read(), os.getcwd())",
      "os.makedirs('a/b/c')",
      "open('a/b/c/f', 'w').write('1')",
      "os.symlink('b/c/f', 'a/l')",
      "print(os.readlink('a/l'), open('a/l').read(), os.path.islink('a/l'))",
      "os.rename('a/b/c/f', 'a/g')",
      "print(sorted((d, sorted(ds), sorted(fs)) for d, ds, fs in os.walk('.')))",
      "shutil.rmtree('a')",
      "with open('app.log', 'a') as f: f.write('one\\n')",
      "with open('app.log', 'a') as f: f.write('two\\n')",
      "with open('app.log', 'r+') as f:",
      "    f.seek(1); f.write('N'); f.seek(0, 2); print(f.tell())",
      "os.truncate('data.txt', 8)",
      "for call in (lambda: os.mkdir('/app'), lambda: open('/nope/x'), lambda: open('/app'), lambda: os.listdir('/app/app.log')):",
      "    try:",
      "        call()",
      "    except OSError as e:",
      "        print(type(e).__name__)",
    ].join("\n");
    const ran = await runGuest({ runtime: "python", argv: ["python", "-c", code], workingDir: "/app", files });
    expect(ran.stderr).toBe("");
    expect(ran.stdout).toBe(
      "relative ok /app\nb/c/f 1 True\n" +
        "[('.', ['a'], ['data.txt']), ('./a', ['b'], ['g', 'l']), ('./a/b', ['c'], []), ('./a/b/c', [], [])]\n" +
        "8\nFileExistsError\nFileNotFoundError\nIsADirectoryError\nNotADirectoryError\n",
    );
    expect(files.readdir("/app")).toEqual(["app.log", "data.txt"]);
    expect(text(files.readFile("/app/app.log"))).toBe("oNe\ntwo\n");
    expect(text(files.readFile("/app/data.txt"))).toBe("relative");
  }, 60_000);

  it("python: a top-level folder it makes is the container's, and one made after it started is seen", async () => {
    const files = appFiles();
    const code = [
      "import os, time",
      "os.makedirs('/data/x')",
      "open('/data/x/f', 'w').write('from python')",
      "print('ready', flush=True)",
      "while not os.path.isdir('/late'): time.sleep(0.01)",
      "print(open('/late/g').read(), 'data' in os.listdir('/'), 'late' in os.listdir('/'))",
    ].join("\n");
    const { out, onOutput } = collect();
    const guest = RealGuest.start({ runtime: "python", argv: ["python", "-c", code], workingDir: "/app", files, onOutput });
    await until(out, "ready");
    expect(text(files.readFile("/data/x/f"))).toBe("from python");
    files.mkdir("/late");
    files.writeFile("/late/g", "made later");
    await guest.exited;
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("ready\nmade later True True\n");
  }, 60_000);

  it("ruby: Dir.chdir to the working directory, relative reads and writes, mkdir, rename, glob, delete", async () => {
    const files = appFiles();
    const code = [
      "puts File.read('data.txt')",
      "puts Dir.pwd",
      "File.write('w.txt', 'x')",
      "Dir.mkdir('d')",
      "File.rename('w.txt', 'd/w.txt')",
      "puts Dir.glob('**/*').sort.inspect",
      "File.open('d/w.txt', 'a') { |f| f.write('y') }",
      "puts File.size('d/w.txt')",
      "begin; File.read('/app/none'); rescue SystemCallError => e; puts e.class; end",
    ].join("\n");
    const ran = await runGuest({ runtime: "ruby", argv: ["ruby", "-e", code], workingDir: "/app", files });
    expect(ran.stderr).toBe("");
    expect(ran.stdout).toBe('relative ok\n/app\n["d", "d/w.txt", "data.txt"]\n2\nErrno::ENOENT\n');
    expect(text(files.readFile("/app/d/w.txt"))).toBe("xy");
  }, 60_000);
});
