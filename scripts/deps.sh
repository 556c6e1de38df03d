#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing:
# MariaDB (database tests), zbar-tools (QR decoding), Chromium, Node and a
# Chinese font (browser tests), and the browser tests' Node packages from their
# lockfile.
# Only as root with apt-get; otherwise it says what is missing and lets the
# tests that need it fail with their own message.
set -euo pipefail
missing=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
# A Chinese font, so the browser test's screenshots show text, not boxes
# (the tests read the DOM and pass without it).
{ command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; } || missing+=(fonts-wqy-zenhei)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
  else
    echo "deps.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
# The browser tests' Node packages, exactly as locked (playwright-core only:
# it drives Debian's Chromium and never downloads a browser).
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$here/e2e/package-lock.json" ] && command -v npm >/dev/null 2>&1; then
  if ! cmp -s "$here/e2e/package-lock.json" "$here/e2e/node_modules/.package-lock.json" 2>/dev/null; then
    (cd "$here/e2e" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
