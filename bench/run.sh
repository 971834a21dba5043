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

packages=()
command -v wrk >/dev/null 2>&1 || packages+=(wrk)
if [ "${1:-}" = postgresql ] && ! command -v haproxy >/dev/null 2>&1 &&
  [ ! -x /usr/sbin/haproxy ]; then
  packages+=(haproxy)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  echo "bench: installing Debian's ${packages[*]}" >&2
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${packages[@]}" >&2
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
