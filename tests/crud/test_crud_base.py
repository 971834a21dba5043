"""CRUDBase, through the two tables that use it and through tables of the tests' own."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app import crud
from app.core.security import hash_password, verify_password
from app.crud.base import CRUDBase
from app.db.types import UTCDateTime
from app.exceptions import Conflict, InvalidInput, NotFound
from app.models import Recipe, User
from app.schemas import RecipeCreate, RecipeUpdate, UserUpdate
from app.schemas.base import MAX_LIMIT, MAX_OFFSET
from tests.utils.auth import sign_in
from tests.utils.factories import make_recipe, make_user, recipe_body, recipe_fields, user_fields


def test_get_returns_the_object_or_none(db: Session) -> None:
    recipe = make_recipe(db)

    assert crud.recipe.get(db, recipe.id) is recipe
    assert crud.recipe.get(db, recipe.id + 1000) is None


def test_get_or_raise_names_the_missing_object(db: Session) -> None:
    with pytest.raises(NotFound, match="recipe 77 not found"):
        crud.recipe.get_or_raise(db, 77)


def test_a_table_without_a_declared_order_lists_by_primary_key(db: Session) -> None:
    ids = [make_user(db).id for _ in range(4)]

    window = crud.user.get_window(db, offset=1, limit=2)

    assert [u.id for u in window.items] == ids[1:3]


def test_the_default_order_breaks_timestamp_ties_on_id(db: Session) -> None:
    user = make_user(db)
    first = make_recipe(db, user)
    tied = [make_recipe(db, user, created_at=first.created_at) for _ in range(3)]
    later = make_recipe(db, user, created_at=first.created_at + timedelta(seconds=1))

    listed = [r.id for r in crud.recipe.get_window(db).items]

    assert listed == [later.id, *sorted([first.id, *(r.id for r in tied)], reverse=True)]


def test_each_table_declares_its_order_once(db: Session) -> None:
    assert crud.recipe.sort().spec == "-created_at,-id"
    assert crud.user.sort().spec == "id"


@pytest.mark.parametrize(
    ("offset", "limit"), [(-1, 10), (MAX_OFFSET + 1, 10), (0, 0), (0, -5), (0, MAX_LIMIT + 1)]
)
def test_get_window_refuses_out_of_bounds_paging(db: Session, offset: int, limit: int) -> None:
    with pytest.raises(ValueError, match="must be between"):
        crud.recipe.get_window(db, offset=offset, limit=limit)


def test_count(db: Session) -> None:
    user = make_user(db)
    for _ in range(3):
        make_recipe(db, user)
    make_recipe(db)

    assert crud.recipe.count(db) == 4
    assert crud.recipe.count(db, {"submitter_id": user.id}) == 3
    assert crud.recipe.count(db, {"submitter_id": None}) == 4
    assert crud.user.count(db) == 2


def test_count_refuses_unknown_filters(db: Session) -> None:
    with pytest.raises(ValueError, match="recipe has no filter.*rating"):
        crud.recipe.count(db, {"rating": 5})


def test_create_from_schema_and_from_dict(db: Session) -> None:
    user = make_user(db)
    schema = RecipeCreate.model_validate(recipe_body(url="https://example.com"))

    from_schema = crud.recipe.create_with_submitter(db, obj_in=schema, submitter_id=user.id)
    from_dict = crud.recipe.create(db, obj_in=recipe_fields(user.id, label="From a dict"))

    assert from_schema.url == "https://example.com/"
    assert from_schema.submitter_id == user.id
    assert from_dict.label == "From a dict"
    assert crud.recipe.count(db) == 2


def test_create_refuses_unknown_fields(db: Session) -> None:
    user = make_user(db)

    with pytest.raises(ValueError, match="recipe has no writable field.*rating"):
        crud.recipe.create(db, obj_in=recipe_fields(user.id, rating=5))
    assert crud.recipe.count(db) == 0


def test_create_refuses_a_missing_submitter(db: Session) -> None:
    with pytest.raises(InvalidInput, match="no user with id 999") as raised:
        crud.recipe.create(db, obj_in=recipe_fields(999))
    assert raised.value.field == "submitter_id"


def test_update_from_a_schema_sets_only_the_fields_sent(db: Session) -> None:
    recipe = make_recipe(db, label="Before", source="Kept")

    crud.recipe.update(db, db_obj=recipe, obj_in=RecipeUpdate(label="After"))

    db.expire_all()
    stored = db.get(Recipe, recipe.id)
    assert stored is not None and (stored.label, stored.source) == ("After", "Kept")


def test_update_from_a_dict(db: Session) -> None:
    user = make_user(db, first_name="Ada")

    crud.user.update(db, db_obj=user, obj_in={"surname": "Lovelace"})

    assert (user.first_name, user.surname) == ("Ada", "Lovelace")


@pytest.mark.parametrize("fields", [{"nickname": "x"}, {"id": 5}, {"recipes": []}])
def test_update_refuses_unknown_or_unwritable_fields(
    db: Session, fields: dict[str, object]
) -> None:
    user = make_user(db, first_name="Ada")

    with pytest.raises(ValueError, match="user has no writable field"):
        crud.user.update(db, db_obj=user, obj_in=fields)
    db.expire_all()
    assert db.get(User, user.id) is not None


def test_update_to_a_taken_email_is_a_conflict(db: Session) -> None:
    make_user(db, email="one@example.com")
    other = make_user(db, email="two@example.com")

    with pytest.raises(Conflict):
        crud.user.update(db, db_obj=other, obj_in=UserUpdate(email="ONE@example.com"))


def test_email_is_stored_lower_case(db: Session) -> None:
    user = crud.user.create(db, obj_in={"email": "Grace@Example.COM"})

    assert user.email == "grace@example.com"
    assert crud.user.get_by_email(db, email="GRACE@example.com") is user


def test_remove_deletes_and_returns_the_object(db: Session) -> None:
    recipe = make_recipe(db)

    removed = crud.recipe.remove(db, id=recipe.id)

    assert removed.id == recipe.id
    assert db.scalar(select(func.count()).select_from(Recipe)) == 0


def test_remove_of_a_missing_id_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound, match="user 5 not found"):
        crud.user.remove(db, id=5)


@pytest.mark.committed
def test_search_pages_through_every_match(db: Session) -> None:
    user = make_user(db)
    matches = [make_recipe(db, user, label=f"Apple pie {n}").id for n in range(5)]
    make_recipe(db, user, label="Pear tart")

    first = crud.recipe.search(db, keyword="APPLE", limit=3)
    rest = crud.recipe.search(db, keyword="apple", limit=3, offset=3)

    assert [r.id for r in [*first, *rest]] == sorted(matches, reverse=True)


def _fail_after_flush(session: Session, _context: object) -> None:
    raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))


def test_a_failed_commit_raises_and_leaves_nothing_behind(db: Session) -> None:
    user = make_user(db)
    event.listen(db, "after_flush", _fail_after_flush)
    try:
        with pytest.raises(OperationalError):
            crud.recipe.create(db, obj_in=recipe_fields(user.id))
    finally:
        event.remove(db, "after_flush", _fail_after_flush)

    assert db.scalar(select(func.count()).select_from(Recipe)) == 0
    assert crud.user.get(db, user.id) is not None


def test_a_request_whose_commit_fails_gets_an_error_not_a_2xx(
    client: TestClient, db: Session
) -> None:
    user = make_user(db)
    recipe = make_recipe(db, user, label="Unchanged")
    sign_in(client, user)
    event.listen(db, "after_flush", _fail_after_flush)
    try:
        created = client.post("/api/v1/recipes", json=recipe_body())
        patched = client.patch(f"/api/v1/recipes/{recipe.id}", json={"label": "Changed"})
        deleted = client.delete(f"/api/v1/recipes/{recipe.id}")
    finally:
        event.remove(db, "after_flush", _fail_after_flush)

    assert created.status_code == patched.status_code == deleted.status_code == 503
    assert created.headers["retry-after"] == "1"
    db.expire_all()
    assert [r.label for r in db.scalars(select(Recipe))] == ["Unchanged"]


@pytest.mark.parametrize("method", ["create", "update"])
def test_a_password_hash_is_never_an_input(db: Session, method: str) -> None:
    user = make_user(db)
    fields = {"hashed_password": "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA"}

    with pytest.raises(ValueError, match="user has no writable field.*hashed_password"):
        if method == "create":
            crud.user.create(db, obj_in=user_fields() | fields)
        else:
            crud.user.update(db, db_obj=user, obj_in=fields)

    db.expire_all()
    assert db.scalars(select(User.hashed_password)).all() == [None]


def test_passwords_are_stored_hashed_with_argon2id(db: Session) -> None:
    user = crud.user.create(db, obj_in={**user_fields(), "password": "a long password"})

    assert user.hashed_password is not None
    assert "a long password" not in user.hashed_password
    assert user.hashed_password.startswith("$argon2id$")
    assert verify_password("a long password", user.hashed_password)
    assert not verify_password("a long passwore", user.hashed_password)


def test_the_hash_parameters_meet_owasps_minimum() -> None:
    # OWASP Password Storage Cheat Sheet: Argon2id, at least 19 MiB and 2 iterations.
    hashed = hash_password("anything at all")
    variant, _version, parameters, _salt, _digest = hashed.removeprefix("$").split("$")
    cost = dict(item.split("=") for item in parameters.split(","))

    assert variant == "argon2id"
    assert int(cost["m"]) >= 19 * 1024
    assert int(cost["t"]) >= 2


# Tables of their own: CRUDBase reads what it needs from the model, whatever the names.


class Models(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


class Shelf(Models):
    __tablename__ = "shelves"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    shelved_at: Mapped[datetime]


class Numbered(Models):
    __tablename__ = "numbered"
    number: Mapped[int] = mapped_column("shelf_number", primary_key=True)
    label: Mapped[str] = mapped_column(String(20))


class Link(Models):
    __tablename__ = "links"
    shelf_code: Mapped[str] = mapped_column(ForeignKey("shelves.code"), primary_key=True)
    number: Mapped[int] = mapped_column(ForeignKey("numbered.shelf_number"), primary_key=True)


def test_the_primary_key_is_read_from_the_model() -> None:
    shelves = CRUDBase[Shelf, BaseModel, BaseModel](Shelf)
    numbered = CRUDBase[Numbered, BaseModel, BaseModel](Numbered)

    assert (shelves.key, shelves.sortable, shelves.sort().spec) == ("code", ("code",), "code")
    # The attribute's name, not the column's.
    assert (numbered.key, numbered.sort("-number").spec) == ("number", "-number")


def test_a_key_the_database_does_not_generate_is_set_on_create_only() -> None:
    shelves = CRUDBase[Shelf, BaseModel, BaseModel](Shelf)
    numbered = CRUDBase[Numbered, BaseModel, BaseModel](Numbered)
    when = datetime.now(UTC)

    assert shelves._fields({"code": "A1", "shelved_at": when}, partial=False)["code"] == "A1"
    with pytest.raises(ValueError, match="shelf has no writable field.*code"):
        shelves._fields({"code": "A2"}, partial=True)
    with pytest.raises(ValueError, match="numbered has no writable field.*number"):
        numbered._fields({"number": 7, "label": "x"}, partial=False)


def test_a_composite_key_is_refused_saying_what_to_use_instead() -> None:
    with pytest.raises(TypeError, match=r"link's is \(shelf_code, number\).*secondary"):
        CRUDBase[Link, BaseModel, BaseModel](Link)


def test_a_sortable_column_must_exist() -> None:
    class CRUDShelf(CRUDBase[Shelf, BaseModel, BaseModel]):
        sortable = ("shelved_on", "code")

    with pytest.raises(TypeError, match="shelf has no column 'shelved_on' to sort by"):
        CRUDShelf(Shelf)
