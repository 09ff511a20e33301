/**
 * Base distributions of the catalogue's images: the directory layout and /etc files of busybox,
 * Alpine, Debian and Ubuntu as their official images ship them (os-release, passwd, group, shells,
 * profile). Programs are small placeholder executables: the emulated guest's shell runs a command
 * when the file exists and is executable, and then runs its own implementation of it.
 */
import { LayerBuilder } from "./layer.js";

export type Distro = "busybox" | "alpine" | "debian" | "ubuntu" | "scratch";

/** The utilities every shell image carries (busybox applets or their coreutils counterparts). */
export const UTILITIES = [
  "[", "basename", "cat", "cp", "cut", "date", "df", "dirname", "du", "echo", "env", "false", "find", "free",
  "grep", "head", "hostname", "id", "kill", "ln", "ls", "md5sum", "mkdir", "mv", "printf", "ps", "pwd", "rm",
  "rmdir", "sed", "seq", "sh", "sha256sum", "sleep", "sort", "tail", "tee", "test", "touch", "tr", "true", "uname",
  "uniq", "wc", "wget", "whoami", "xargs", "yes", "chmod", "stat", "readlink", "realpath", "printenv", "expr", "top",
];

/** busybox applets the busybox and Alpine images have and Debian's slim images do not. */
export const BUSYBOX_ONLY = ["nslookup", "ping"];

/** A placeholder executable: an ELF magic and the program's name (what `head -c4` of a binary shows). */
export function program(name: string): Uint8Array {
  return new TextEncoder().encode(`\x7fELF\x02\x01\x01\x00${name}\n`);
}

const ALPINE_OS = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.21.0
PRETTY_NAME="Alpine Linux v3.21"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`;
const DEBIAN_OS = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;
const UBUNTU_OS = `PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
`;

/** The busybox image's /etc/passwd and /etc/group (buildroot's skeleton). */
export const BUSYBOX_PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;
export const BUSYBOX_GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nobody:x:65534:
`;
/** alpine-baselayout's /etc/passwd and /etc/group since Alpine 3.11 (postgres and others left it then). */
const ALPINE_PASSWD = `root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
adm:x:3:4:adm:/var/adm:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/mail:/sbin/nologin
news:x:9:13:news:/usr/lib/news:/sbin/nologin
uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin
operator:x:11:0:operator:/root:/sbin/nologin
postmaster:x:14:12:postmaster:/var/mail:/sbin/nologin
cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
ftp:x:21:21::/var/lib/ftp:/sbin/nologin
sshd:x:22:22:sshd:/dev/null:/sbin/nologin
squid:x:31:31:Squid:/var/cache/squid:/sbin/nologin
xfs:x:33:33:X Font Server:/etc/X11/fs:/sbin/nologin
games:x:35:35:games:/usr/games:/sbin/nologin
cyrus:x:85:12::/usr/cyrus:/sbin/nologin
vpopmail:x:89:89::/var/vpopmail:/sbin/nologin
ntp:x:123:123:NTP:/var/empty:/sbin/nologin
smmsp:x:209:209:smmsp:/var/spool/mqueue:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
`;
const ALPINE_GROUP = `root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
sys:x:3:root,bin,adm
adm:x:4:root,adm,daemon
tty:x:5:
disk:x:6:root,adm
lp:x:7:lp
mem:x:8:
kmem:x:9:
wheel:x:10:root
floppy:x:11:root
mail:x:12:mail
news:x:13:news
uucp:x:14:uucp
cron:x:16:cron
console:x:17:
audio:x:18:
cdrom:x:19:
dialout:x:20:root
ftp:x:21:
sshd:x:22:
input:x:23:
tape:x:26:root
video:x:27:root
netdev:x:28:
squid:x:31:squid
xfs:x:33:xfs
kvm:x:34:kvm
games:x:35:
shadow:x:42:
cdrw:x:80:
www-data:x:82:
usb:x:85:
vpopmail:x:89:
users:x:100:games
ntp:x:123:
nofiles:x:200:
smmsp:x:209:smmsp
locate:x:245:
abuild:x:300:
utmp:x:406:
ping:x:999:
nogroup:x:65533:
nobody:x:65534:
`;
/**
 * Alpine 3.10 and older (alpine-baselayout 3.1): root's shell is ash, and the base install has more
 * system accounts, postgres (70) among them (aports#9627 moved it to the postgresql package for 3.11).
 */
