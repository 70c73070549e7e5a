#!/usr/bin/env bash
# What the test suite needs besides Python packages: Debian's Chromium for the browser tests
# (Playwright cannot download its own browser here), and GNU gettext's xgettext, with which a
# test extracts the sources' messages to find any the German catalogue lacks. Installs what is
# missing when possible.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's ${missing[*]} for the tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "${missing[*]} missing: install Debian's package(s) (sudo apt-get install ${missing[*]}) for the tests." >&2
  exit 1
fi
