#!/bin/sh
# Debian's busybox: the reference shell the emulated guest's shell is compared with (test/shell-differential).
set -e
if [ -x /bin/busybox ] || command -v busybox >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends busybox >/dev/null 2>&1 ||
    { apt-get -o DPkg::Lock::Timeout=300 update >/dev/null 2>&1 && apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends busybox >/dev/null; }
  command -v busybox >/dev/null 2>&1 && exit 0
fi
echo "busybox is missing: run  apt-get install -y busybox" >&2
exit 1
