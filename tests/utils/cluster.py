"""scripts/cluster.sh for the tests: several instances on one PostgreSQL database behind
HAProxy (and PgBouncer, when asked), their processes, and what HAProxy says about them.

`up` and `down` are the script's own, so the tests run the cluster exactly as a person
would, and `down` stops exactly what `up` started (by the pids it recorded).
"""

import csv
import io
import json
import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from app.core.config import PROJECT_DIR
from tests.utils.processes import app_env, deployment

CLUSTER = PROJECT_DIR / "scripts" / "cluster.sh"
# The figures of every run (requests, failures, retries, timings), for the closing note.
ARTIFACT = PROJECT_DIR / "test-artifacts" / "cluster.json"
PROGRAMS = {"haproxy": Path("/usr/sbin/haproxy"), "pgbouncer": Path("/usr/sbin/pgbouncer")}
# prestart, up to three instances starting at once on a shared machine, and possibly an
# apt-get install.
UP_SECONDS = 300
BACKEND = "app"


class ClusterFailed(Exception):
    """cluster.sh exited non-zero; the message carries what it said."""


@dataclass
class Cluster:
    name: str  # what the figures of its tests are filed under
    directory: Path  # CLUSTER_DIR: pids, ports, logs, generated configs
    env: dict[str, str]  # what cluster.sh runs with, the same for every command
    database_url: URL  # PostgreSQL itself, not PgBouncer: for checking what was written
    url: str = ""  # the proxy's, as clients use it

    def run(self, *args: str, timeout: float = 120) -> str:
        """`scripts/cluster.sh ARGS`; its output."""
        result = subprocess.run(
            [str(CLUSTER), *args],
            cwd=PROJECT_DIR,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise ClusterFailed(
                f"cluster.sh {' '.join(args)} exited with {result.returncode}:\n"
                f"{result.stdout}{result.stderr}"
            )
        return result.stdout

    def instance(self, n: int) -> str:
        """Instance N's own base URL, bypassing the proxy (its port changes on restart)."""
        port = (self.directory / f"app{n}.port").read_text().strip()
        return f"http://127.0.0.1:{port}"

    def pid(self, name: str) -> int:
        """The pid cluster.sh recorded for `name` (haproxy, pgbouncer, app1, ...)."""
        return int((self.directory / f"{name}.pid").read_text().split()[0])

    def kill(self, n: int) -> None:
        self.run("kill", str(n))

    def start(self, n: int) -> None:
        """Start instance N again; returns once the proxy sees it up."""
        self.run("start", str(n))

    def restart(self, n: int) -> None:
        """Out of the proxy, SIGTERM, start again; returns once the proxy sees it up."""
        self.run("restart", str(n))

    def api(self, command: str) -> str:
        """One command to HAProxy's runtime API (its stats socket)."""
        with socket.socket(socket.AF_UNIX) as api:
            api.settimeout(10)
            api.connect(str(self.directory / "haproxy.sock"))
            api.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := api.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self) -> dict[str, dict[str, str]]:
        """`show stat` for the backend: a row per server, and BACKEND for the whole."""
        text = self.api("show stat").removeprefix("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {row["svname"]: row for row in rows if row["pxname"] == BACKEND}

    def retries(self) -> dict[str, int]:
        """What the proxy did for failed requests so far: retries (wretr), redispatches to
        another instance (wredis), connection errors (econ), response errors (eresp)."""
        backend = self.stats()["BACKEND"]
        return {name: int(backend[name] or 0) for name in ("wretr", "wredis", "econ", "eresp")}

    def server_connections(self) -> dict[str, dict[str, int]]:
        """For each instance, how many connections the proxy opened to it (connect) and
        how many requests it sent on one already open (reuse)."""
        return {
            name: {"connect": int(row["connect"]), "reuse": int(row["reuse"])}
            for name, row in self.stats().items()
            if name.startswith(BACKEND)
        }

    def proxy_memory_kib(self) -> dict[str, int]:
        """HAProxy's resident memory now (VmRSS) and at its peak (VmHWM), in KiB."""
        status = Path(f"/proc/{self.pid('haproxy')}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}

    def instance_settings(self) -> dict[str, str]:
        """The environment every instance starts with, as `up` recorded it."""
        recorded = (self.directory / "instance.env").read_bytes().decode()
        return dict(item.split("=", 1) for item in recorded.split("\0") if "=" in item)

    def instance_logs(self) -> str:
        """Everything every instance has logged, restarts included."""
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.directory.glob("app*.log*"))
        )


def needed_programs(pgbouncer: bool) -> list[str]:
    return ["haproxy", "pgbouncer"] if pgbouncer else ["haproxy"]


@contextmanager
def running_cluster(
    name: str,
    directory: Path,
    database_url: URL,
    admin_password: str,
    *,
    pgbouncer: bool,
    **settings: str,
) -> Iterator[Cluster]:
    """`cluster.sh up` on `database_url`, deployed as production is (`deployment`), the
    proxy on a port the kernel picks; `cluster.sh down` at the end, whatever happened.

    When HAProxy (or PgBouncer) is missing and cannot be installed, the test is skipped,
    saying why; under CI=true it fails.
    """
    env = app_env(
        **deployment(database_url, admin_password)
        | settings
        | {
            "CLUSTER_DIR": str(directory),
            "PROXY_PORT": "0",
            "PGBOUNCER": "1" if pgbouncer else "0",
        }
    )
    cluster = Cluster(name, directory, env, database_url)
    try:
        try:
            cluster.run("up", timeout=UP_SECONDS)
        except ClusterFailed as exc:
            missing = [name for name in needed_programs(pgbouncer) if not PROGRAMS[name].exists()]
            if missing and os.environ.get("CI") != "true":
                pytest.skip(f"needs {' and '.join(missing)}, which could not be installed: {exc}")
            raise
        port = (directory / "proxy.port").read_text().strip()
        cluster.url = f"http://127.0.0.1:{port}"
        yield cluster
    finally:
        # Also after a failed `up` (which stops what it started, unless it was killed):
        # `down` stops only the processes whose pids were recorded, and none twice.
        cluster.run("down")


def record(section: str, name: str, figures: dict[str, Any]) -> None:
    """Print `figures` (seen with pytest -s) and keep them in ARTIFACT under
    section/name, beside those of the other tests."""
    figures = figures | {"at": datetime.now(UTC).isoformat(timespec="seconds")}
    print(f"\n{section} / {name}: {json.dumps(figures, sort_keys=True)}")
    ARTIFACT.parent.mkdir(exist_ok=True)
    try:
        everything = json.loads(ARTIFACT.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        everything = {}
    everything.setdefault(section, {})[name] = figures
    ARTIFACT.write_text(json.dumps(everything, indent=2, sort_keys=True) + "\n")
