#!/usr/bin/env bash
# Prepare the database, then serve. RELOAD=1 restarts the server when code changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON=${PYTHON:-python}

# Check every setting first, so a wrong one stops everything with one line: a worker
# that failed on one would be started again and again by uvicorn. Prints WORKERS as the
# settings read it, .env included.
workers=$("$PYTHON" -m app.core.config)

# Once, before any worker starts. PRESTART=0 skips it: a cluster migrates and seeds in a
# job of its own, then starts its instances.
if [ "${PRESTART:-1}" != 0 ]; then
  ./prestart.sh
fi

# The app writes one log line per request itself; on SIGTERM uvicorn stops accepting,
# lets requests in flight finish (at most SHUTDOWN_TIMEOUT seconds), then runs the
# lifespan shutdown, which closes the pool.
# --no-proxy-headers: uvicorn would take X-Forwarded-For from any local peer; the app
# decides whom to believe (TRUSTED_PROXIES, app/api/client.py).
# --timeout-keep-alive: how long an idle client connection stays open (KEEP_ALIVE_TIMEOUT,
# 5 s). Behind HAProxy it is longer than the proxy keeps one idle (5 s, deploy/haproxy.cfg),
# so only the proxy closes one, never while it sends a request on it (scripts/cluster.sh).
# --workers: uvicorn's own supervisor starts them, starts another when one dies, and
# passes SIGTERM on to each.
args=(app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8001}" --no-access-log
  --no-proxy-headers --timeout-keep-alive "${KEEP_ALIVE_TIMEOUT:-5}"
  --timeout-graceful-shutdown "${SHUTDOWN_TIMEOUT:-30}"
  --workers "$workers")
if [ "${RELOAD:-0}" = 1 ]; then
  # One process, restarted on changes; uvicorn ignores --workers.
  args+=(--reload)
fi

# One process: its metrics live in its memory (app/metrics.py). exec: signals reach
# uvicorn itself.
if [ "$workers" = 1 ] || [ "${RELOAD:-0}" = 1 ]; then
  unset PROMETHEUS_MULTIPROC_DIR
  exec "$PYTHON" -m uvicorn "${args[@]}"
fi

# Several: the workers keep their metrics in files in a fresh directory, which /metrics
# adds up; none may be left from an earlier run. This shell stays to remove it at the
# end, passing SIGTERM (or Ctrl-C) on to uvicorn meanwhile.
PROMETHEUS_MULTIPROC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/recipes-metrics.XXXXXX")
export PROMETHEUS_MULTIPROC_DIR
trap 'rm -rf "$PROMETHEUS_MULTIPROC_DIR"' EXIT
"$PYTHON" -m uvicorn "${args[@]}" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' TERM INT
# SIGHUP asks uvicorn to replace its workers one by one.
trap 'kill -HUP "$server" 2>/dev/null || true' HUP
# A signal ends a wait early, while uvicorn still drains: wait until it has exited.
while kill -0 "$server" 2>/dev/null; do
  wait "$server" || true
done
# Its exit status, which the shell kept: run.sh ends with it.
wait "$server"
