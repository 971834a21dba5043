"""prestart.sh as it is really run: a separate process, started from another directory."""

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import DEFAULT_PASSWORD
from app.core.security import verify_password
from app.db.init_db import STARTER_RECIPES
from app.db.session import make_engine
from app.models import Recipe, User
from tests.utils.migrations import alembic_config
from tests.utils.processes import PRESTART, app_env


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


def test_prestart_twice_migrates_and_seeds_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())

    first = _prestart(tmp_path, DATABASE_URL=url)
    assert first.returncode == 0, first.stderr
    after_first = _snapshot(url)

    assert after_first["revisions"] == heads
    [(admin_id, email, is_superuser, _, hashed_password)] = after_first["users"]
    assert email == "admin@example.com"
    assert is_superuser is True
    assert verify_password(DEFAULT_PASSWORD, hashed_password)
    recipes = after_first["recipes"]
    assert len(recipes) == len(STARTER_RECIPES)
    assert {r[3] for r in recipes} == {fields["url"] for fields in STARTER_RECIPES}
    assert {r[4] for r in recipes} == {admin_id}

    second = _prestart(tmp_path, DATABASE_URL=url)
    assert second.returncode == 0, second.stderr
    assert _snapshot(url) == after_first  # the password hash too: not set again


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
