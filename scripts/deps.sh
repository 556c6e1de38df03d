#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing:
# MariaDB (database tests), zbar-tools (QR decoding), Chromium (browser tests).
# Only as root with apt-get; otherwise it says what is missing and lets the
# tests that need it fail with their own message.
set -euo pipefail
missing=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
