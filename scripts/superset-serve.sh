#!/usr/bin/env bash
# Starts Apache Superset 5.0 from the venv of scripts/superset-venv.sh on 127.0.0.1 with a SQLite metadata
# database in a fresh folder and an admin user, waits until it answers, and prints its URL. The caller
# stops it with: kill "$(cat "$dir/superset.pid")".
#   usage: url=$(bash scripts/superset-serve.sh "$venv" /tmp/cdc-superset 18088)
set -euo pipefail
venv="${1:?venv folder}"
dir="${2:?state folder}"
port="${3:-18088}"
rm -rf "$dir"
mkdir -p "$dir"

cat >"$dir/superset_config.py" <<EOF
# Test-only configuration: a throwaway SQLite metadata database and a random secret key.
SECRET_KEY = "$(head -c 24 /dev/urandom | base64)"
SQLALCHEMY_DATABASE_URI = "sqlite:///$dir/superset.db"
# The examples and the telemetry beacon reach outside this machine.
SUPERSET_LOAD_EXAMPLES = False
SCARF_ANALYTICS = False
WTF_CSRF_ENABLED = True
TALISMAN_ENABLED = False
FEATURE_FLAGS = {}
EOF
export SUPERSET_CONFIG_PATH="$dir/superset_config.py" FLASK_APP=superset SUPERSET_HOME="$dir/home"
log="$dir/superset.log"
"$venv/bin/superset" db upgrade >>"$log" 2>&1
"$venv/bin/superset" fab create-admin --username admin --firstname Admin --lastname CI \
  --email admin@example.invalid --password "${SUPERSET_ADMIN_PASSWORD:-admin}" >>"$log" 2>&1
"$venv/bin/superset" init >>"$log" 2>&1
# gunicorn as in Superset's own images: the flask dev server serves one request at a time.
nohup "$venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 2 --threads 4 --timeout 120 \
  --pid "$dir/superset.pid" "superset.app:create_app()" >>"$log" 2>&1 &
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
    echo "http://127.0.0.1:$port"
    exit 0
  fi
  sleep 1
done
echo "Superset did not answer on 127.0.0.1:$port within 120 s; log: $log" >&2
tail -n 40 "$log" >&2
exit 1
