"""SQLite writers take turns: requests in the event loop, first come first served;
threads of this process on a lock; other processes on SQLite's own.

The lock must be given back however a transaction ends, or every later write would
wait out the busy timeout.
"""

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from app.core.config import settings
from app.db import sqlite
from app.db.session import Database, make_engine

# Far below SQLITE_BUSY_TIMEOUT (30 s): a writer that got this far did not wait it out.
PROMPTLY = 5.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def _writer(engine: Engine) -> Connection:
    return sqlite.for_writing(engine).connect()


def _can_write_promptly(engine: Engine) -> bool:
    """Whether another thread's write transaction begins and commits well within the
    busy timeout."""
    done = threading.Event()

    def write() -> None:
        with _writer(engine) as connection, connection.begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    return done.wait(PROMPTLY)


def _commit(connection: Connection) -> None:
    connection.commit()


def _rollback(connection: Connection) -> None:
    connection.rollback()


def _close(connection: Connection) -> None:
    connection.close()  # with the transaction still open


def _invalidate(connection: Connection) -> None:
    # As when the driver reports a broken connection: the pool discards it.
    connection.invalidate()
    transaction = connection.get_transaction()
    assert transaction is not None
    transaction.rollback()


@pytest.mark.parametrize("end", [_commit, _rollback, _close, _invalidate])
def test_the_lock_is_given_back_however_a_transaction_ends(
    engine: Engine, end: Callable[[Connection], None]
) -> None:
    connection = _writer(engine)
    connection.begin()
    connection.execute(text("INSERT INTO t VALUES (0)"))

    end(connection)

    # Free as soon as the transaction ends, while the connection is still checked out.
    assert _can_write_promptly(engine)
    connection.close()


def test_a_second_writer_waits_for_the_first(engine: Engine) -> None:
    first = _writer(engine)
    first.begin()
    first.execute(text("INSERT INTO t VALUES (1)"))
    second_began = threading.Event()

    def second() -> None:
        with _writer(engine) as connection, connection.begin():
            second_began.set()
            connection.execute(text("INSERT INTO t VALUES (2)"))

    thread = threading.Thread(target=second, daemon=True)
    thread.start()
    assert not second_began.wait(0.3), "a second writer began while the first was open"

    first.commit()
    first.close()
    thread.join(PROMPTLY)

    assert second_began.is_set()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY rowid")).scalars().all() == [1, 2]


def test_a_writer_in_another_process_is_waited_for_then_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's transaction (here: a raw sqlite3 connection) holds SQLite's
    own lock: the writer retries until SQLITE_BUSY_TIMEOUT, then gives up with
    "database is locked", which the API answers with 503."""
    monkeypatch.setattr(settings, "SQLITE_BUSY_TIMEOUT", 0.3)
    path = engine.url.database
    assert path is not None
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")

        with pytest.raises(OperationalError, match="database is locked"):
            with _writer(engine) as connection, connection.begin():
                pass

        other.execute("ROLLBACK")
    assert _can_write_promptly(engine), "the lock was not given back after the refusal"


def test_requests_that_may_write_take_turns_in_the_order_they_came(engine: Engine) -> None:
    database = Database(engine)
    entered: list[int] = []

    async def writer(n: int) -> None:
        async with database.session(may_write=True) as session:
            entered.append(n)
            session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            session.commit()

    async def scenario() -> None:
        async with database.session(may_write=True):
            waiting = []
            for n in range(1, 6):
                waiting.append(asyncio.create_task(writer(n)))
                await asyncio.sleep(0)  # n is queued before n + 1 is made
            await asyncio.sleep(0.1)
            assert entered == [], "a writer began during another's turn"
        await asyncio.wait_for(asyncio.gather(*waiting), PROMPTLY)

    asyncio.run(scenario())

    assert entered == [1, 2, 3, 4, 5]
    with engine.connect() as connection:
        written = connection.execute(text("SELECT n FROM t ORDER BY rowid")).scalars().all()
    assert written == [1, 2, 3, 4, 5]


def test_readers_do_not_wait_for_a_writers_turn(engine: Engine) -> None:
    database = Database(engine)

    async def scenario() -> None:
        async with database.session(may_write=True) as writer:
            writer.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
            async with asyncio.timeout(PROMPTLY), database.session(may_write=False) as reader:
                # Not yet committed: the reader sees the table as it was.
                assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0

    asyncio.run(scenario())
