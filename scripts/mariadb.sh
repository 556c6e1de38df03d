#!/usr/bin/env bash
# A throwaway MariaDB for the test suite, on a loopback port with its data in
# a temporary folder.
#
#   scripts/mariadb.sh run CMD...   start a server, run CMD with
#                                   SUNLIGHT_TEST_MYSQL_DSN set, stop the server
#   scripts/mariadb.sh start DIR    start a server with its state in DIR,
#                                   print the DSN
#   scripts/mariadb.sh stop DIR     stop the server started in DIR
#
# When SUNLIGHT_TEST_MYSQL_DSN is already set, `run` uses that server.
set -euo pipefail

need_server() {
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "mariadb.sh: installing Debian's mariadb-server" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends mariadb-server >&2
    return 0
  fi
  echo "mariadb.sh: MariaDB is not installed and this is not root: install mariadb-server or set SUNLIGHT_TEST_MYSQL_DSN" >&2
  exit 1
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "mariadb.sh: no free port found" >&2; exit 1
}

start() {
  local dir=$1
  need_server
  local mariadbd=mariadbd; command -v mariadbd >/dev/null 2>&1 || mariadbd=/usr/sbin/mariadbd
  local user; user=$(id -un)
  mkdir -p "$dir"
  mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 || {
      cat "$dir/install.log" >&2; exit 1; }
  local port; port=$(free_port)
  # Durable like production: InnoDB flushes its log at every commit.
  "$mariadbd" --no-defaults --datadir="$dir/data" --user="$user" --bind-address=127.0.0.1 \
    --port="$port" --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
    --log-error="$dir/error.log" --skip-name-resolve --max-connections=1000 \
    --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=1 --innodb-log-file-size=256M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --wait-timeout=600 >/dev/null 2>&1 &
  echo "$port" >"$dir/port"
  for _ in $(seq 1 120); do
    if mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1; then
      mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot -e \
        "CREATE USER IF NOT EXISTS 'sunlight'@'127.0.0.1' IDENTIFIED BY 'sunlight';
         GRANT ALL PRIVILEGES ON *.* TO 'sunlight'@'127.0.0.1' WITH GRANT OPTION;" >&2
      echo "mysql://sunlight:sunlight@127.0.0.1:$port/"
      return 0
    fi
    sleep 0.5
  done
  echo "mariadb.sh: MariaDB did not start; its log:" >&2
  tail -n 30 "$dir/error.log" >&2 || true
  exit 1
}

stop() {
  local dir=$1
  if [ -f "$dir/mysqld.pid" ]; then
    local pid; pid=$(cat "$dir/mysqld.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  run)
    shift
    if [ -n "${SUNLIGHT_TEST_MYSQL_DSN:-}" ]; then exec "$@"; fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/sunlight-mariadb.XXXXXX")
    trap 'stop "$dir"' EXIT INT TERM
    SUNLIGHT_TEST_MYSQL_DSN=$(start "$dir")
    export SUNLIGHT_TEST_MYSQL_DSN
    echo "mariadb.sh: MariaDB $(mariadb --version | awk '{print $5}' | tr -d ,) on ${SUNLIGHT_TEST_MYSQL_DSN#*@}" >&2
    "$@"
    ;;
  *) echo "usage: $0 run CMD... | start DIR | stop DIR" >&2; exit 2 ;;
esac
