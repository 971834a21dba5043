#!/usr/bin/env bash
# The benchmark in one command: install what it needs (the project with the bench group,
# Debian's wrk), then bench/run.py; with `recipes` first bench/recipes.py (real recipes,
# issue 13); with `postgresql` first bench/postgresql.py (PostgreSQL, one and two
# workers and HAProxy, which it installs from Debian when missing). Other arguments go
# to the script (--quick for a smoke run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_poetry.sh
source scripts/_local.sh

source scripts/_debian.sh

debian_install wrk wrk
if [ "${1:-}" = postgresql ] && ! command -v haproxy >/dev/null 2>&1; then
  debian_install /usr/sbin/haproxy haproxy
fi
"$POETRY" install --all-extras --with bench
if [ "${1:-}" = recipes ]; then
  shift
  exec "$POETRY" run python -m bench.recipes "$@"
fi
if [ "${1:-}" = postgresql ]; then
  shift
  exec "$POETRY" run python -m bench.postgresql "$@"
fi
exec "$POETRY" run python bench/run.py "$@"
