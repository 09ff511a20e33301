#!/bin/bash
# Debian's python3-requests for /usr/bin/python3 (the Python client story of the Photon tests).
# Idempotent: exits at once when /usr/bin/python3 can import requests.
set -euo pipefail
if /usr/bin/python3 -c "import requests" 2>/dev/null; then exit 0; fi
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-requests >/dev/null
  /usr/bin/python3 -c "import requests"
else
  echo "python3-requests: missing; run: sudo apt-get install -y python3-requests" >&2
  exit 1
fi
