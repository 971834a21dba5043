"""Wait for the database to answer (prestart's first step): `python -m app.backend_pre_start`.

Retries for DB_WAIT_SECONDS, then exits non-zero with one line that names the
database (password hidden) and says why it could not be reached.
"""

import logging
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from app.core.config import describe_url, settings
from app.db.session import make_engine

logger = logging.getLogger("app.backend_pre_start")


def _reason(exc: BaseException) -> str:
    """The driver's own message, first line only."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def wait_for_database(url: URL, timeout: float) -> None:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # SQLite creates the file on first use, but not the directory it lives in.
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, pooled=False)
    retrying = Retrying(
        stop=stop_after_delay(timeout),
        wait=wait_exponential(multiplier=0.2, max=2),
        retry=retry_if_exception_type(DBAPIError),
        before_sleep=lambda state: _log_retry(url, state),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt, engine.connect() as connection:
                connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def _log_retry(url: URL, state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    logger.warning(
        "database %s not answering yet (attempt %d): %s",
        describe_url(url),
        state.attempt_number,
        _reason(error) if error else "unknown error",
    )


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    url = settings.database_url
    try:
        wait_for_database(url, settings.DB_WAIT_SECONDS)
    except OSError as exc:  # SQLite: the file's directory cannot be made; nothing to wait for
        print(f"Database {describe_url(url)} not usable: {exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        print(
            f"Database {describe_url(url)} not reachable after "
            f"{settings.DB_WAIT_SECONDS:g} s: {_reason(exc)}",
            file=sys.stderr,
        )
        return 1
    logger.info("database %s is up", describe_url(url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
