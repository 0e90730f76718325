#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (test/playground.browser.test.ts).
# playwright-core drives it through executablePath; no browser build is downloaded.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
