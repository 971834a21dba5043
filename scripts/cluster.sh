#!/usr/bin/env bash
# Serve the app as production does, on this machine: several instances of run.sh on one
# PostgreSQL database, behind HAProxy (deploy/haproxy.cfg), optionally with PgBouncer in
# transaction mode (deploy/pgbouncer.ini) between them and PostgreSQL.
#
#   scripts/cluster.sh up          prestart once, then PgBouncer, HAProxy, the instances
#   scripts/cluster.sh status      each process's pid and port, as HAProxy sees them
#   scripts/cluster.sh down        stop everything `up` started, and nothing else
#   scripts/cluster.sh kill N      SIGKILL instance N (a crash)
#   scripts/cluster.sh start N     start instance N again, and put it back in the proxy
#   scripts/cluster.sh restart N   take N out of the proxy, SIGTERM it, start it again
#
# Settings (environment):
#   DATABASE_URL   PostgreSQL (required); prestart migrates it directly
#   INSTANCES      how many app instances (3)
#   PROXY_PORT     the proxy's port (8080); 0: any free one, shown by `status`
#   PROXY_ADDRESS  the address it listens on (127.0.0.1)
#   PGBOUNCER=1    instances reach PostgreSQL through PgBouncer (transaction mode)
#   REDIS_URL      passed on, so rate limits are shared by the instances
#   PUBLIC_BASE_URL  the URL clients use (http://127.0.0.1:PROXY_PORT); the proxy
#                  answers only requests for its host (421 Misdirected Request otherwise)
#   PROXY_SOURCE   the loopback address the proxy connects from (127.0.0.2); it is the
#                  instances' TRUSTED_PROXIES, so a local client's X-Forwarded-For is not
#   CLUSTER_DIR    pids, ports, logs and generated configs (.cluster/ in the project)
#   PGBOUNCER_USER the Unix user PgBouncer runs as when started as root (nobody)
# Every other setting of the app (SECRET_KEY, ENVIRONMENT, WORKERS, ...) is passed on to
# the instances as `up` found it; without SECRET_KEY, `up` makes one for them to share.
# HAProxy, and PgBouncer when asked for, are installed from Debian when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PROJECT=$PWD
source scripts/_debian.sh
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=$PROJECT/.venv/bin/python; else PYTHON=python3; fi
fi
CLUSTER_DIR=${CLUSTER_DIR:-$PROJECT/.cluster}
# The later commands work on as many instances as `up` started.
if [ -z "${INSTANCES:-}" ] && [ -f "$CLUSTER_DIR/instances" ]; then
  INSTANCES=$(cat "$CLUSTER_DIR/instances")
fi
INSTANCES=${INSTANCES:-3}
PROXY_ADDRESS=${PROXY_ADDRESS:-127.0.0.1}
PROXY_PORT=${PROXY_PORT:-8080}
PROXY_SOURCE=${PROXY_SOURCE:-127.0.0.2}
PGBOUNCER=${PGBOUNCER:-0}
PGBOUNCER_USER=${PGBOUNCER_USER:-nobody}
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
PGBOUNCER_BIN=${PGBOUNCER_BIN:-/usr/sbin/pgbouncer}
STARTUP_SECONDS=${STARTUP_SECONDS:-60}
# uvicorn's own grace period (run.sh) plus a little, before SIGKILL.
STOP_SECONDS=$((${SHUTDOWN_TIMEOUT:-30} + 5))
STATS_SOCKET=$CLUSTER_DIR/haproxy.sock
PGBOUNCER_DIR=$CLUSTER_DIR/pgbouncer
BACKEND=app

