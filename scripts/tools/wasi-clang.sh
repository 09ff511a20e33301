#!/bin/sh
# Debian's clang with wasi-libc: builds C to wasm32-wasi for the WASI guest tests.
# Exits 0 at once when it already builds a WASI program; otherwise installs it with apt (as root).
set -e
probe() {
  dir=$(mktemp -d)
  printf 'int main(void){return 0;}\n' > "$dir/t.c"
  clang --target=wasm32-wasi -O2 "$dir/t.c" -o "$dir/t.wasm" >/dev/null 2>&1
  ok=$?
  rm -rf "$dir"
  return $ok
}
if command -v clang >/dev/null 2>&1 && probe; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "clang for wasm32-wasi is missing; run: apt-get install -y --no-install-recommends clang lld wasi-libc libclang-rt-14-dev-wasm32" >&2
  exit 1
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang lld wasi-libc libclang-rt-14-dev-wasm32 >/dev/null \
  || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang lld wasi-libc libclang-rt-14-dev-wasm32 >/dev/null; }
probe || { echo "clang installed but cannot build for wasm32-wasi" >&2; exit 1; }
