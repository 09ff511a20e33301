#!/bin/bash
# VMware's `photon` CLI v1.1.1, built offline from the source tarball in <repo>/../shared/photon/cli/ with
# Debian's Go into <repo>/.tools/photon-cli/photon. Idempotent: exits at once when the binary is there.
# usage: bash scripts/tools/photon-cli.sh        (prints the binary's path)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST="$ROOT/.tools/photon-cli"
if [ -x "$DEST/photon" ]; then echo "$DEST/photon"; exit 0; fi
SRC="${PHOTON_CLI_SRC:-$ROOT/../shared/photon/cli}"
for s in "$SRC" /work/shared/photon/cli; do
  if [ -f "$s/build-photon-cli.sh" ]; then SRC=$s; break; fi
done
if [ ! -f "$SRC/build-photon-cli.sh" ]; then
  echo "photon-cli: the CLI source is not at $SRC; set PHOTON_CLI_SRC to the folder holding build-photon-cli.sh" >&2
  exit 1
fi
if ! command -v go >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  else
    echo "photon-cli: Go is missing; run: sudo apt-get install -y golang-go" >&2
    exit 1
  fi
fi
bash "$SRC/build-photon-cli.sh" "$DEST" >/dev/null
# the GOPATH copy of the source and the build cache are not needed once the binary exists
rm -rf "$DEST/gopath" "$DEST/gocache"
echo "$DEST/photon"
