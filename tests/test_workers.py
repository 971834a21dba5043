"""Serving as production does: run.sh checks the settings before anything starts, runs
prestart once (or not, with PRESTART=0), then uvicorn's own supervisor with WORKERS
processes; and engines that work through PgBouncer."""

import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import URL

from app.db.session import make_engine
from tests.utils.processes import (
    RUN,
    STOP_SECONDS,
    app_env,
    running_service,
    service_process,
    wait_for_workers,
)

PATIENCE = 10


def _sqlite(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'app.db'}"


@pytest.mark.e2e
def test_workers_whose_pools_exceed_the_budget_stop_run_sh_with_one_line(tmp_path: Path) -> None:
    finished = subprocess.run(
        [str(RUN)],
        cwd=tmp_path,
        env=app_env(
            DATABASE_URL=_sqlite(tmp_path),
            HOST="127.0.0.1",
            PORT="0",
            WORKERS="4",
            DB_POOL_SIZE="15",
            DB_CONNECTION_BUDGET="50",
        ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode != 0
    assert finished.stderr.splitlines() == [
        "Invalid configuration: settings: Value error, WORKERS=4 × (DB_POOL_SIZE=15 + "
        "DB_MAX_OVERFLOW=0) = 60 connections, over DB_CONNECTION_BUDGET=50"
    ]
    assert finished.stdout == ""
    # Stopped before prestart, which would have made the database.
    assert not (tmp_path / "app.db").exists()


@pytest.mark.e2e
def test_two_workers_serve_are_replaced_and_drain_on_sigterm_leaving_no_metrics_files(
    tmp_path: Path,
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    settings = {"DATABASE_URL": _sqlite(tmp_path), "WORKERS": "2", "TMPDIR": str(temp)}
    with service_process(tmp_path, **settings) as (url, process):
        wait_for_workers(tmp_path / "server.log", 2)
        (metrics_dir,) = temp.iterdir()
        answers = {
            requests.get(f"{url}/health/ready", timeout=PATIENCE).status_code for _ in range(10)
        }
        redirect = requests.get(
            f"{url}/api/v1/recipes/?limit=1",
            headers={"Host": "evil.example"},
            allow_redirects=False,
            timeout=PATIENCE,
        )
        # A worker that dies is replaced, and the replacement takes the dead one's gauges
        # out of the sums (app/metrics.py).
        first, second = sorted(_live_gauge_pids(metrics_dir))
        os.kill(first, signal.SIGKILL)
        wait_for_workers(tmp_path / "server.log", 3)
        gauges_after_death = _live_gauge_pids(metrics_dir)
        after_death = requests.get(f"{url}/health/live", timeout=PATIENCE).status_code
        # To run.sh alone, which stays while several workers serve: it passes the
        # signal on, waits for uvicorn, removes the metrics files and ends as it did.
        os.kill(process.pid, signal.SIGTERM)
        returncode = process.wait(timeout=STOP_SECONDS * 3)
    log = (tmp_path / "server.log").read_text()

    assert answers == {200}
    # Two, and the one that replaced the killed one.
    assert log.count("Started server process") == 3
    assert metrics_dir.name.startswith("recipes-metrics.")
    # Absolute URLs name the server's own address, not the Host the client sent.
    assert redirect.status_code == 307
    assert redirect.headers["location"] == f"{url}/api/v1/recipes?limit=1"
    assert f"Child process [{first}] died" in log
    assert after_death == 200
    assert first not in gauges_after_death
    assert second in gauges_after_death
    assert len(gauges_after_death) == 2
    assert returncode == 0
    # The two workers serving at the end, not the one killed.
    assert log.count("Application shutdown complete.") == 2
    assert list(temp.iterdir()) == []


def _live_gauge_pids(metrics_dir: Path) -> set[int]:
    # prometheus-client's multiprocess mode: a process's livesum gauges are in
    # gauge_livesum_<pid>.db, made when it defines them (at import).
    return {int(path.stem.rpartition("_")[2]) for path in metrics_dir.glob("gauge_livesum_*.db")}


@pytest.mark.e2e
def test_prestart_0_starts_serving_without_migrating(tmp_path: Path) -> None:
    with running_service(tmp_path, DATABASE_URL=_sqlite(tmp_path), PRESTART="0") as url:
        live = requests.get(f"{url}/health/live", timeout=PATIENCE)
        ready = requests.get(f"{url}/health/ready", timeout=PATIENCE)
    log = (tmp_path / "server.log").read_text()

    assert live.status_code == 200
    # Nothing migrated the new database: the instance serves, and says it is not ready.
    assert ready.status_code == 503
    assert "at migration None" in ready.json()["detail"]
    assert "Running upgrade" not in log


@pytest.mark.engines("postgresql")
@pytest.mark.parametrize(("prepared", "threshold"), [(True, 5), (False, None)])
def test_without_prepared_statements_psycopg_never_prepares(
    database_url: URL, prepared: bool, threshold: int | None
) -> None:
    engine = make_engine(database_url, prepared_statements=prepared)
    try:
        with engine.connect() as connection:
            driver_connection = connection.connection.driver_connection
            assert driver_connection is not None
            found = driver_connection.prepare_threshold
    finally:
        engine.dispose()

    # psycopg prepares a statement run `prepare_threshold` times; None: never.
    assert found == threshold
