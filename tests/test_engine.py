"""The engine each DATABASE_URL gets: pool settings from config, per-dialect options."""

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from app.core.config import settings
from app.db.session import make_engine


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://u@127.0.0.1:1/x", "mysql+pymysql://u@127.0.0.1:1/x"],
    ids=["postgresql", "mysql"],
)
def test_server_engines_take_pool_settings_from_config(url: str) -> None:
    engine = make_engine(url)  # nothing connects until the first query
    try:
        pool = engine.pool
        assert pool.size() == settings.DB_POOL_SIZE  # type: ignore[attr-defined]
        assert pool._max_overflow == settings.DB_MAX_OVERFLOW  # type: ignore[attr-defined]
        assert pool._timeout == settings.DB_POOL_TIMEOUT  # type: ignore[attr-defined]
        assert pool._recycle == settings.DB_POOL_RECYCLE
        assert pool._pre_ping is settings.DB_POOL_PRE_PING
    finally:
        engine.dispose()


@pytest.mark.engines("mysql")
def test_mysql_connection_is_utf8mb4_even_when_the_url_does_not_say(database_url: URL) -> None:
    # PyMySQL's default; emoji need it on the connection as well as on the tables.
    engine = make_engine(database_url.difference_update_query(["charset"]))
    try:
        with engine.connect() as connection:
            charset = connection.execute(text("SELECT @@character_set_connection")).scalar()
    finally:
        engine.dispose()

    assert charset == "utf8mb4"
