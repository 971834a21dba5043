"""The migrations: one head, in step with the models, reversible, and kind to stored rows.

Each test gets its own empty database on its engine, so up- and downgrades never touch
the suite's shared test database.
"""

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, delete, insert, inspect, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import crud
from app.core.config import PROJECT_DIR
from app.db.base import Base, Recipe, User, include_name
from app.db.session import make_engine
from app.db.types import utcnow
from tests.utils.databases import Server, as_setting
from tests.utils.factories import make_recipe, make_user
from tests.utils.migrations import alembic_config
from tests.utils.processes import app_env

SCRIPT = ScriptDirectory.from_config(alembic_config())


def _steps_back() -> list[Any]:
    """(revision, one of its down revisions) for every revision after the first."""
    steps = []
    for script in SCRIPT.walk_revisions():
        down = script.down_revision
        parents = (down,) if isinstance(down, str) else tuple(down or ())
        steps += [pytest.param(script.revision, parent, id=script.revision) for parent in parents]
    return steps


@pytest.fixture
def fresh_engine(database_url: URL) -> Iterator[Engine]:
    """An engine on an empty database, configured as the service configures it."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(fresh_engine: Engine) -> Iterator[Connection]:
    with fresh_engine.connect() as connection:
        yield connection


def _upgrade(connection: Connection, revision: str = "head") -> None:
    command.upgrade(alembic_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)


def _tables(connection: Connection) -> set[str]:
    # A new inspector each time: an inspector caches what it has reflected.
    return set(inspect(connection).get_table_names())


def _insert_rows(connection: Connection) -> None:
    with Session(bind=connection, expire_on_commit=False) as session:
        user = make_user(session, first_name="Ada", surname="Lovelace")
        make_recipe(session, user, label="Seed cake", url="https://example.com/seed-cake")


def _rows(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every column of every user and recipe, but PostgreSQL's stored search document
    (revision 0008), which the database computes from the others."""
    rows = {
        table: [
            {key: value for key, value in row.items() if include_name(key, "column", None)}
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id")).mappings()
        ]
        for table in ("users", "recipes")
    }
    connection.commit()
    return rows


def test_one_head() -> None:
    assert len(SCRIPT.get_heads()) == 1, SCRIPT.get_heads()


def test_models_match_migrations(connection: Connection) -> None:
    _upgrade(connection)

    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": True, "include_name": include_name},
    )
    assert compare_metadata(context, Base.metadata) == []


def test_downgrade_base_then_upgrade_head(connection: Connection) -> None:
    _upgrade(connection)
    assert {"users", "recipes", "alembic_version"} <= _tables(connection)

    _downgrade(connection, "base")
    assert _tables(connection) <= {"alembic_version"}

    _upgrade(connection)
    assert {"users", "recipes", "alembic_version"} <= _tables(connection)
    context = MigrationContext.configure(connection)
    assert set(context.get_current_heads()) == set(SCRIPT.get_heads())


def test_upgrade_head_again_keeps_rows(connection: Connection) -> None:
    _upgrade(connection)
    _insert_rows(connection)
    before = _rows(connection)
    assert len(before["users"]) == 1
    assert len(before["recipes"]) == 1

    _upgrade(connection)

    assert _rows(connection) == before


@pytest.mark.parametrize(("revision", "down_revision"), _steps_back())
def test_downgrade_one_step_keeps_rows(
    connection: Connection, revision: str, down_revision: str
) -> None:
    _upgrade(connection)
    _insert_rows(connection)
    before = _rows(connection)

    _downgrade(connection, down_revision)
    _upgrade(connection)

    assert _rows(connection) == before, f"rows changed going down from {revision} and back"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:///{tmp}/x.db", id="sqlite"),
        # Nothing listens on these: offline mode needs only the dialect.
        pytest.param("postgresql+psycopg://someone:secret@127.0.0.1:1/x", id="postgresql"),
        pytest.param("mysql+pymysql://someone:secret@127.0.0.1:1/x", id="mysql"),
    ],
)
def test_offline_sql(tmp_path: Path, url: str) -> None:
    """`alembic upgrade head --sql` writes the DDL without connecting to anything."""
    env = app_env(DATABASE_URL=url.format(tmp=tmp_path))

    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head", "--sql"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE users" in result.stdout
    assert "CREATE TABLE recipes" in result.stdout
    assert "INSERT INTO alembic_version" in result.stdout
    assert not (tmp_path / "x.db").exists(), "offline mode must not open the database"


