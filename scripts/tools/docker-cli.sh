#!/usr/bin/env bash
# The real docker CLI (28.2.2, API 1.50) at /usr/local/bin/docker (or $DOCKER_CLI): the Docker API
# tests drive it. Debian's docker.io is another version, so this cannot install it; it says how.
set -eu
cli="${DOCKER_CLI:-/usr/local/bin/docker}"
[ -x "$cli" ] && exit 0
cat >&2 <<MSG
the Docker API tests need the docker CLI 28.2.2 at $cli (or DOCKER_CLI=path). Install it with:
  curl -fsSL https://download.docker.com/linux/static/stable/x86_64/docker-28.2.2.tgz | tar -xz -C /tmp && install /tmp/docker/docker $cli
MSG
exit 1
