#!/usr/bin/env bash
# The benchmark in one command: install what it needs (the project with the bench group,
# Debian's wrk), then bench/run.py, or with `recipes` first bench/recipes.py (real
# recipes, issue 13). Other arguments go to the script (--quick for a smoke run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_poetry.sh
source scripts/_local.sh

if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: installing Debian's wrk" >&2
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq wrk >&2
fi
"$POETRY" install --all-extras --with bench
if [ "${1:-}" = recipes ]; then
  shift
  exec "$POETRY" run python -m bench.recipes "$@"
fi
exec "$POETRY" run python bench/run.py "$@"
