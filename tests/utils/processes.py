"""The service's scripts as real processes: the environment they get, and a live server."""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from app.core.config import PROJECT_DIR, Settings
from tests.utils.databases import as_setting

RUN = PROJECT_DIR / "run.sh"
PRESTART = PROJECT_DIR / "prestart.sh"
STARTUP_SECONDS = 60
STOP_SECONDS = 10
# uvicorn binds port 0 itself, so no other process can take the port between choosing
# and binding it; this line of its log says which port the kernel gave it.
LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+) ")


class ServiceFailed(Exception):
    """The server exited, or never answered; the message carries its output."""


def app_env(**settings: str) -> dict[str, str]:
    """The test's environment without any of the app's settings, plus `settings`.

    ENVIRONMENT is local (default secrets accepted) unless `settings` says otherwise.
    """
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    env.pop("RELOAD", None)
    env["PYTHON"] = sys.executable
    return env | {"ENVIRONMENT": "local"} | settings


def run_cli(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`python -m app.cli ARGS` run to the end in its own process, with `settings`."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=PROJECT_DIR,
        env=app_env(**settings),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def running_service(workdir: Path, **settings: str) -> Iterator[str]:
    """run.sh (prestart, then uvicorn) on a port of its own choosing; yields its base URL.

    Stopped at the end whatever happened: SIGTERM to its process group, then SIGKILL.
    """
    with service_process(workdir, **settings) as (url, _process):
        yield url


def deployment(database_url: URL, admin_password: str) -> dict[str, str]:
    """The settings of a deployment on `database_url`: ENVIRONMENT other than local, its
    own token key, and the seeded superuser's password."""
    return {
        "DATABASE_URL": as_setting(database_url),
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "FIRST_SUPERUSER_PASSWORD": admin_password,
    }


@contextmanager
def deployed_service(
    workdir: Path, database_url: URL, admin_password: str, **settings: str
) -> Iterator[str]:
    """run.sh serving `database_url` as a deployment is configured (`deployment`), with
    `settings` besides or instead (a test that forges tokens gives the SECRET_KEY)."""
    with running_service(workdir, **deployment(database_url, admin_password) | settings) as url:
        yield url


@contextmanager
def service_process(
    workdir: Path, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`running_service`, also yielding the process: run.sh execs uvicorn, so its pid
    is uvicorn's."""
    env = app_env(HOST="127.0.0.1", PORT="0", **settings)
    log = workdir / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(RUN)],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield _wait_until_listening(process, log), process
        finally:
            _stop(process)


def _wait_until_listening(process: subprocess.Popen[bytes], log: Path) -> str:
    """The base URL uvicorn reports once its startup is complete and it accepts."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text(errors="replace"))
        if found:
            return found[1]
        if process.poll() is not None:
            raise ServiceFailed(
                f"run.sh exited with {process.returncode} before listening:\n{log.read_text()}"
            )
        time.sleep(0.1)
    raise ServiceFailed(f"not listening within {STARTUP_SECONDS} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=STOP_SECONDS)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()


# What each uvicorn worker logs once it accepts connections.
WORKER_READY = "Application startup complete."


@contextmanager
def workers_service(workdir: Path, workers: int, **settings: str) -> Iterator[str]:
    """`running_service` with WORKERS=`workers`, once every worker accepts connections.

    With several workers uvicorn reports its port as it binds the socket, before any
    worker listens on it: until one does, connections are refused.
    """
    with running_service(workdir, WORKERS=str(workers), **settings) as url:
        wait_for_workers(workdir / "server.log", workers)
        yield url


def wait_for_workers(log: Path, workers: int) -> None:
    """Until `log`, a server's, shows `workers` workers accepting connections."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count(WORKER_READY) >= workers:
            return
        time.sleep(0.1)
    raise ServiceFailed(f"not {workers} workers within {STARTUP_SECONDS} s:\n{log.read_text()}")
