#!/usr/bin/env bash
# Headless Chromium at /usr/bin/chromium for the playground test (driven by playwright-core, which
# downloads no browser of its own).
set -eu
. "$(dirname "$0")/apt.sh.inc"
[ -x /usr/bin/chromium ] && exit 0
echo "installing Debian's chromium (the playground test drives it)" >&2
apt_install chromium
[ -x /usr/bin/chromium ]
