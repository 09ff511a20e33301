#!/usr/bin/env bash
# What docker-py 7.1.0's own integration suite (vendored in vendor/docker-py) needs from
# Debian's /usr/bin/python3 besides the library itself: pytest with its per-test timeout, paramiko
# (docker-py imports it for ssh:// hosts), requests and websocket-client (attach over websocket).
set -eu
. "$(dirname "$0")/apt.sh.inc"
present() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pytest, pytest_timeout, paramiko, requests, websocket' 2>/dev/null; }
present && exit 0
echo "installing Debian's python3-pytest, python3-pytest-timeout, python3-paramiko, python3-requests, python3-websocket (docker-py's suite needs them)" >&2
apt_install python3 python3-pytest python3-pytest-timeout python3-paramiko python3-requests python3-websocket
present
