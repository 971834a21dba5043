"""ETags and conditional requests: no lost updates, and cheap re-reads."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.models import Recipe, User
from tests.utils.errors import error_detail
from tests.utils.factories import make_recipe, make_user

# (path, model, a change to send, the field it changes)
RESOURCES = {
    "recipes": ("/api/v1/recipes", Recipe, {"label": "Changed label"}, "label"),
    "users": ("/api/v1/users", User, {"surname": "Changed"}, "surname"),
}


def _make(db: Session, resource: str) -> Recipe | User:
    return make_recipe(db) if resource == "recipes" else make_user(db)


@pytest.fixture(params=list(RESOURCES))
def resource(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def _url(resource: str, obj: Any) -> str:
    return f"{RESOURCES[resource][0]}/{obj.id}"


def _stored(db: Session, obj: Any, field: str) -> Any:
    db.expire_all()
    return getattr(db.get(type(obj), obj.id), field)


def test_read_and_create_carry_the_etag(superuser_client: TestClient, db: Session) -> None:
    user = superuser_client.post("/api/v1/users", json={"email": "etag@example.com"})
    assert user.headers["etag"] == '"1"'
    recipe = make_recipe(db)

    response = superuser_client.get(f"/api/v1/recipes/{recipe.id}")

    assert response.headers["etag"] == '"1"'


def test_each_change_gives_a_new_etag(
    superuser_client: TestClient, db: Session, resource: str
) -> None:
    obj = _make(db, resource)
    _, _, change, _ = RESOURCES[resource]

    first = superuser_client.patch(_url(resource, obj), json=change, headers={"If-Match": '"1"'})
    second = superuser_client.patch(_url(resource, obj), json={**change}, headers={"If-Match": "*"})

    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"2"'
    # Sending the same values again changes nothing, so the ETag stays.
    assert second.headers["etag"] == '"2"'
    assert superuser_client.get(_url(resource, obj)).headers["etag"] == '"2"'


@pytest.mark.parametrize(
    "if_match", ['"1"', 'W/"2"', '"3", "1"', "garbage"], ids=["stale", "weak", "list", "garbage"]
)
@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_stale_if_match_is_412_and_changes_nothing(
    superuser_client: TestClient, db: Session, method: str, if_match: str
) -> None:
    recipe = make_recipe(db)
    superuser_client.patch(f"/api/v1/recipes/{recipe.id}", json={"label": "Second version"})
    body = {
        "label": "Lost update",
        "source": recipe.source,
        "url": recipe.url,
    }

    response = superuser_client.request(
        method,
        f"/api/v1/recipes/{recipe.id}",
        json=None if method == "DELETE" else body,
        headers={"If-Match": if_match},
    )

    assert response.status_code == 412, response.text
    detail = error_detail(response)
    assert if_match in detail and '"2"' in detail and "fetch it again" in detail
    assert _stored(db, recipe, "label") == "Second version"
    assert _stored(db, recipe, "version") == 2


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_stale_if_match_on_users_is_412(
    superuser_client: TestClient, db: Session, method: str
) -> None:
    user = make_user(db, surname="Before")
    superuser_client.patch(f"/api/v1/users/{user.id}", json={"first_name": "Second"})

    response = superuser_client.request(
        method,
        f"/api/v1/users/{user.id}",
        json={"surname": "Lost"} if method == "PATCH" else None,
        headers={"If-Match": '"1"'},
    )

    assert response.status_code == 412, response.text
    assert _stored(db, user, "surname") == "Before"


def test_matching_if_match_applies(
    superuser_client: TestClient, db: Session, resource: str
) -> None:
    obj = _make(db, resource)
    _, _, change, field = RESOURCES[resource]
    url = _url(resource, obj)

    etag = superuser_client.get(url).headers["etag"]
    changed = superuser_client.patch(url, json=change, headers={"If-Match": f'"7", {etag}'})
    deleted = superuser_client.delete(url, headers={"If-Match": changed.headers["etag"]})

    assert changed.status_code == 200, changed.text
    assert changed.json()[field] == change[field]
    assert deleted.status_code == 204
    assert superuser_client.get(url).status_code == 404


def test_if_none_match_current_is_304_without_body(
    superuser_client: TestClient, db: Session, resource: str
) -> None:
    obj = _make(db, resource)
    url = _url(resource, obj)

    for header in ('"1"', 'W/"1"', '"9", "1"', "*"):
        response = superuser_client.get(url, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == '"1"'


def test_if_none_match_stale_is_full_200(
    superuser_client: TestClient, db: Session, resource: str
) -> None:
    obj = _make(db, resource)
    url = _url(resource, obj)
    _, _, change, _ = RESOURCES[resource]
    superuser_client.patch(url, json=change)

    response = superuser_client.get(url, headers={"If-None-Match": '"1"'})

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    assert response.json()["id"] == obj.id


def test_if_none_match_on_a_missing_row_is_404(superuser_client: TestClient) -> None:
    assert (
        superuser_client.get("/api/v1/recipes/424242", headers={"If-None-Match": "*"}).status_code
        == 404
    )


ChangeBehindTheBack = Callable[[Session, Any], None]


def _bump_version(db: Session, obj: Any) -> None:
    # Another transaction's committed UPDATE, as this session cannot see it coming.
    model = type(obj)
    db.execute(
        update(model).where(model.id == obj.id).values(version=model.version + 1),
        execution_options={"synchronize_session": False},
    )


def _delete_row(db: Session, obj: Any) -> None:
    # The cascade from users removes recipes the same way: behind the session's back.
    model = type(obj)
    db.connection().execute(model.__table__.delete().where(model.id == obj.id))


@pytest.mark.parametrize("race", [_bump_version, _delete_row], ids=["changed", "deleted"])
def test_losing_a_race_after_the_check_is_409(
    superuser_client: TestClient, db: Session, race: ChangeBehindTheBack
) -> None:
    """The version check in the UPDATE itself catches a change made after If-Match passed."""
    recipe = make_recipe(db, label="Original")
    url = f"/api/v1/recipes/{recipe.id}"

    raced: list[bool] = []

    def lose_the_race(session: Session, *_: Any) -> None:
        # After the request has read the row (at version 1), before it writes.
        if not raced:
            raced.append(True)
            race(session, recipe)

    event.listen(db, "before_flush", lose_the_race)
    try:
        response = superuser_client.patch(url, json={"label": "Overwrite"})
    finally:
        event.remove(db, "before_flush", lose_the_race)

    assert response.status_code == 409, response.text
    assert error_detail(response) == (
        f"recipe {recipe.id} was changed by another request at the same time; fetch it again"
    )
