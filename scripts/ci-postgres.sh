#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server with wal_level=logical on 127.0.0.1 for the replication tests and
# prints its URL on stdout. Stop it with: pg_ctl -D "$(dirname of the data dir)" stop (the caller traps it).
#   usage: url=$(bash scripts/ci-postgres.sh /tmp/cdc-pg-data 54329)
set -euo pipefail
data="${1:?data directory}"
port="${2:-54329}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bin/initdb" ] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }
rm -rf "$data"
mkdir -p "$data"
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$data"
as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c wal_level=logical -c max_replication_slots=20 -c max_wal_senders=20 -c fsync=off" \
  start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
