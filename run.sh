#!/usr/bin/env bash
# Prepare the database, then serve. RELOAD=1 restarts the server when code changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON=${PYTHON:-python}

./prestart.sh

# The app writes one log line per request itself; on SIGTERM uvicorn stops accepting,
# lets requests in flight finish (at most SHUTDOWN_TIMEOUT seconds), then runs the
# lifespan shutdown, which closes the pool. exec: the signal reaches uvicorn itself.
# --no-proxy-headers: uvicorn would take X-Forwarded-For from any local peer; the app
# decides whom to believe (TRUSTED_PROXIES, app/api/client.py).
args=(app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8001}" --no-access-log
  --no-proxy-headers --timeout-graceful-shutdown "${SHUTDOWN_TIMEOUT:-30}")
if [ "${RELOAD:-0}" = 1 ]; then
  args+=(--reload)
fi
exec "$PYTHON" -m uvicorn "${args[@]}"
