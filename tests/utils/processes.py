"""The service's scripts as real processes: the environment they get, and a live server."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from app.core.config import PROJECT_DIR, Settings

RUN = PROJECT_DIR / "run.sh"
PRESTART = PROJECT_DIR / "prestart.sh"
STARTUP_SECONDS = 60
STOP_SECONDS = 10


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


def production_settings(admin_password: str) -> dict[str, str]:
    """What a deployment must set: ENVIRONMENT other than local, its own token key, and
    the seeded superuser's password."""
    return {
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "FIRST_SUPERUSER_PASSWORD": admin_password,
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
    """run.sh (prestart, then uvicorn) on a free port; yields its base URL.

    Stopped at the end whatever happened: SIGTERM to its process group, then SIGKILL.
    """
    with service_process(workdir, **settings) as (url, _process):
        yield url


@contextmanager
def service_process(
    workdir: Path, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`running_service`, also yielding the process: run.sh execs uvicorn, so its pid
    is uvicorn's."""
    port = free_port()
    env = app_env(HOST="127.0.0.1", PORT=str(port), **settings)
    log = workdir / "server.log"
    url = f"http://127.0.0.1:{port}"
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
            _wait_until_up(process, url, log)
            yield url, process
        finally:
            _stop(process)


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceFailed(
                f"run.sh exited with {process.returncode} before answering:\n{log.read_text()}"
            )
        try:
            requests.get(base_url + "/", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise ServiceFailed(f"no answer from {base_url} within {STARTUP_SECONDS} s:\n{log.read_text()}")


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
