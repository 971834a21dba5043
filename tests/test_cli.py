"""`python -m app.cli sample-data`: generated rows that are stored, valid and reproducible."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session, aliased

from app.cli import NotReady, check_schema, main
from app.db.sample_data import RECIPE_SPAN, USER_SPAN, Added, NoUsers, add_sample_data, slug
from app.db.session import make_engine
from app.models import Recipe, User
from app.schemas import RecipeCreate, UserCreate
from tests.utils.factories import make_user
from tests.utils.migrations import alembic_config
from tests.utils.processes import run_cli

UNTIL = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _add(db: Session, *, users: int, recipes: int, random_seed: int = 1) -> Added:
    return add_sample_data(
        db, users=users, recipes=recipes, rng=Random(random_seed), until=UNTIL, batch_size=64
    )


def _recipes(db: Session) -> list[tuple[Any, ...]]:
    """Every recipe in id order, its submitter named by email (ids vary between engines)."""
    submitter = aliased(User)
    rows = db.execute(
        select(
            Recipe.label,
            Recipe.source,
            Recipe.url,
            submitter.email,
            Recipe.created_at,
            Recipe.updated_at,
            Recipe.version,
        )
        .join(submitter, Recipe.submitter)
        .order_by(Recipe.id)
    )
    return [tuple(row) for row in rows]


def _users(db: Session) -> list[tuple[Any, ...]]:
    rows = db.execute(
        select(User.email, User.first_name, User.surname, User.created_at).order_by(User.id)
    )
    return [tuple(row) for row in rows]


@contextmanager
def _undone(db: Session) -> Iterator[None]:
    """Whatever the session commits inside is rolled back at the end."""
    connection = db.get_bind()
    assert isinstance(connection, Connection), "the db fixture binds the session to a connection"
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.rollback()  # the session's own savepoint, inside ours
        savepoint.rollback()


def test_generated_rows_are_stored_and_pass_the_api_schemas(db: Session) -> None:
    progress: list[int] = []

    result = add_sample_data(
        db,
        users=7,
        recipes=300,
        rng=Random(3),
        until=UNTIL,
        batch_size=64,
        on_progress=progress.append,
    )

    assert result == Added(users=7, recipes=300)
    assert progress == [64, 64, 64, 64, 44]
    users = db.scalars(select(User).order_by(User.id)).all()
    recipes = db.scalars(select(Recipe).order_by(Recipe.id)).all()
    assert (len(users), len(recipes)) == (7, 300)

    for user in users:
        fields = {"email": user.email, "first_name": user.first_name, "surname": user.surname}
        assert UserCreate.model_validate(fields).model_dump(include=set(fields)) == fields
        assert user.hashed_password is None
        assert user.email == user.email.lower()
        assert UNTIL - RECIPE_SPAN - USER_SPAN <= user.created_at <= UNTIL - RECIPE_SPAN
        assert (user.is_superuser, user.version) == (False, 1)
    for recipe in recipes:
        recipe_fields: dict[str, object] = {
            "label": recipe.label,
            "source": recipe.source,
            "url": recipe.url,
        }
        # Stored exactly as the API would have stored them (the URL already normalised).
        assert RecipeCreate.model_validate(recipe_fields).model_dump() == recipe_fields
        assert UNTIL - RECIPE_SPAN <= recipe.created_at <= UNTIL
        assert (recipe.updated_at, recipe.version) == (recipe.created_at, 1)

    created = [recipe.created_at for recipe in recipes]
    assert created == sorted(created), "created_at grows with the id"
    assert created[-1] - created[0] > RECIPE_SPAN * 0.9, "spread over the whole span"
    submitters = {recipe.submitter_id for recipe in recipes}
    assert submitters <= {user.id for user in users}
    assert len(submitters) >= 4
    assert len({recipe.label for recipe in recipes}) > 250
    assert len({recipe.source for recipe in recipes}) > 10


def test_the_same_random_seed_gives_the_same_rows(db: Session) -> None:
    runs = []
    for random_seed in (11, 11, 12):
        with _undone(db):
            _add(db, users=5, recipes=150, random_seed=random_seed)
            runs.append((_users(db), _recipes(db)))

    assert runs[0] == runs[1]
    assert runs[0][1] != runs[2][1]


def test_recipes_only_go_to_the_users_already_there(db: Session) -> None:
    cooks = {make_user(db).id, make_user(db).id}

    assert _add(db, users=0, recipes=40) == Added(users=0, recipes=40)

    assert set(db.scalars(select(Recipe.submitter_id))) == cooks
    assert db.scalar(select(func.count()).select_from(User)) == 2


def test_recipes_without_any_user_are_refused(db: Session) -> None:
    with pytest.raises(NoUsers, match="--users"):
        _add(db, users=0, recipes=1)


def test_new_emails_never_clash_with_existing_ones(db: Session) -> None:
    def new_emails() -> list[str]:
        _add(db, users=3, recipes=0)
        return [email for email, *_ in _users(db)[3:]]

    with _undone(db):
        for _ in range(3):
            make_user(db)
        planned = new_emails()
    # Three users added in the API's way first, with the very addresses the command will make.
    for email in planned:
        make_user(db, email=email)

    renumbered = new_emails()

    assert len(set(planned + renumbered)) == 6
    # The same people, each with the next free number.
    assert [_without_digits(email) for email in renumbered] == [
        _without_digits(email) for email in planned
    ]


def _without_digits(email: str) -> str:
    return "".join(char for char in email if not char.isdigit())


def test_slugs_are_plain_ascii_words() -> None:
    assert slug("Nonna's Ragù") == "nonnas-ragu"
    assert slug("  Bon Appétit: Stir-Fry!  ") == "bon-appetit-stir-fry"


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--recipes", "-1"], "argument --recipes: must be a whole number from 0 to 10,000,000"),
        (["--recipes", "10000001"], "argument --recipes: must be a whole number"),
        (["--recipes", "1e9"], "argument --recipes: must be a whole number"),
        (["--users", "-3"], "argument --users: must be a whole number from 0 to 1,000,000"),
        (["--users", "many"], "argument --users: must be a whole number"),
        (["--random-seed", "x"], "argument --random-seed: invalid int value"),
        (["--tables", "3"], "unrecognized arguments: --tables"),
    ],
)
def test_bad_arguments_exit_with_2_and_say_why(
    args: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sample-data", *args])

    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert complaint in err


def test_seed_is_not_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    # "seed" is prestart's (app/initial_data.py): the first superuser and starter recipes.
    with pytest.raises(SystemExit) as exit_info:
        main(["seed", "--recipes", "10"])

    assert exit_info.value.code == 2
    assert "invalid choice: 'seed' (choose from 'sample-data')" in capsys.readouterr().err


def test_no_command_exits_with_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])

    assert exit_info.value.code == 2
    assert "required: COMMAND" in capsys.readouterr().err


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[Path, Engine]]:
    path = tmp_path / "sample.db"
    engine = make_engine(f"sqlite:///{path}", pooled=False)
    yield path, engine
    engine.dispose()


def test_check_schema_wants_the_latest_migration(sqlite_file: tuple[Path, Engine]) -> None:
    path, engine = sqlite_file
    with pytest.raises(NotReady, match=f"no database at {path}: run `alembic upgrade head`"):
        check_schema(engine)
    assert not path.exists(), "checking must not create the file"

    path.touch()
    with pytest.raises(NotReady, match="has no schema: run `alembic upgrade head` first"):
        check_schema(engine)

    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "0001")
    with pytest.raises(NotReady, match="at revision 0001, not the latest .*alembic upgrade head"):
        check_schema(engine)

    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
    check_schema(engine)


def _run_cli(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, DATABASE_URL=f"sqlite:///{database}")


def test_sample_data_command_on_a_database_from_the_settings(
    sqlite_file: tuple[Path, Engine],
) -> None:
    path, engine = sqlite_file

    refused = _run_cli("sample-data", "--recipes", "10", database=path)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"sample-data: no database at {path}: run `alembic upgrade head` first"
    ]

    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
    started = datetime.now(UTC)
    done = _run_cli(
        "sample-data", "--recipes", "250", "--users", "4", "--random-seed", "5", database=path
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr == "", "no progress bar when stderr is not a terminal"
    assert done.stdout.startswith("sample-data: added 4 users and 250 recipes in ")
    assert done.stdout.rstrip().endswith("--random-seed 5 repeats them")
    with Session(engine) as db:
        assert len(_users(db)) == 4
        recipes = _recipes(db)
    assert len(recipes) == 250
    newest = max(created_at for *_, created_at, _updated_at, _version in recipes)
    # The span ends at the time of the run; the newest recipe is in its last slot.
    assert started - RECIPE_SPAN / 250 < newest <= datetime.now(UTC)
