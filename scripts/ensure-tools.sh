#!/usr/bin/env bash
# Makes sure every external tool the tests drive is present: runs each scripts/tools/<tool>.sh (one
# idempotent script per tool: exits 0 when the tool is there, installs it when it can, or exits 1
# printing the exact command to run). Runs all of them, then fails if any failed, so one run lists
# everything that is missing. `npm test` runs this first (pretest).
set -u
cd "$(dirname "$0")/tools"
export DEBIAN_FRONTEND=noninteractive
failed=()
for tool in *.sh; do
  [ -e "$tool" ] || continue
  if ! bash "./$tool"; then failed+=("${tool%.sh}"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "ensure-tools: missing ${failed[*]} (see the commands above); the tests need them" >&2
  exit 1
fi