const ALPINE_310_PASSWD = `root:x:0:0:root:/root:/bin/ash
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
adm:x:3:4:adm:/var/adm:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/spool/mail:/sbin/nologin
news:x:9:13:news:/usr/lib/news:/sbin/nologin
uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin
operator:x:11:0:operator:/root:/bin/sh
man:x:13:15:man:/usr/man:/sbin/nologin
postmaster:x:14:12:postmaster:/var/spool/mail:/sbin/nologin
cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
ftp:x:21:21::/var/lib/ftp:/sbin/nologin
sshd:x:22:22:sshd:/dev/null:/sbin/nologin
at:x:25:25:at:/var/spool/cron/atjobs:/sbin/nologin
squid:x:31:31:Squid:/var/cache/squid:/sbin/nologin
xfs:x:33:33:X Font Server:/etc/X11/fs:/sbin/nologin
games:x:35:35:games:/usr/games:/sbin/nologin
postgres:x:70:70::/var/lib/postgresql:/bin/sh
cyrus:x:85:12::/usr/cyrus:/sbin/nologin
vpopmail:x:89:89::/var/vpopmail:/sbin/nologin
ntp:x:123:123:NTP:/var/empty:/sbin/nologin
smmsp:x:209:209:smmsp:/var/spool/mqueue:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
`;
const ALPINE_310_GROUP = ALPINE_GROUP.replace("netdev:x:28:\n", "netdev:x:28:\nreadproc:x:30:\n")
  .replace("cron:x:16:cron\n", "man:x:15:man\ncron:x:16:cron\n").replace("input:x:23:\n", "input:x:23:\nat:x:25:at\n")
  .replace("shadow:x:42:\n", "shadow:x:42:\npostgres:x:70:\n");
