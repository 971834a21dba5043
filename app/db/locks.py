"""A lock held across processes, so that prestarts started together take turns.

Several copies of the service often start at once, each running prestart. Migrating
and seeding are check-then-act ("which revision is this?", "is the superuser there?"),
so two copies doing them at the same time would both act. The lock lives in the
database server itself (a PostgreSQL advisory lock, MySQL's GET_LOCK) or, for SQLite,
beside the database file, and is held on a connection of its own, whatever the work
inside does with its transactions.
"""

import fcntl
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from app.db.session import make_engine

PRESTART_LOCK = "recipes.prestart"


class LockTimeout(Exception):
    """Another process held the lock for longer than we were willing to wait."""


@contextmanager
def exclusive(url: URL, timeout: float, name: str = PRESTART_LOCK) -> Iterator[None]:
    """Hold the lock `name` on the database at `url` for the duration of the block."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        with _file_lock(url, timeout):
            yield
        return
    engine = make_engine(url, pooled=False)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            if backend == "postgresql":
                with _advisory_lock(connection, name, timeout):
                    yield
            elif backend in ("mysql", "mariadb"):
                with _named_lock(connection, name, timeout):
                    yield
            else:
                raise NotImplementedError(f"no lock for {backend} databases")
    finally:
        engine.dispose()


def _timed_out(name: str, timeout: float) -> LockTimeout:
    return LockTimeout(f"waited {timeout:g} s for the lock {name!r}, held by another process")


@contextmanager
def _advisory_lock(connection: Connection, name: str, timeout: float) -> Iterator[None]:
    # Advisory locks are named by a 64-bit integer: take it from a hash of the name.
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    connection.execute(
        text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": f"{timeout * 1000:.0f}"}
    )
    try:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
    except OperationalError as exc:  # lock_timeout expired
        raise _timed_out(name, timeout) from exc
    try:
        yield
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _named_lock(connection: Connection, name: str, timeout: float) -> Iterator[None]:
    got = connection.execute(
        text("SELECT GET_LOCK(:name, :timeout)"), {"name": name, "timeout": timeout}
    ).scalar()
    if got != 1:
        raise _timed_out(name, timeout)
    try:
        yield
    finally:
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})


@contextmanager
def _file_lock(url: URL, timeout: float) -> Iterator[None]:
    if url.database in (None, "", ":memory:"):  # private to this process: nothing to share
        yield
        return
    path = Path(f"{url.database}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with path.open("a") as lock_file:
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _timed_out(str(path), timeout) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
