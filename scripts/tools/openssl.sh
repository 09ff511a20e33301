#!/usr/bin/env bash
# openssl makes the TLS certificates of the docker CLI tests (server, client, and a rogue CA).
set -eu
. "$(dirname "$0")/apt.sh.inc"
command -v openssl >/dev/null && exit 0
echo "installing Debian's openssl (the TLS tests make their certificates with it)" >&2
apt_install openssl
command -v openssl >/dev/null
