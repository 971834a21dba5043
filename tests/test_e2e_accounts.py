"""Attacks on accounts against the service as deployed (run.sh, uvicorn, a fresh
database on each engine): a token must never outlive the account, the password or the
rights it was issued for, and no id is ever handed out twice."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.engine import URL

from tests.utils.processes import deployed_service

pytestmark = pytest.mark.e2e

ADMIN = "admin@example.com"
ADMIN_PASSWORD = "e2e admin password"
PASSWORD = "an account password"
TIMEOUT = 30


class Api:
    """The service's /api/v1, spoken as a client would."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/api/v1"

    def token(self, email: str, password: str = PASSWORD) -> str:
        response = requests.post(
            f"{self.url}/login/access-token",
            data={"username": email, "password": password},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return requests.request(method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def signup(self, email: str) -> int:
        response = self.call("POST", "/users/signup", json={"email": email, "password": PASSWORD})
        assert response.status_code == 201, response.text
        user_id: int = response.json()["id"]
        return user_id

    def create_user(self, admin: str, email: str, **fields: Any) -> int:
        body = {"email": email, "password": PASSWORD, **fields}
        response = self.call("POST", "/users", admin, json=body)
        assert response.status_code == 201, response.text
        user_id: int = response.json()["id"]
        return user_id

    def delete_user(self, admin: str, user_id: int) -> None:
        response = self.call("DELETE", f"/users/{user_id}", admin)
        assert response.status_code == 204, response.text

    def create_recipe(self, token: str, label: str) -> int:
        body = {"label": label, "source": "E2E", "url": "https://example.com/r"}
        response = self.call("POST", "/recipes", token, json=body)
        assert response.status_code == 201, response.text
        recipe_id: int = response.json()["id"]
        return recipe_id

    def me(self, token: str) -> Any:
        return self.call("GET", "/users/me", token)


@pytest.fixture
def api(tmp_path: Path, database_url: URL) -> Iterator[Api]:
    with deployed_service(tmp_path, database_url, ADMIN_PASSWORD) as url:
        yield Api(url)


def _refused(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_deleted_users_token_never_signs_in_whoever_comes_next(api: Api) -> None:
    admin = api.token(ADMIN, ADMIN_PASSWORD)

    # The newest user signs in, and is deleted; the next account is a plain user.
    gone_id = api.signup("gone@example.com")
    gone_token = api.token("gone@example.com")
    api.delete_user(admin, gone_id)
    next_id = api.signup("next@example.com")

    assert next_id > gone_id
    _refused(api.me(gone_token))

    # The same, when the next account is a superuser.
    victim_id = api.signup("victim@example.com")
    victim_token = api.token("victim@example.com")
    api.delete_user(admin, victim_id)
    boss_id = api.create_user(admin, "boss@example.com", is_superuser=True)

    assert boss_id > victim_id
    _refused(api.me(victim_token))
    _refused(api.call("GET", "/users", victim_token))
    assert api.me(api.token("boss@example.com")).json()["id"] == boss_id


def test_a_deleted_recipes_id_is_never_given_again(api: Api) -> None:
    api.signup("cook@example.com")
    token = api.token("cook@example.com")
    first = api.create_recipe(token, "First")
    newest = api.create_recipe(token, "Newest")
    assert api.call("DELETE", f"/recipes/{newest}", token).status_code == 204

    after = api.create_recipe(token, "After")

    assert after > newest > first
    assert api.call("GET", f"/recipes/{newest}", token).status_code == 404


def test_tokens_end_with_the_password_or_rights_they_were_issued_for(api: Api) -> None:
    admin = api.token(ADMIN, ADMIN_PASSWORD)
    user_id = api.signup("cook@example.com")

    # The owner changes the password: the token from before is refused.
    old = api.token("cook@example.com")
    change = {"current_password": PASSWORD, "new_password": "a brand new password"}
    assert api.call("PATCH", "/users/me/password", old, json=change).status_code == 204
    _refused(api.me(old))
    new = api.token("cook@example.com", "a brand new password")
    assert api.me(new).json()["id"] == user_id

    # A superuser sets the password: the same.
    reset = {"password": PASSWORD}
    assert api.call("PATCH", f"/users/{user_id}", admin, json=reset).status_code == 200
    _refused(api.me(new))
    assert api.me(api.token("cook@example.com")).status_code == 200

    # A superuser is demoted: their token stops working, a new one has a user's rights.
    boss_id = api.create_user(admin, "boss@example.com", is_superuser=True)
    boss = api.token("boss@example.com")
    assert api.call("GET", "/users", boss).status_code == 200
    demote = {"is_superuser": False}
    assert api.call("PATCH", f"/users/{boss_id}", admin, json=demote).status_code == 200
    _refused(api.call("GET", "/users", boss))
    _refused(api.me(boss))
    demoted = api.token("boss@example.com")
    assert api.me(demoted).json()["is_superuser"] is False
    assert api.call("GET", "/users", demoted).status_code == 403

    # Other changes (a name, a promotion) leave tokens alone.
    assert api.call("PATCH", "/users/me", demoted, json={"first_name": "B"}).status_code == 200
    promote = {"is_superuser": True}
    assert api.call("PATCH", f"/users/{boss_id}", admin, json=promote).status_code == 200
    assert api.call("GET", "/users", demoted).status_code == 200
    assert api.me(admin).status_code == 200
