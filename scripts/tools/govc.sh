#!/bin/bash
# govc + vcsim 0.24.2, built offline from Debian bookworm's source package (the binary package leaves
# govc/ and vcsim/ out). Idempotent: exits 0 at once when both binaries are in the cache.
#   cache: $VICSIM_TOOLS/govmomi (default ~/.cache/vicsim/govmomi); binaries in its bin/
# Needs root for apt (about 1 minute on 2 cores: apt ~20 s, go build ~30 s).
set -euo pipefail
DEST=${VICSIM_TOOLS:-$HOME/.cache/vicsim}/govmomi
if [ -x "$DEST/bin/govc" ] && [ -x "$DEST/bin/vcsim" ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "govc is missing: run as root: bash $(realpath "$0")" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -o DPkg::Lock::Timeout=900"
$APT update -qq
$APT install -y -qq golang-go golang-github-google-uuid-dev golang-github-kr-pretty-dev dpkg-dev >/dev/null
if [ -z "$(apt-cache showsrc golang-github-vmware-govmomi 2>/dev/null)" ]; then
  cat > /etc/apt/sources.list.d/debian-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $APT update -qq
fi
SRCDIR=$(mktemp -d)
trap 'rm -rf "$SRCDIR"' EXIT
(cd "$SRCDIR" && apt-get source -qq golang-github-vmware-govmomi=0.24.2-3 >/dev/null 2>&1)
mkdir -p "$DEST/gopath/src/github.com/vmware" "$DEST/bin"
rm -rf "$DEST/gopath/src/github.com/vmware/govmomi"
cp -a "$SRCDIR"/golang-github-vmware-govmomi-0.24.2 "$DEST/gopath/src/github.com/vmware/govmomi"
cd "$DEST/gopath/src/github.com/vmware/govmomi"
# GOPATH order matters: the full source first, Debian's govc-less copy second.
export GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$DEST/gopath:/usr/share/gocode" GOCACHE="$DEST/gocache"
go build -o "$DEST/bin/govc.tmp" ./govc && mv "$DEST/bin/govc.tmp" "$DEST/bin/govc"
go build -o "$DEST/bin/vcsim.tmp" ./vcsim && mv "$DEST/bin/vcsim.tmp" "$DEST/bin/vcsim"
echo "govc and vcsim built in $DEST/bin"
