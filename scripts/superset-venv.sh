#!/usr/bin/env bash
# Creates (once per machine) a Python virtual environment with Apache Superset 5.0 for the real-Superset
# test and prints its folder. Cached under $CDC_SUPERSET_CACHE (default /var/cache/cdc-compile, else
# ~/.cache/cdc-compile), keyed by the pins below: a change of pins builds a new venv.
#   usage: venv=$(bash scripts/superset-venv.sh)
set -euo pipefail

# Superset 5.0.0 is the only 5.0.x release on PyPI. Its install_requires leave some neighbours open:
# marshmallow 4 removed APIs Superset 5 uses; setuptools >= 81 dropped pkg_resources, still imported;
# psycopg2-binary is the PostgreSQL driver the analytics database connection needs.
PINS=(
  "apache-superset==5.0.0"
  "marshmallow>=3.18,<4"
  "setuptools<81"
  "psycopg2-binary==2.9.10"
)
key="$(printf '%s\n' "${PINS[@]}" "$(python3 --version 2>&1)" | sha256sum | cut -c1-12)"

cache="${CDC_SUPERSET_CACHE:-}"
if [ -z "$cache" ]; then
  if mkdir -p /var/cache/cdc-compile 2>/dev/null && [ -w /var/cache/cdc-compile ]; then cache=/var/cache/cdc-compile
  else cache="$HOME/.cache/cdc-compile"; fi
fi
venv="$cache/superset-5.0-$key"
if [ -x "$venv/bin/superset" ] && [ -f "$venv/.complete" ]; then
  echo "$venv"
  exit 0
fi

mkdir -p "$cache"
rm -rf "$venv"
echo "== creating the Superset venv at $venv (once per machine; takes minutes)" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip wheel >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}" >&2
"$venv/bin/python" -c "import importlib.metadata as m; print(\"superset\", m.version(\"apache-superset\"))" >&2
touch "$venv/.complete"
echo "$venv"
