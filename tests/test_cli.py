"""`python -m app.cli sample-data`: generated rows that are stored, valid and reproducible,
with their ingredient lines, steps and tags."""

import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, delete, func, select, text
from sqlalchemy.orm import Session, aliased, selectinload

from app import crud
from app.cli import NotReady, check_schema, main
from app.crud.recipe import derived_columns
from app.db.sample_data import (
    RECIPE_SPAN,
    TAGS,
    USER_SPAN,
    Added,
    NoUsers,
    add_sample_data,
    slug,
)
from app.db.session import make_engine
from app.models import Recipe, Tag, User
from app.models.tag import recipe_tags
from app.schemas import RecipeCreate, RecipePublic, UserCreate
from app.schemas.recipe import search_words
from app.schemas.tag import slug_of
from tests.utils.factories import make_user
from tests.utils.migrations import alembic_config
from tests.utils.processes import run_cli

UNTIL = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _add(db: Session, *, users: int, recipes: int, random_seed: int = 1) -> Added:
    return add_sample_data(
        db, users=users, recipes=recipes, rng=Random(random_seed), until=UNTIL, batch_size=64
    )


def _recipes(db: Session) -> list[tuple[Any, ...]]:
    """Every recipe in id order, its submitter named by email (ids vary between engines),
    ending with created_at, updated_at and version."""
    submitter = aliased(User)
    rows = db.execute(
        select(
            Recipe.label,
            Recipe.source,
            Recipe.url,
            submitter.email,
            Recipe.description,
            Recipe.image_url,
            Recipe.servings,
            Recipe.yield_text,
            Recipe.prep_minutes,
            Recipe.cook_minutes,
            Recipe.total_minutes,
            Recipe.foods_text,
            Recipe.tags_text,
            Recipe.created_at,
            Recipe.updated_at,
            Recipe.version,
        )
        .join(submitter, Recipe.submitter)
        .order_by(Recipe.id)
    )
    return [tuple(row) for row in rows]


def _lists(db: Session) -> list[tuple[Any, ...]]:
    """Every recipe's ingredient lines, steps and tags, in recipe id order."""
    return [
        (
            [
                (line.position, line.quantity, line.unit, line.food, line.note, line.section)
                for line in recipe.ingredients
            ],
            [(step.position, step.text, step.section) for step in recipe.steps],
            [(tag.name, tag.slug) for tag in recipe.tags],
        )
        for recipe in _with_lists(db)
    ]


def _with_lists(db: Session) -> Sequence[Recipe]:
    """Every recipe in id order, its lists loaded."""
    lists = [selectinload(Recipe.ingredients), selectinload(Recipe.steps)]
    statement = select(Recipe).options(*lists, selectinload(Recipe.tags)).order_by(Recipe.id)
    return db.scalars(statement).all()


def _users(db: Session) -> list[tuple[Any, ...]]:
    rows = db.execute(
        select(User.email, User.first_name, User.surname, User.created_at).order_by(User.id)
    )
    return [tuple(row) for row in rows]


def _as_sent(recipe: Recipe) -> dict[str, Any]:
    """A stored recipe as the API would take it back."""
    return RecipePublic.model_validate(recipe).model_dump(mode="json", exclude=_READ_ONLY)