say() { echo "cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# --- Installing ------------------------------------------------------------------------

# --- Processes -------------------------------------------------------------------------

# A pid file holds "pid start-time": the start time (from /proc) tells our process from
# another that got the same pid after ours died, so nothing else is ever signalled. A
# zombie (dead, not yet reaped by whoever inherited it) has none. The fields are
# counted after the command name, which may contain spaces.
start_time() {
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" { print $20 }'
}

record_pid() {
  local pid=$1 file=$2 started
  started=$(start_time "$pid") || true
  echo "$pid ${started:-?}" >"$file"
}

# The pid recorded in `file`, if that process is still the one recorded.
live_pid() {
  local file=$1 pid started
  [ -f "$file" ] || return 1
  read -r pid started <"$file"
  [ -n "$pid" ] && [ "$(start_time "$pid")" = "$started" ] || return 1
  echo "$pid"
}

# Every process we start leads a process group of its own (setsid), so a signal to the
# group also reaches what it started (uvicorn's workers, with WORKERS > 1).
signal_group() { kill "-$1" -- "-$2" 2>/dev/null || true; }

wait_gone() {
  local pid=$1 seconds=$2 started
  started=$(start_time "$pid")
  for ((i = 0; i < seconds * 10; i++)); do
    [ -n "$started" ] && [ "$(start_time "$pid")" = "$started" ] || return 0
    sleep 0.1
  done
  return 1
}

# SIGTERM, then SIGKILL after `seconds`; the pid file goes once the process has.
stop_recorded() {
  local file=$1 seconds=$2 pid
  if pid=$(live_pid "$file"); then
    signal_group TERM "$pid"
    if ! wait_gone "$pid" "$seconds"; then
      say "$(basename "$file" .pid) (pid $pid) ignored SIGTERM for $seconds s; SIGKILL"
      signal_group KILL "$pid"
      wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
    fi
  fi
  rm -f "$file"
}

# --- HAProxy's runtime API -------------------------------------------------------------

# One command to the stats socket; prints the answer. bash cannot speak to a Unix socket
# and socat is not everywhere, Python is.
haproxy_api() {
  "$PYTHON" -c '
import socket, sys
with socket.socket(socket.AF_UNIX) as api:
    api.settimeout(10)
    api.connect(sys.argv[1])
    api.sendall(sys.argv[2].encode() + b"\n")
    answer = b""
    while chunk := api.recv(65536):
        answer += chunk
sys.stdout.write(answer.decode())
' "$STATS_SOCKET" "$*"
}

# The status HAProxy gives server N of the backend (UP, DOWN, MAINT, ...).
proxy_status() {
  haproxy_api "show stat" | awk -F, -v sv="$BACKEND$1" -v px="$BACKEND" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") col = i }
    $1 == px && $2 == sv { print $col }'
}

# Point server slot N at `port` and put it in service, once the instance says it is
# ready: HAProxy counts a server that leaves maintenance as up at once, before its first
# check. Returns when HAProxy sees it up.
proxy_enable() {
  local n=$1 port=$2 answer
  "$PYTHON" -c '
import sys, time, urllib.request

url, seconds = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + seconds
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"cluster: {url} did not answer 200 within {seconds:g} s")
    time.sleep(0.1)
' "http://127.0.0.1:$port/health/ready" "$STARTUP_SECONDS"
  answer=$(haproxy_api "set server $BACKEND/$BACKEND$n addr 127.0.0.1 port $port")
  case $answer in
    *"no need to change"* | *"changed"*) ;;
    *) die "HAProxy refused app$n's address: $answer" ;;
  esac
  haproxy_api "set server $BACKEND/$BACKEND$n state ready" >/dev/null
  for ((i = 0; i < STARTUP_SECONDS * 10; i++)); do
    [ "$(proxy_status "$n")" = UP ] && return 0
    sleep 0.1
  done
  die "HAProxy does not see app$n (port $port) up after ${STARTUP_SECONDS} s"
}

