"""Who may call what, checked for every route the app serves.

The routes come from walking `app.routes` (through included routers), not from a
list kept by hand: a route added later is checked as soon as it exists, and fails
test_every_api_route_is_classified until someone decides who may call it.
"""

from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.main import app
from app.models import Recipe, User
from app.schemas.user import EXAMPLE_PASSWORD
from tests.utils.auth import sign_in
from tests.utils.factories import make_recipe, make_user
from tests.utils.snapshot import everything

ANYONE = "anyone"
SIGNED_IN = "signed in"  # any user; what they may change is theirs (or a superuser's)
SUPERUSER = "superuser"

# Who may call each API route: the decision, written down once.
ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/"): ANYONE,
    ("HEAD", "/"): ANYONE,
    ("GET", "/health/live"): ANYONE,
    ("GET", "/health/ready"): ANYONE,
    # Like the health checks, for what runs beside the instances (Prometheus); the
    # proxy refuses it on the public side (deploy/haproxy.cfg, tests/test_cluster.py).
    ("GET", "/metrics"): ANYONE,
    ("GET", "/api/v1/recipes"): ANYONE,
    ("GET", "/api/v1/recipes/search"): ANYONE,
    ("GET", "/api/v1/recipes/{recipe_id}"): ANYONE,
    ("GET", "/api/v1/tags"): ANYONE,
    ("GET", "/recipes/{recipe_id}"): ANYONE,
    ("HEAD", "/recipes/{recipe_id}"): ANYONE,
    ("GET", "/tags/{slug}"): ANYONE,
    ("HEAD", "/tags/{slug}"): ANYONE,
    ("POST", "/api/v1/recipes"): SIGNED_IN,
    ("POST", "/api/v1/recipes/import"): SIGNED_IN,
    ("PATCH", "/api/v1/recipes/{recipe_id}"): SIGNED_IN,
    ("PUT", "/api/v1/recipes/{recipe_id}"): SIGNED_IN,
    ("DELETE", "/api/v1/recipes/{recipe_id}"): SIGNED_IN,
    ("GET", "/api/v1/users/{user_id}/recipes"): ANYONE,
    ("POST", "/api/v1/users/signup"): ANYONE,
    ("POST", "/api/v1/login/access-token"): ANYONE,
    ("POST", "/api/v1/password-recovery"): ANYONE,
    ("POST", "/api/v1/reset-password"): ANYONE,
    # Proof enough is the refresh token in the body.
    ("POST", "/api/v1/login/refresh"): ANYONE,
    ("POST", "/api/v1/logout"): SIGNED_IN,
    ("GET", "/api/v1/users/me"): SIGNED_IN,
    ("PATCH", "/api/v1/users/me"): SIGNED_IN,
    ("PATCH", "/api/v1/users/me/password"): SIGNED_IN,
    ("GET", "/api/v1/users"): SUPERUSER,
    ("POST", "/api/v1/users"): SUPERUSER,
    ("GET", "/api/v1/users/{user_id}"): SUPERUSER,
    ("PATCH", "/api/v1/users/{user_id}"): SUPERUSER,
    ("DELETE", "/api/v1/users/{user_id}"): SUPERUSER,
}
# The only writes anyone may make without signing in.
PUBLIC_WRITES = {
    ("POST", "/api/v1/login/access-token"),
    ("POST", "/api/v1/login/refresh"),
    ("POST", "/api/v1/users/signup"),
    ("POST", "/api/v1/password-recovery"),
    ("POST", "/api/v1/reset-password"),
}
# Proof by mail, not by token, and only with SMTP settings: tests/api/test_password.py.
PASSWORD_RECOVERY = {("POST", "/api/v1/password-recovery"), ("POST", "/api/v1/reset-password")}
READ_METHODS = {"GET", "HEAD"}


def api_routes() -> dict[tuple[str, str], APIRoute]:
    """Every (method, path) the app's API routes answer, prefixes included."""
    found: dict[tuple[str, str], APIRoute] = {}
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            assert context.path and context.methods, context
            for method in context.methods:
                found[(method, context.path)] = context.original_route
    return found


def other_routes() -> list[Any]:
    return [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if not isinstance(context.original_route, APIRoute)
    ]


ROUTES = api_routes()
WRITES = sorted(key for key in ROUTES if key[0] not in READ_METHODS)


def _ids(key: tuple[str, str]) -> str:
    return " ".join(key)


def _example_body(route: APIRoute) -> dict[str, Any] | None:
    """A valid body for the route, from its schema's first example: if the access
    check were missing, the request would succeed and change something."""
    if route.body_field is None:
        # A body read by the route itself (the import) declares its examples directly.
        declared = (route.openapi_extra or {}).get("requestBody", {}).get("content", {})
        json_examples = declared.get("application/json", {}).get("schema", {}).get("examples")
        return json_examples[-1] if json_examples else None
    schema = route.body_field.field_info.annotation
    assert isinstance(schema, type) and issubclass(schema, BaseModel), route
    examples = schema.model_json_schema().get("examples") or [{}]
    body: dict[str, Any] = examples[-1]
    return body