const DEBIAN_PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;
const DEBIAN_GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
news:x:9:
uucp:x:10:
man:x:12:
proxy:x:13:
kmem:x:15:
dialout:x:20:
cdrom:x:24:
sudo:x:27:
audio:x:29:
www-data:x:33:
backup:x:34:
operator:x:37:
list:x:38:
irc:x:39:
src:x:40:
shadow:x:42:
utmp:x:43:
video:x:44:
plugdev:x:46:
staff:x:50:
games:x:60:
users:x:100:
nogroup:x:65534:
`;

/**
 * The Alpine release of an `alpine` tag whose base install differs from the current one ("3.10" for
 * 3.10 and older, whose alpine-baselayout has more accounts), or undefined for the current release.
 */
export function alpineRelease(tag: string): string | undefined {
  const m = /^v?3\.(\d+)(?:\.(\d+))?$/.exec(tag);
  if (!m || Number(m[1]) > 10) return undefined;
  return m[2] === undefined ? `3.${m[1]}` : `3.${m[1]}.${m[2]}`;
}

/** Builds the base layer of a distribution. `mtime` is the image's build time (ms); `release` an older Alpine's (alpineRelease). */
export function baseLayer(distro: Distro, mtime: number, release?: string): LayerBuilder {
  const b = new LayerBuilder(mtime);
  if (distro === "scratch") return b;
  for (const d of ["dev", "proc", "sys", "home", "tmp", "root", "var", "etc", "usr/bin", "usr/sbin"]) b.dir(d);
  b.dir("tmp", { mode: 0o1777 }).dir("root", { mode: 0o700 });
  b.file("etc/hostname", "").file("etc/hosts", "127.0.0.1\tlocalhost\n").file("etc/resolv.conf", "");
  if (distro === "busybox" || distro === "alpine") {
    const bb = program("busybox");
    b.file("bin/busybox", bb, { mode: 0o755 });
    for (const u of [...UTILITIES, ...BUSYBOX_ONLY]) {
      if (u === "busybox") continue;
      if (distro === "busybox") b.file(`bin/${u}`, bb, { mode: 0o755 }); // hard links of one binary
      else b.symlink(`bin/${u}`, "/bin/busybox");
    }
    b.dir("var/spool/mail").dir("var/www").dir("lib").dir("etc/network");
    const old = distro === "alpine" && release !== undefined;
    b.file("etc/passwd", distro === "busybox" ? BUSYBOX_PASSWD : old ? ALPINE_310_PASSWD : ALPINE_PASSWD);
    b.file("etc/group", distro === "busybox" ? BUSYBOX_GROUP : old ? ALPINE_310_GROUP : ALPINE_GROUP);
    b.file("etc/shadow", "root:*::0:::::\n", { mode: 0o600 });
    if (distro === "alpine") {
      const version = release === undefined ? "3.21.0" : release.split(".").length === 3 ? release : `${release}.0`;
      b.file("etc/os-release", ALPINE_OS.replaceAll("3.21.0", version).replace("v3.21", `v${version.split(".").slice(0, 2).join(".")}`));
      b.file("etc/alpine-release", `${version}\n`);
      b.file("etc/shells", "# valid login shells\n/bin/sh\n/bin/ash\n");
      b.file("etc/profile", "export PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n");
      b.symlink("bin/ash", "/bin/busybox");
      for (const d of ["lib/apk/db", "var/cache/apk", "var/log", "var/tmp", "usr/local/bin", "usr/share", "opt", "srv", "mnt", "media", "run", "sbin"]) b.dir(d);
      b.file("lib/apk/db/installed", "P:alpine-baselayout\nV:3.6.8-r1\n\nP:busybox\nV:1.37.0-r8\n\nP:musl\nV:1.2.5-r8\n");
    }
    return b;
  }
  // Debian and Ubuntu: merged /usr (bin, sbin, lib are symlinks into /usr).
  b.symlink("bin", "usr/bin").symlink("sbin", "usr/sbin").symlink("lib", "usr/lib").dir("usr/lib");
  for (const u of UTILITIES) b.file(`usr/bin/${u}`, program(u), { mode: 0o755 });
  b.file("usr/bin/bash", program("bash"), { mode: 0o755 }).file("usr/bin/dash", program("dash"), { mode: 0o755 });
  b.file("usr/bin/sh", program("dash"), { mode: 0o755 });
  b.file("usr/sbin/nologin", program("nologin"), { mode: 0o755 });
  for (const d of ["var/lib/dpkg", "var/lib/apt/lists", "var/cache/apt", "var/log", "var/tmp", "var/mail", "usr/local/bin", "usr/share/doc", "opt", "srv", "mnt", "media", "run", "boot", "etc/apt"]) b.dir(d);
  b.dir("var/tmp", { mode: 0o1777 });
  b.file("etc/passwd", DEBIAN_PASSWD).file("etc/group", DEBIAN_GROUP);
  b.file("etc/shadow", "root:*:20000:0:99999:7:::\n", { mode: 0o640, gid: 42 });
  b.file("etc/shells", "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/dash\n/usr/bin/dash\n");
  b.file("etc/bash.bashrc", "# System-wide .bashrc file for interactive bash(1) shells.\n");
  b.file("root/.bashrc", "# ~/.bashrc: executed by bash(1) for non-login shells.\n");
  b.file("root/.profile", "# ~/.profile: executed by Bourne-compatible login shells.\n");
  if (distro === "debian") {
    b.file("usr/lib/os-release", DEBIAN_OS).symlink("etc/os-release", "../usr/lib/os-release");
    b.file("etc/debian_version", "12.8\n");
    b.file("etc/apt/sources.list.d/debian.sources", "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n");
  } else {
    b.file("usr/lib/os-release", UBUNTU_OS).symlink("etc/os-release", "../usr/lib/os-release");
    b.file("etc/debian_version", "trixie/sid\n");
    b.file("etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=24.04\nDISTRIB_CODENAME=noble\nDISTRIB_DESCRIPTION=\"Ubuntu 24.04.1 LTS\"\n");
    b.dir("home/ubuntu", { uid: 1000, gid: 1000, mode: 0o750 });
  }
  return b;
}
