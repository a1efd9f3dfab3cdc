#!/usr/bin/env bash
# Installs Debian's Chromium and its WebDriver (for the page's browser tests) unless both are
# already on PATH. Idempotent; needs root (apt-get).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
