#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the test suite.
#   scripts/pg-test.sh start   start it (initialising a fresh cluster) and print its URL
#   scripts/pg-test.sh stop    stop it and delete the cluster
#   scripts/pg-test.sh url     print the URL of the running server
set -euo pipefail

PORT="${CIVHARM_PG_PORT:-54329}"
STATE_DIR="$(cd "$(dirname "$0")/.." && pwd)/.pgtest"
URL="postgresql://civharm@127.0.0.1:${PORT}/civharm"

pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  echo "PostgreSQL server binaries not found; install Debian's 'postgresql' package" >&2
  return 1
}

as_owner() {
  # initdb and postgres refuse to run as root: use the 'postgres' account then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin data
  bin="$(pg_bin)"
  stop quiet
  mkdir -p "$STATE_DIR"
  data="$(mktemp -d /tmp/civharm-pgtest.XXXXXX)"
  echo "$data" > "$STATE_DIR/$PORT.data_dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$data"; fi
  as_owner "$bin/initdb" -D "$data" -U civharm -A trust -E UTF8 --locale=C.UTF-8 >"$data.log" 2>&1 \
    || { cat "$data.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $data -c fsync=off -c full_page_writes=off" \
    start >/dev/null
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$PORT" -U civharm civharm
  echo "$URL"
}

stop() {
  local bin data
  [ -f "$STATE_DIR/$PORT.data_dir" ] || { [ "${1:-}" = quiet ] || echo "no test server running"; return 0; }
  data="$(cat "$STATE_DIR/$PORT.data_dir")"
  bin="$(pg_bin)"
  if [ -d "$data" ]; then
    as_owner "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$data" "$data.log"
  fi
  rm -f "$STATE_DIR/$PORT.data_dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