@pytest.mark.engines("postgresql")
def test_offline_sql_builds_the_same_schema_on_postgresql(
    tmp_path: Path, database_url: URL, connection: Connection
) -> None:
    """What a DBA would run by hand (`alembic upgrade head --sql | psql`) gives the
    schema the models describe."""
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head", "--sql"],
        cwd=PROJECT_DIR,
        env=app_env(DATABASE_URL=as_setting(database_url)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr

    connection.exec_driver_sql(result.stdout)
    connection.commit()

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": include_name}
    )
    assert compare_metadata(context, Base.metadata) == []
    assert set(context.get_current_heads()) == set(SCRIPT.get_heads())


@pytest.mark.engines("mysql")
def test_mysql_tables_end_up_in_utf8mb4_whatever_the_database_default(server: Server) -> None:
    url = server.create_database(mysql_charset="latin1")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _upgrade(connection)
            with Session(bind=connection) as session:
                recipe = make_recipe(session, label="Pão de queijo 🧀")
                session.expire_all()
                assert session.get(Recipe, recipe.id).label == "Pão de queijo 🧀"  # type: ignore[union-attr]
    finally:
        engine.dispose()
        server.drop_database(url)


def test_sqlite_foreign_keys_enforced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrations.db'}"
    migrating = make_engine(url)
    try:
        with migrating.connect() as connection:
            _upgrade(connection)
            # env.py turns the keys off while it migrates, and back on afterwards.
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            connection.rollback()
    finally:
        migrating.dispose()

    engine = make_engine(url)
    try:
        with engine.connect() as new_connection:
            assert new_connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            orphan = insert(Recipe).values(
                label="Orphan",
                source="Nowhere",
                url="https://example.com/orphan",
                submitter_id=12345,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            with pytest.raises(IntegrityError, match="FOREIGN KEY"):
                new_connection.execute(orphan)
            new_connection.rollback()
    finally:
        engine.dispose()


def _ids(connection: Connection, column: Any) -> list[int]:
    return list(connection.scalars(select(column).order_by(column)))


def _sqlite_search(connection: Connection, word: str) -> list[int]:
    """The recipes the full-text index finds `word` in, after checking the index agrees
    with the table (an FTS5 'integrity-check' raises if it does not)."""
    connection.exec_driver_sql(
        "INSERT INTO recipes_fts(recipes_fts, rank) VALUES ('integrity-check', 1)"
    )
    found = connection.exec_driver_sql(
        "SELECT rowid FROM recipes_fts WHERE recipes_fts MATCH ? ORDER BY rowid", (word,)
    )
    return list(found.scalars())


_REAL_RECIPE_COLUMNS = (
    "description",
    "image_url",
    "servings",
    "yield_text",
    "prep_minutes",
    "cook_minutes",
    "total_minutes",
    "foods_text",
    "tags_text",
)


def test_rows_from_before_0005_keep_their_ids_and_no_id_comes_back(
    connection: Connection,
) -> None:
    """Rows written before revision 0005 survive it unchanged; then deleting the newest
    user and recipe and adding new ones gives new ids, on every engine."""
    _upgrade(connection, "0004")
    # Core inserts of the columns revision 0004 has (the model has more since).
    connection.execute(insert(User), [{"email": "first@example.com"}, {"email": "b@example.com"}])
    first, second = _ids(connection, User.id)
    connection.execute(
        insert(Recipe),
        [
            {
                "label": f"Cake {n}",
                "source": "Kitchen",
                "url": "https://example.com/c",
                "submitter_id": by,
            }
            for n, by in enumerate((first, second, first))
        ],
    )
    _, of_second, newest = _ids(connection, Recipe.id)
    connection.commit()
    before = _rows(connection)

    _upgrade(connection)

    after = _rows(connection)
    assert [row.pop("token_generation") for row in after["users"]] == [0, 0]
    # Revision 0007's columns: empty on the rows from before it.
    for row in after["recipes"]:
        assert {name: row.pop(name) for name in _REAL_RECIPE_COLUMNS} == dict.fromkeys(
            _REAL_RECIPE_COLUMNS
        )
    assert after == before
    connection.execute(delete(Recipe).where(Recipe.id == newest))
    connection.execute(delete(User).where(User.id == second))  # and, by cascade, its recipe
    connection.commit()
    assert of_second not in _ids(connection, Recipe.id)
    connection.execute(insert(User), [{"email": "next@example.com"}])
    [*_, new_user] = _ids(connection, User.id)
    connection.execute(
        insert(Recipe),
        [
            {
                "label": "Cake new",
                "source": "K",
                "url": "https://example.com/c",
                "submitter_id": first,
            }
        ],
    )
    [*_, new_recipe] = _ids(connection, Recipe.id)
    connection.commit()

    assert new_user > second
    assert new_recipe > newest
    if connection.dialect.name == "sqlite":
        assert _sqlite_search(connection, "cake") == _ids(connection, Recipe.id)
        connection.commit()


def _sqlite_index_follows(connection: Connection, recipe_id: int, word: str) -> None:
    """The full-text index sees `recipe_id`'s label change to one with `word`, and back."""
    assert _sqlite_search(connection, "seed") == [recipe_id]
    rename = text("UPDATE recipes SET label = :label WHERE id = :id")
    connection.execute(rename, {"label": f"Poppy loaf {word}", "id": recipe_id})
    assert _sqlite_search(connection, "seed") == []
    assert _sqlite_search(connection, word) == [recipe_id]
    connection.execute(rename, {"label": "Seed cake", "id": recipe_id})
    connection.commit()


@pytest.mark.engines("sqlite")
def test_sqlite_full_text_index_follows_recipes_across_0005_both_ways(
    connection: Connection,
) -> None:
    """Rebuilding `recipes` drops its triggers; 0005 makes them again, up and down."""
    _upgrade(connection)
    _insert_rows(connection)
    [seed_cake] = _ids(connection, Recipe.id)
    connection.commit()

    _downgrade(connection, "0004")
    _sqlite_index_follows(connection, seed_cake, "down")
    _upgrade(connection)
    _sqlite_index_follows(connection, seed_cake, "up")


def test_sqlite_rebuild_written_as_sql_keeps_recipes_with_foreign_keys_on(tmp_path: Path) -> None:
    """`alembic upgrade 0004:head --sql`, run by hand on a database whose connection
    enforces foreign keys, must not cascade the drop of the old `users` to recipes."""
    database = tmp_path / "by-hand.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            _upgrade(connection, "0004")
            connection.execute(insert(User), [{"email": "cook@example.com"}])
            [cook] = _ids(connection, User.id)
            recipe = {"label": "Pie", "source": "K", "url": "https://example.com/pie"}
            connection.execute(insert(Recipe), [recipe | {"submitter_id": cook}])
            connection.commit()
    finally:
        engine.dispose()
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "0004:head", "--sql"],
        cwd=PROJECT_DIR,
        env=app_env(DATABASE_URL=f"sqlite:///{database}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr

    with sqlite3.connect(database) as by_hand:
        by_hand.execute("PRAGMA foreign_keys = ON")
        by_hand.executescript(result.stdout)
        recipes = by_hand.execute("SELECT submitter_id FROM recipes").fetchall()
        sequences = dict(by_hand.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    by_hand.close()

    assert recipes == [(cook,)]
    assert sequences == {"users": cook, "recipes": 1}


def test_real_recipes_down_and_up_keep_every_recipe(connection: Connection) -> None:
    """Going below 0007 drops the lists and the details but keeps every recipe, with
    "" for a source or URL it never had; coming back gives them empty lists, and the
    search index follows both ways."""
    _upgrade(connection)
    with Session(bind=connection, expire_on_commit=False) as session:
        user = make_user(session)
        whole = make_recipe(
            session,
            user,
            label="Seed cake",
            description="Caraway and butter.",
            servings=8,
            prep_minutes=20,
            ingredients=[{"quantity": "1 1/2", "food": "caraway seeds"}],
            steps=[{"text": "Bake."}],
            tags=["Baking"],
        )
        bare = make_recipe(session, user, label="Seed bread", source=None, url=None)
    ids = [whole.id, bare.id]

    _downgrade(connection, "0006")
    old = connection.execute(text("SELECT id, label, source, url FROM recipes ORDER BY id"))
    assert [tuple(row) for row in old] == [
        (whole.id, "Seed cake", "Test Kitchen", whole.url),
        (bare.id, "Seed bread", "", ""),
    ]
    assert not {"recipe_ingredients", "recipe_steps", "tags", "recipe_tags"} & _tables(connection)
    connection.commit()

    _upgrade(connection)
    with Session(bind=connection) as session:
        again = [crud.recipe.get(session, id) for id in ids]
        assert [(r.label, r.ingredients, r.steps, r.tags, r.servings) for r in again if r] == [
            ("Seed cake", [], [], [], None),
            ("Seed bread", [], [], [], None),
        ]
        found = crud.recipe.search(session, keyword="seed", limit=10)
        assert sorted(r.id for r in found) == ids
