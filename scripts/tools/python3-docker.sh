#!/usr/bin/env bash
# docker-py, Debian's python3-docker, importable by Debian's /usr/bin/python3: one of the real
# clients the Docker API tests drive.
set -eu
. "$(dirname "$0")/apt.sh.inc"
present() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import docker' 2>/dev/null; }
present && exit 0
echo "installing Debian's python3-docker (the docker-py tests drive it)" >&2
apt_install python3 python3-docker
present
