#!/bin/bash
# pyvmomi 6.7.1: Debian's python3-pyvmomi, used with /usr/bin/python3 (the default python3 may be a
# build that cannot see Debian's packages). Idempotent: exits 0 at once when it imports.
set -euo pipefail
if /usr/bin/python3 -c 'import pyVmomi, pyVim.connect' 2>/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "pyvmomi is missing: run as root: apt-get install -y python3-pyvmomi" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq python3-pyvmomi >/dev/null
/usr/bin/python3 -c 'import pyVmomi, pyVim.connect'
