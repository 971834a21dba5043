"""prestart.sh as it is really run: a separate process, started from another directory."""

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from app.core.config import DEFAULT_PASSWORD
from app.core.security import verify_password
from app.db.init_db import STARTER_RECIPES
from app.db.session import make_engine
from app.models import Recipe, User
from tests.utils.databases import as_setting
from tests.utils.migrations import alembic_config
from tests.utils.processes import PRESTART, app_env

HEADS = set(ScriptDirectory.from_config(alembic_config()).get_heads())
CROWD = 5


def _prestart(cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRESTART)],
        cwd=cwd,
        env=app_env(**settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert lines, "nothing on stderr"
    return lines[-1]


def _snapshot(url: str) -> dict[str, Any]:
    """Every user and recipe, and the schema's revision."""
    engine = make_engine(url, pooled=False)
    try:
        with engine.connect() as connection:
            revisions = set(MigrationContext.configure(connection).get_current_heads())
            connection.rollback()
        with Session(engine) as db:
            users = [
                (u.id, u.email, u.is_superuser, u.created_at, u.hashed_password)
                for u in db.scalars(select(User).order_by(User.id))
            ]
            recipes = [
                (r.id, r.label, r.source, r.url, r.submitter_id, r.created_at, r.updated_at)
                for r in db.scalars(select(Recipe).order_by(Recipe.id))
            ]
    finally:
        engine.dispose()
    return {"revisions": revisions, "users": users, "recipes": recipes}


def _assert_migrated_and_seeded(snapshot: dict[str, Any]) -> None:
    assert snapshot["revisions"] == HEADS
    [(admin_id, email, is_superuser, _, hashed_password)] = snapshot["users"]
    assert email == "admin@example.com"
    assert is_superuser is True
    assert verify_password(DEFAULT_PASSWORD, hashed_password)
    recipes = snapshot["recipes"]
    assert len(recipes) == len(STARTER_RECIPES)
    assert {r[3] for r in recipes} == {fields["url"] for fields in STARTER_RECIPES}
    assert {r[4] for r in recipes} == {admin_id}


def test_prestart_twice_migrates_and_seeds_once(tmp_path: Path, database_url: URL) -> None:
    url = as_setting(database_url)

    first = _prestart(tmp_path, DATABASE_URL=url)
    assert first.returncode == 0, first.stderr
    after_first = _snapshot(url)
    _assert_migrated_and_seeded(after_first)

    second = _prestart(tmp_path, DATABASE_URL=url)
    assert second.returncode == 0, second.stderr
    assert "Running upgrade" not in second.stderr
    assert "seed: 0 row(s) created" in second.stderr
    assert _snapshot(url) == after_first  # the password hash too: not set again


def test_prestarts_started_together_migrate_and_seed_once(
    tmp_path: Path, database_url: URL
) -> None:
    """Copies of the service starting at once on one empty database take turns."""
    env = app_env(DATABASE_URL=as_setting(database_url))
    crowd = [
        subprocess.Popen(
            [str(PRESTART)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(CROWD)
    ]
    outputs = [process.communicate(timeout=180) for process in crowd]

    for process, (_, stderr) in zip(crowd, outputs, strict=True):
        assert process.returncode == 0, stderr
    logs = [stderr for _, stderr in outputs]
    # Alembic logs each migration it runs: exactly one process ran them, each once.
    migrated = [log for log in logs if "Running upgrade" in log]
    assert len(migrated) == 1, logs
    assert migrated[0].count("Running upgrade  -> 0001") == 1
    seeded = sorted(re.search(r"seed: (\d+) row", log).group(1) for log in logs)  # type: ignore[union-attr]
    assert seeded == ["0"] * (CROWD - 1) + [str(1 + len(STARTER_RECIPES))]
    _assert_migrated_and_seeded(_snapshot(env["DATABASE_URL"]))


def test_unreachable_database_fails_fast_with_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _prestart(
        tmp_path,
        DATABASE_URL="postgresql+psycopg://someone:s3cret@127.0.0.1:1/nothing",
        DB_WAIT_SECONDS="1",
    )
    elapsed = time.monotonic() - started

    assert result.returncode != 0
    assert elapsed < 15, f"gave up only after {elapsed:.1f} s"
    last = _last_line(result.stderr)
    assert "127.0.0.1:1/nothing" in last
    assert "***" in last
    assert "not reachable" in last
    assert "s3cret" not in result.stderr + result.stdout


def test_sqlite_directory_that_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file, not a directory\n")
    database = blocker / "sub" / "app.db"

    # DB_WAIT_SECONDS bounds the test should the failure ever be retried.
    result = _prestart(tmp_path, DATABASE_URL=f"sqlite:///{database}", DB_WAIT_SECONDS="1")

    assert result.returncode != 0
    last = _last_line(result.stderr)
    assert str(database) in last
    assert "not usable" in last and "after" not in last  # nothing was waited for
    assert "Not a directory" in last
    assert "Traceback" not in result.stderr


KEY = "k" * 32


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"DATABASE_URL": "not-a-url"}, "DATABASE_URL"),
        ({"MAX_PAGE_SIZE": "abc"}, "MAX_PAGE_SIZE"),
        ({"DB_WAIT_SECONDS": "0"}, "DB_WAIT_SECONDS"),
        # More connections than WORKER_THREADS could ever use.
        ({"DB_POOL_SIZE": "41"}, "DB_POOL_SIZE"),
        ({"SECRET_KEY": "31 bytes are not enough for it."}, "SECRET_KEY"),
        ({"FIRST_SUPERUSER_PASSWORD": "short"}, "FIRST_SUPERUSER_PASSWORD"),
        ({"ENVIRONMENT": "development"}, "ENVIRONMENT"),
        # Default secrets, refused outside ENVIRONMENT=local: run.sh runs prestart
        # first, so the service never starts on one.
        ({"ENVIRONMENT": "production"}, "SECRET_KEY"),
        ({"ENVIRONMENT": "staging"}, "SECRET_KEY"),
        ({"ENVIRONMENT": "production", "SECRET_KEY": KEY}, "FIRST_SUPERUSER_PASSWORD"),
        (
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": KEY,
                "FIRST_SUPERUSER_PASSWORD": DEFAULT_PASSWORD,
            },
            "FIRST_SUPERUSER_PASSWORD",
        ),
    ],
    ids=lambda value: (
        " ".join(f"{k}={v[:12]}" for k, v in value.items()) if isinstance(value, dict) else value
    ),
)
def test_invalid_setting_is_one_line(tmp_path: Path, settings: dict[str, str], named: str) -> None:
    database = tmp_path / "app.db"

    result = _prestart(tmp_path, **{"DATABASE_URL": f"sqlite:///{database}"} | settings)

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Invalid configuration:")
    assert named in lines[0]
    assert not database.exists(), "nothing may run on an invalid configuration"