_READ_ONLY: Any = {
    "id": True,
    "total_minutes": True,
    "submitter_id": True,
    "created_at": True,
    "updated_at": True,
    "ingredients": {"__all__": {"amount"}},
}


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
    recipes = _with_lists(db)
    assert (len(users), len(recipes)) == (7, 300)

    for user in users:
        fields = {"email": user.email, "first_name": user.first_name, "surname": user.surname}
        assert UserCreate.model_validate(fields).model_dump(include=set(fields)) == fields
        assert user.hashed_password is None
        assert user.email == user.email.lower()
        assert UNTIL - RECIPE_SPAN - USER_SPAN <= user.created_at <= UNTIL - RECIPE_SPAN
        assert (user.is_superuser, user.version) == (False, 1)
    for recipe in recipes:
        sent = _as_sent(recipe)
        # Stored exactly as the API would have stored them (the URL already normalised,
        # quantities exact), lists included.
        assert RecipeCreate.model_validate(sent).model_dump(mode="json") == sent
        assert UNTIL - RECIPE_SPAN <= recipe.created_at <= UNTIL
        assert (recipe.updated_at, recipe.version) == (recipe.created_at, 1)
        assert recipe.description and recipe.servings
        assert 5 <= len(recipe.ingredients) <= 15
        assert 3 <= len(recipe.steps) <= 10
        assert 1 <= len(recipe.tags) <= 4
        assert [line.position for line in recipe.ingredients] == list(
            range(len(recipe.ingredients))
        )
        assert [step.position for step in recipe.steps] == list(range(len(recipe.steps)))
        assert {tag.name for tag in recipe.tags} <= set(TAGS)
        # The columns every write computes, as crud.recipe computes them (the tags in
        # the order they were named, which the links do not keep).
        derived = derived_columns(
            prep_minutes=recipe.prep_minutes,
            cook_minutes=recipe.cook_minutes,
            foods=[line.food for line in recipe.ingredients],
            tags=[tag.name for tag in recipe.tags],
        )
        assert (recipe.total_minutes, recipe.foods_text) == (
            derived["total_minutes"],
            derived["foods_text"],
        )
        assert sorted((recipe.tags_text or "").split("\n")) == sorted(
            derived["tags_text"].split("\n")
        )

    created = [recipe.created_at for recipe in recipes]
    assert created == sorted(created), "created_at grows with the id"
    assert created[-1] - created[0] > RECIPE_SPAN * 0.9, "spread over the whole span"
    submitters = {recipe.submitter_id for recipe in recipes}
    assert submitters <= {user.id for user in users}
    assert len(submitters) >= 4
    assert len({recipe.label for recipe in recipes}) > 250
    assert len({recipe.source for recipe in recipes}) > 10
    # Varied, as real recipes are.
    lines = [line for recipe in recipes for line in recipe.ingredients]
    assert len({line.food for line in lines}) > 150
    assert len({tag.name for recipe in recipes for tag in recipe.tags}) > 45
    assert any(line.section for line in lines)
    assert any(line.quantity is None for line in lines), "salt to taste"
    assert any(line.quantity is not None and line.quantity.denominator > 1 for line in lines)
    assert any(recipe.yield_text for recipe in recipes)
    assert len({len(recipe.ingredients) for recipe in recipes}) == 11
    assert len({len(recipe.tags) for recipe in recipes}) == 4


def test_the_same_random_seed_gives_the_same_rows(db: Session) -> None:
    runs = []
    for random_seed in (11, 11, 12):
        with _undone(db):
            _add(db, users=5, recipes=150, random_seed=random_seed)
            runs.append((_users(db), _recipes(db), _lists(db)))

    assert runs[0] == runs[1]
    assert runs[0][1] != runs[2][1]
    assert runs[0][2] != runs[2][2]


def test_tags_are_made_once_and_found_by_slug(db: Session) -> None:
    # Made through the API before, written differently.
    [vegetarian] = crud.tag.named(db, ["VEGETARIAN"])
    db.commit()

    _add(db, users=3, recipes=100, random_seed=1)
    _add(db, users=0, recipes=100, random_seed=2)

    tags = db.scalars(select(Tag)).all()
    assert sorted(tag.slug for tag in tags) == sorted(slug_of(name) for name in TAGS)
    assert 55 <= len(TAGS) <= 70
    tagged = [r for r in _with_lists(db) if vegetarian in r.tags]
    assert tagged, "some generated recipes are vegetarian"
    for recipe in tagged:
        assert "VEGETARIAN" in (recipe.tags_text or "").split("\n")
    linked = select(func.count()).select_from(recipe_tags)
    assert db.scalar(linked.where(recipe_tags.c.tag_id == vegetarian.id)) == len(tagged)


@pytest.fixture
def forget_new_tags(engine: Engine) -> Iterator[None]:
    """Deletes the tags a committed test made (the db fixture deletes its users and
    recipes)."""
    with Session(engine) as session:
        before = list(session.scalars(select(Tag.id)))
    yield
    with Session(engine) as session:
        session.execute(delete(Tag).where(Tag.id.not_in(before)))
        session.commit()


@pytest.mark.committed
def test_a_generated_recipe_is_found_by_an_ingredient(forget_new_tags: None, db: Session) -> None:
    _add(db, users=2, recipes=40)
    recipe = _with_lists(db)[-1]
    # The longest word of its first food: a word every engine's index keeps.
    word = max(search_words(recipe.ingredients[0].food), key=len)

    found = crud.recipe.search(db, keyword=word, limit=100)
    filtered = crud.recipe.get_window(db, filters={"ingredient": [word]}, limit=100).items

    assert recipe.id in [r.id for r in found]
    assert recipe.id in [r.id for r in filtered]
    for match in filtered:
        foods = (match.foods_text or "").split("\n")
        assert any(w.startswith(word) for food in foods for w in search_words(food))


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


@pytest.mark.engines("postgresql")
def test_postgresql_plans_with_the_statistics_of_what_was_loaded(db: Session) -> None:
    # Without them, until autovacuum gets round to it, a list page's 100 recipes' tag
    # links were read by scanning every link.
    _add(db, users=3, recipes=300)

    links = db.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'recipe_tags'"))

    assert links == db.scalar(text("SELECT count(*) FROM recipe_tags"))
