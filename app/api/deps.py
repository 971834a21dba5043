"""Dependencies shared by the routes."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.core.config import settings
from app.db.session import SQLITE_BEGIN, SessionLocal

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """One session per request, closed (and anything uncommitted rolled back) at the end."""
    with SessionLocal() as session:
        if request.method not in _READ_ONLY_METHODS:
            # On SQLite, take the write lock when the transaction begins; see db/session.py.
            session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        yield session


# max_concurrency: a request waits for a free connection here, in the event loop,
# instead of in a worker thread. The textbook dependency lets every worker thread
# block on an empty pool while the sessions holding the connections wait for a
# thread to close them: a deadlock that lasts until the pool timeout. Each request
# uses one connection, so with as many slots as the pool has connections no thread
# ever waits for one.
SessionDep = Annotated[Session, Depends(get_db, max_concurrency=settings.db_connection_limit)]
