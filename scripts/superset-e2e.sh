#!/usr/bin/env bash
# The real-Superset suite (test/e2e/superset.e2e.ts): Superset 5.0 from PyPI in a cached venv, started on
# 127.0.0.1 with SQLite metadata and an admin user, Debian's Chromium for the screenshots, and the
# PostgreSQL 15 at $CDC_TEST_PG_URL (.ci/run starts it). Anything missing is a failure, never a skip.
#   usage: CDC_TEST_PG_URL=postgres://… bash scripts/superset-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CDC_TEST_PG_URL:?the real-Superset suite needs CDC_TEST_PG_URL (a PostgreSQL 15 server)}"

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium for the dashboard screenshots"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

venv="$(bash scripts/superset-venv.sh)"
export SUPERSET_VENV="$venv"
state="$(mktemp -d /tmp/cdc-superset.XXXXXX)"
port="${CDC_SUPERSET_PORT:-18089}"
SUPERSET_PASSWORD="admin-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SUPERSET_PASSWORD SUPERSET_ADMIN_PASSWORD="$SUPERSET_PASSWORD"
SUPERSET_URL="$(bash scripts/superset-serve.sh "$venv" "$state" "$port")"
export SUPERSET_URL
stop_superset() {
  if [ -f "$state/superset.pid" ]; then kill "$(cat "$state/superset.pid")" 2>/dev/null || true; fi
  sleep 1
  rm -rf "$state"
}
trap stop_superset EXIT
echo "== Superset $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("apache-superset"))') at $SUPERSET_URL"

npm run build >/dev/null
npx vitest run --config vitest.e2e.config.ts
echo "== screenshots in test-output/superset/"
