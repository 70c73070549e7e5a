#!/usr/bin/env bash
# What the test suite needs besides Python packages: Debian's Chromium for the browser tests
# (Playwright cannot download its own browser here). Installs it when missing and possible.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: install Debian's chromium package (sudo apt-get install chromium) for the browser tests." >&2
    exit 1
  fi
fi