# Take slot N out of service and wait (a while) for the requests it is serving.
proxy_disable() {
  local n=$1 busy
  haproxy_api "set server $BACKEND/$BACKEND$n state maint" >/dev/null
  for ((i = 0; i < STOP_SECONDS * 10; i++)); do
    busy=$(haproxy_api "show stat" | awk -F, -v sv="$BACKEND$n" -v px="$BACKEND" '
      NR == 1 { for (i = 1; i <= NF; i++) if ($i == "scur") col = i }
      $1 == px && $2 == sv { print $col }')
    [ "${busy:-0}" = 0 ] && return 0
    sleep 0.1
  done
}

# --- The instances ---------------------------------------------------------------------

check_instance() {
  [[ $1 =~ ^[1-9][0-9]*$ ]] && [ "$1" -le "$INSTANCES" ] ||
    die "no instance $1: instances are 1 to $INSTANCES"
}

# Start instance N with the environment `up` recorded, on a port uvicorn chooses (it
# binds port 0 itself, so no other process can take the port between choosing and
# binding it).
launch_instance() {
  local n=$1 log=$CLUSTER_DIR/app$1.log env=()
  if live_pid "$CLUSTER_DIR/app$n.pid" >/dev/null; then
    die "app$n is already running"
  fi
  if [ -f "$log" ]; then
    mv "$log" "$log.1"
  fi
  rm -f "$CLUSTER_DIR/app$n.port"
  mapfile -d '' env <"$CLUSTER_DIR/instance.env"
  env -i "${env[@]}" setsid "$PROJECT/run.sh" >"$log" 2>&1 </dev/null &
  record_pid "$!" "$CLUSTER_DIR/app$n.pid"
}

# Wait until instance N reports the port it listens on.
await_instance() {
  local n=$1 log=$CLUSTER_DIR/app$1.log pid port
  read -r pid _ <"$CLUSTER_DIR/app$n.pid"
  for ((i = 0; i < STARTUP_SECONDS * 10; i++)); do
    port=$(sed -n 's|.*Uvicorn running on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$log" | head -n1)
    if [ -n "$port" ]; then
      echo "$port" >"$CLUSTER_DIR/app$n.port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || {
      tail -n 30 "$log" >&2
      die "app$n exited before listening; its log: $log"
    }
    sleep 0.1
  done
  die "app$n not listening after ${STARTUP_SECONDS} s; its log: $log"
}

# --- PgBouncer -------------------------------------------------------------------------

# Writes PgBouncer's config for DATABASE_URL; prints the URL the instances use instead.
configure_pgbouncer() {
  mkdir -p "$PGBOUNCER_DIR"
  "$PYTHON" - "$DATABASE_URL" "$PGBOUNCER_DIR" "$PROJECT/deploy/pgbouncer.ini" <<'EOF'
import sys
from pathlib import Path

from sqlalchemy.engine import URL, make_url

url, directory, shared = make_url(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if url.get_backend_name() != "postgresql":
    sys.exit(f"PgBouncer needs a PostgreSQL DATABASE_URL, not {url.get_backend_name()}")
name, user = url.database or "postgres", url.username or "postgres"
host = url.query.get("host") or url.host or "127.0.0.1"
port = url.query.get("port") or url.port or 5432


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


(directory / "userlist.txt").write_text(f"{quoted(user)} {quoted(url.password or '')}\n")
(directory / "pgbouncer.ini").write_text(
    "[databases]\n"
    f"{name} = host={host} port={port} dbname={name}\n"
    f"%include {shared}\n"
    # The listening socket comes ready-made (start_pgbouncer); none of its own.
    "unix_socket_dir =\n"
    f"auth_file = {directory / 'userlist.txt'}\n"
)
# The instances' URL: the same database and user, on PgBouncer's socket; no password,
# PgBouncer has it.
socket = {"host": str(directory), "port": "6432"}
local = URL.create(url.drivername, username=user, database=name, query=socket)
print(local.render_as_string(hide_password=False))
EOF
}

# PgBouncer gets its listening socket already made, as systemd's socket activation hands
# it over (LISTEN_FDS): a Unix socket in PGBOUNCER_DIR, where the instances connect. No
# TCP port to choose, and a PgBouncer started as root, which then runs as
# PGBOUNCER_USER (it refuses to run as root), needs no access to the directory.
start_pgbouncer() {
  local socket=$PGBOUNCER_DIR/.s.PGSQL.6432 pid
  [ "${#socket}" -lt 100 ] || die "CLUSTER_DIR is too long for a Unix socket path: $socket"
  if [ "$(id -u)" -eq 0 ]; then
    echo "user = $PGBOUNCER_USER" >>"$PGBOUNCER_DIR/pgbouncer.ini"
  fi
  rm -f "$socket"
  setsid "$PYTHON" -c '
import os, socket, sys

path, *command = sys.argv[1:]
listener = socket.socket(socket.AF_UNIX)
listener.bind(path)
listener.listen(1024)
# sd_listen_fds(3): the sockets start at fd 3, and LISTEN_PID names their receiver,
# which is this process once it has become PgBouncer.
if listener.fileno() != 3:
    os.dup2(listener.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execv(command[0], command)
' "$socket" "$PGBOUNCER_BIN" "$PGBOUNCER_DIR/pgbouncer.ini" \
    >"$CLUSTER_DIR/pgbouncer.log" 2>&1 </dev/null &
  pid=$!
  record_pid "$pid" "$CLUSTER_DIR/pgbouncer.pid"
  for ((i = 0; i < 100; i++)); do
    grep -q "process up" "$CLUSTER_DIR/pgbouncer.log" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$CLUSTER_DIR/pgbouncer.log" >&2
  die "PgBouncer did not start; its log: $CLUSTER_DIR/pgbouncer.log"
}

# --- HAProxy ---------------------------------------------------------------------------

# HAProxy gets its listening socket already bound (bind "fd@${PROXY_FD}"), by a small
# Python step that binds PROXY_PORT (0: the kernel picks), writes down the port, and
# execs HAProxy in its own place (same pid) with the socket open.
start_haproxy() {
  local pid
  [ "${#STATS_SOCKET}" -lt 100 ] || die "CLUSTER_DIR is too long for a Unix socket path"
  rm -f "$CLUSTER_DIR/proxy.port"
  INSTANCES=$INSTANCES PROXY_SOURCE=$PROXY_SOURCE STATS_SOCKET=$STATS_SOCKET setsid "$PYTHON" -c '
import os, socket, sys
from urllib.parse import urlsplit

port_file, address, port, *command = sys.argv[1:]
listener = socket.create_server((address, int(port)), backlog=1024)
listener.set_inheritable(True)
port = str(listener.getsockname()[1])
os.environ["PROXY_FD"] = str(listener.fileno())
# The Host the proxy answers for: that of PUBLIC_BASE_URL, or its own address.
public = os.environ.get("PUBLIC_BASE_URL")
os.environ["PUBLIC_HOST"] = urlsplit(public).netloc.lower() if public else f"{address}:{port}"
with open(port_file + ".new", "w") as file:
    file.write(port + "\n")
os.replace(port_file + ".new", port_file)
os.execv(command[0], command)
' "$CLUSTER_DIR/proxy.port" "$PROXY_ADDRESS" "$PROXY_PORT" \
    "$HAPROXY" -db -f "$PROJECT/deploy/haproxy.cfg" >"$CLUSTER_DIR/haproxy.log" 2>&1 </dev/null &
  pid=$!
  record_pid "$pid" "$CLUSTER_DIR/haproxy.pid"
  for ((i = 0; i < 100; i++)); do
    if [ -f "$CLUSTER_DIR/proxy.port" ] && [ -S "$STATS_SOCKET" ] &&
      haproxy_api "show info" >/dev/null 2>&1; then
      # The pid file was written before the exec: its start time is still right.
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$CLUSTER_DIR/haproxy.log" >&2
  die "HAProxy did not start; its log: $CLUSTER_DIR/haproxy.log"
}

# --- Commands --------------------------------------------------------------------------

up() {
  [ -n "${DATABASE_URL:-}" ] || die "set DATABASE_URL to a PostgreSQL database"
  case $DATABASE_URL in
    postgresql*) ;;
    *) die "the cluster shares one PostgreSQL database; DATABASE_URL is not one" ;;
  esac
  if [ -f "$CLUSTER_DIR/haproxy.pid" ] || compgen -G "$CLUSTER_DIR/*.pid" >/dev/null; then
    die "$CLUSTER_DIR holds a cluster already; run: scripts/cluster.sh down"
  fi
  debian_install "$HAPROXY" haproxy || die "cannot start without HAProxy"
  if [ "$PGBOUNCER" = 1 ]; then
    debian_install "$PGBOUNCER_BIN" pgbouncer || die "cannot start PgBouncer"
  fi
  # The state holds secrets (SECRET_KEY, the database password): ours alone.
  umask 077
  mkdir -p "$CLUSTER_DIR"
  rm -f "$CLUSTER_DIR"/*.port "$CLUSTER_DIR"/*.log "$CLUSTER_DIR"/*.log.1
  echo "$INSTANCES" >"$CLUSTER_DIR/instances"
  # Anything that fails from here on leaves nothing running.
  trap 'say "up failed; stopping what it started"; down' EXIT

  # Migrations and the seed run once, directly on PostgreSQL (never through PgBouncer:
  # prestart holds a session advisory lock); the instances skip them (PRESTART=0).
  say "prestart on DATABASE_URL"
  if ! DATABASE_URL=$DATABASE_URL PYTHON=$PYTHON ./prestart.sh >"$CLUSTER_DIR/prestart.log" 2>&1; then
    cat "$CLUSTER_DIR/prestart.log" >&2
    false
  fi

  local instance_url=$DATABASE_URL
  if [ "$PGBOUNCER" = 1 ]; then
    instance_url=$(configure_pgbouncer)
    start_pgbouncer
    say "PgBouncer on $PGBOUNCER_DIR"
    export DB_PREPARED_STATEMENTS=false
  fi

  start_haproxy
  local port
  port=$(cat "$CLUSTER_DIR/proxy.port")
  say "HAProxy on port $port"

  # What every instance gets, recorded so that `start N` later gives the same.
  export DATABASE_URL=$instance_url PRESTART=0 HOST=127.0.0.1 PORT=0 PYTHON
  export TRUSTED_PROXIES=$PROXY_SOURCE
  # Far longer than HAProxy keeps a connection to an instance idle (5 s,
  # deploy/haproxy.cfg): the proxy closes it, never the instance.
  export KEEP_ALIVE_TIMEOUT=60
  export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$PROXY_ADDRESS:$port}
  # One key for all: a token or cursor signed by one instance is checked by another.
  export SECRET_KEY=${SECRET_KEY:-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')}
  unset RELOAD
  env -0 >"$CLUSTER_DIR/instance.env"

  local n
  for ((n = 1; n <= INSTANCES; n++)); do
    launch_instance "$n"
  done
  for ((n = 1; n <= INSTANCES; n++)); do
    await_instance "$n"
    proxy_enable "$n" "$(cat "$CLUSTER_DIR/app$n.port")"
  done
  trap - EXIT
  say "up: $PUBLIC_BASE_URL"
  status
}

status() {
  local pid port n state
  if pid=$(live_pid "$CLUSTER_DIR/haproxy.pid"); then
    echo "proxy pid=$pid port=$(cat "$CLUSTER_DIR/proxy.port") socket=$STATS_SOCKET"
  else
    echo "proxy stopped"
  fi
  if [ -f "$CLUSTER_DIR/pgbouncer.pid" ]; then
    if pid=$(live_pid "$CLUSTER_DIR/pgbouncer.pid"); then
      echo "pgbouncer pid=$pid socket=$PGBOUNCER_DIR/.s.PGSQL.6432"
    else
      echo "pgbouncer stopped"
    fi
  fi
  for ((n = 1; n <= INSTANCES; n++)); do
    [ -f "$CLUSTER_DIR/app$n.port" ] || [ -f "$CLUSTER_DIR/app$n.pid" ] || continue
    port=$(cat "$CLUSTER_DIR/app$n.port" 2>/dev/null || echo "?")
    state=""
    if live_pid "$CLUSTER_DIR/haproxy.pid" >/dev/null; then
      state=" proxy=$(proxy_status "$n")"
    fi
    if pid=$(live_pid "$CLUSTER_DIR/app$n.pid"); then
      echo "app$n pid=$pid port=$port$state"
    else
      echo "app$n stopped port=$port$state"
    fi
  done
}

down() {
  local file stopping=()
  # The proxy first, so no request reaches an instance that is going.
  stop_recorded "$CLUSTER_DIR/haproxy.pid" 10
  # The instances at once, each given its grace period. (A bare `wait` would also wait
  # for instances this shell started, when `up` fails half way.)
  for file in "$CLUSTER_DIR"/app*.pid; do
    if [ -e "$file" ]; then
      stop_recorded "$file" "$STOP_SECONDS" &
      stopping+=($!)
    fi
  done
  [ "${#stopping[@]}" -eq 0 ] || wait "${stopping[@]}"
  stop_recorded "$CLUSTER_DIR/pgbouncer.pid" 10
  rm -f "$STATS_SOCKET"
}

kill_instance() {
  local pid
  check_instance "$1"
  pid=$(live_pid "$CLUSTER_DIR/app$1.pid") || die "app$1 is not running"
  signal_group KILL "$pid"
  wait_gone "$pid" 10 || die "app$1 (pid $pid) survived SIGKILL"
  rm -f "$CLUSTER_DIR/app$1.pid"
}

start_one() {
  check_instance "$1"
  launch_instance "$1"
  await_instance "$1"
  proxy_enable "$1" "$(cat "$CLUSTER_DIR/app$1.port")"
}

restart_one() {
  check_instance "$1"
  # Out of the proxy first: nothing new is sent to it, and what it serves finishes;
  # then uvicorn's own graceful shutdown.
  proxy_disable "$1"
  stop_recorded "$CLUSTER_DIR/app$1.pid" "$STOP_SECONDS"
  start_one "$1"
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  kill) kill_instance "${2:?which instance}" ;;
  start) start_one "${2:?which instance}" ;;
  restart) restart_one "${2:?which instance}" ;;
  *)
    echo "usage: $0 up | status | down | kill N | start N | restart N" >&2
    exit 2
    ;;
esac
