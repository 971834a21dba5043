#!/usr/bin/env bash
# Prepare the database, then serve. RELOAD=1 restarts the server when code changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON=${PYTHON:-python}

./prestart.sh

args=(app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8001}")
if [ "${RELOAD:-0}" = 1 ]; then
  args+=(--reload)
fi
exec "$PYTHON" -m uvicorn "${args[@]}"