def _call(client: TestClient, key: tuple[str, str], recipe: Recipe, user: User) -> Any:
    method, path = key
    url = path.format(recipe_id=recipe.id, user_id=user.id, slug="aimed-at")
    # Routes ignore query parameters they do not take; search needs its keyword.
    params = {"keyword": recipe.label}
    return client.request(method, url, params=params, json=_example_body(ROUTES[key]))


@pytest.fixture
def recipe(db: Session) -> Recipe:
    """The recipe every request aims at: someone else's, with a tag (for /tags/{slug})."""
    return make_recipe(db, make_user(db), tags=["Aimed at"])


@pytest.fixture
def victim(db: Session, recipe: Recipe) -> User:
    """Someone else: the owner of `recipe`."""
    return db.get_one(User, recipe.submitter_id)


def test_the_walk_finds_the_routes() -> None:
    # The walk must see through included routers (FastAPI keeps them unflattened);
    # a walk that found nothing would make every test below pass vacuously.
    assert ("POST", "/api/v1/recipes") in ROUTES
    assert ("GET", "/") in ROUTES  # include_in_schema=False routes too
    with TestClient(app) as client:
        documented = {
            (method.upper(), path)
            for path, item in client.get("/openapi.json").json()["paths"].items()
            for method in item
        }
    assert documented <= set(ROUTES)


def test_every_api_route_is_classified() -> None:
    assert set(ROUTES) == set(ACCESS), "decide who may call each new route in ACCESS"


def test_only_sign_in_sign_up_and_password_recovery_are_public_writes() -> None:
    public_writes = {key for key in WRITES if ACCESS.get(key) == ANYONE}

    assert public_writes == PUBLIC_WRITES


def test_routes_outside_the_api_only_read() -> None:
    for route in other_routes():
        if isinstance(route, Mount):
            assert isinstance(route.app, StaticFiles), route
        else:
            assert isinstance(route, Route) and route.methods, route
            assert route.methods <= READ_METHODS, route


def _assert_refused(
    client: TestClient, db: Session, key: tuple[str, str], recipe: Recipe, victim: User, status: int
) -> Any:
    before = everything(db)

    response = _call(client, key, recipe, victim)

    assert response.status_code == status, response.text
    assert everything(db) == before
    return response


@pytest.mark.parametrize("key", [key for key in WRITES if key not in PUBLIC_WRITES], ids=_ids)
def test_anonymous_writes_are_401_and_change_nothing(
    client: TestClient, db: Session, recipe: Recipe, victim: User, key: tuple[str, str]
) -> None:
    response = _assert_refused(client, db, key, recipe, victim, 401)

    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("key", [key for key, who in ACCESS.items() if who != ANYONE], ids=_ids)
def test_routes_for_signed_in_users_refuse_anonymous_callers(
    client: TestClient, db: Session, recipe: Recipe, victim: User, key: tuple[str, str]
) -> None:
    _assert_refused(client, db, key, recipe, victim, 401)


@pytest.mark.parametrize("key", [key for key, who in ACCESS.items() if who == SUPERUSER], ids=_ids)
def test_superuser_routes_refuse_a_normal_user_with_403(
    user_client: TestClient, db: Session, recipe: Recipe, victim: User, key: tuple[str, str]
) -> None:
    _assert_refused(user_client, db, key, recipe, victim, 403)


@pytest.mark.parametrize(
    "key", [key for key in WRITES if ACCESS.get(key) == SIGNED_IN and "{" in key[1]], ids=_ids
)
def test_changing_what_is_someone_elses_is_403(
    user_client: TestClient, db: Session, recipe: Recipe, victim: User, key: tuple[str, str]
) -> None:
    _assert_refused(user_client, db, key, recipe, victim, 403)


# The login takes a form, and the refresh a refresh token, not an access token:
# tests/api/test_login.py and tests/api/test_sessions.py.
SIGN_INS = {("POST", "/api/v1/login/access-token"), ("POST", "/api/v1/login/refresh")}


@pytest.mark.parametrize("key", sorted(set(ACCESS) - SIGN_INS - PASSWORD_RECOVERY), ids=_ids)
def test_a_superuser_may_call_every_route(
    client: TestClient, db: Session, recipe: Recipe, victim: User, key: tuple[str, str]
) -> None:
    # With the password the examples give as the current one (PATCH /users/me/password).
    sign_in(client, make_user(db, is_superuser=True, password=EXAMPLE_PASSWORD))

    response = _call(client, key, recipe, victim)

    assert response.status_code < 400, response.text


@pytest.mark.parametrize(
    "key",
    [key for key, who in ACCESS.items() if who == ANYONE and key not in PUBLIC_WRITES],
    ids=_ids,
)
def test_reading_is_public(
    client: TestClient, recipe: Recipe, victim: User, key: tuple[str, str]
) -> None:
    response = _call(client, key, recipe, victim)

    assert response.status_code == 200, response.text
