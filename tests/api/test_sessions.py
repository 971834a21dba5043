"""Sessions: refresh-token rotation, reuse, logout, and the changes that end them all."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import crud
from app.core import security
from app.db.types import utcnow
from app.models import RefreshToken, User
from tests.utils.auth import TEST_PASSWORD, access_token
from tests.utils.errors import error_detail, invalid_fields
from tests.utils.factories import make_superuser, make_user

API = "/api/v1"
NEW_PASSWORD = "a brand new password"


def _login(client: TestClient, email: str, password: str = TEST_PASSWORD) -> dict[str, Any]:
    response = client.post(
        f"{API}/login/access-token", data={"username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post(f"{API}/login/refresh", json={"refresh_token": refresh_token})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _me(client: TestClient, token: str) -> int:
    return client.get(f"{API}/users/me", headers=_bearer(token)).status_code


def _row(db: Session, refresh_token: str) -> RefreshToken:
    digest = security.refresh_token_digest(refresh_token)
    row = db.scalar(select(RefreshToken).where(RefreshToken.digest == digest))
    assert row is not None
    db.refresh(row)
    return row


def test_refresh_rotates_the_refresh_token(client: TestClient, db: Session) -> None:
    user = make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    first = _login(client, "cook@example.com")

    response = _refresh(client, first["refresh_token"])

    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert _me(client, second["access_token"]) == 200
    old, new = _row(db, first["refresh_token"]), _row(db, second["refresh_token"])
    assert old.rotated_at is not None and old.revoked_at is None
    assert new.rotated_at is None and new.family == old.family and new.id > old.id
    # The session keeps the end its sign-in gave it.
    assert new.expires_at == old.expires_at
    assert new.user_id == user.id
    # Only digests are stored.
    stored = db.scalars(select(RefreshToken.digest)).all()
    assert first["refresh_token"] not in stored and second["refresh_token"] not in stored


def test_a_refresh_token_used_twice_ends_its_session(client: TestClient, db: Session) -> None:
    make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    first = _login(client, "cook@example.com")
    other_device = _login(client, "cook@example.com")
    second = _refresh(client, first["refresh_token"]).json()

    replayed = _refresh(client, first["refresh_token"])

    assert replayed.status_code == 401
    assert replayed.headers["www-authenticate"] == "Bearer"
    assert "already used" in error_detail(replayed)
    # Whoever held the newer token (the thief or the owner) is out too.
    assert _refresh(client, second["refresh_token"]).status_code == 401
    assert _me(client, second["access_token"]) == 401
    assert _me(client, first["access_token"]) == 401
    # Another session of the same user goes on.
    assert _me(client, other_device["access_token"]) == 200
    assert _refresh(client, other_device["refresh_token"]).status_code == 200


def test_logout_ends_the_session_of_the_access_token(client: TestClient, db: Session) -> None:
    make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    session = _login(client, "cook@example.com")
    rotated = _refresh(client, session["refresh_token"]).json()
    other_device = _login(client, "cook@example.com")

    response = client.post(f"{API}/logout", headers=_bearer(rotated["access_token"]))

    assert response.status_code == 204, response.text
    assert _me(client, rotated["access_token"]) == 401
    assert _me(client, session["access_token"]) == 401
    assert _refresh(client, rotated["refresh_token"]).status_code == 401
    assert _me(client, other_device["access_token"]) == 200
    # Logging out again, or without a token, is not signed in.
    assert client.post(f"{API}/logout", headers=_bearer(rotated["access_token"])).status_code == 401
    assert client.post(f"{API}/logout").status_code == 401


def test_an_expired_session_cannot_be_refreshed(client: TestClient, db: Session) -> None:
    make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    session = _login(client, "cook@example.com")
    row = _row(db, session["refresh_token"])
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()

    assert _refresh(client, session["refresh_token"]).status_code == 401


@pytest.mark.parametrize(
    "body",
    [{}, {"refresh_token": ""}, {"refresh_token": 5}, {"refresh_token": "x" * 129}],
    ids=["missing", "empty", "a number", "too long"],
)
def test_refresh_needs_a_refresh_token(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post(f"{API}/login/refresh", json=body)

    assert invalid_fields(response) == ["refresh_token"]


def test_an_unknown_refresh_token_is_401(client: TestClient, db: Session) -> None:
    make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    session = _login(client, "cook@example.com")

    for token in (session["refresh_token"][:-1], session["refresh_token"] + "x", "x" * 43):
        response = _refresh(client, token)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def test_refresh_takes_json(client: TestClient) -> None:
    response = client.post(f"{API}/login/refresh", data={"refresh_token": "x"})

    assert response.status_code == 415


def _patch_me(client: TestClient, token: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}/users/me", headers=_bearer(token), json=body)


def _end_by_password_change(client: TestClient, db: Session, user: User, token: str) -> None:
    body = {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}
    response = client.patch(f"{API}/users/me/password", headers=_bearer(token), json=body)
    assert response.status_code == 204, response.text


def _end_by_a_superusers_reset(client: TestClient, db: Session, user: User, token: str) -> None:
    admin = access_token(make_superuser(db))
    response = _patch_user(client, admin, user, {"password": NEW_PASSWORD})
    assert response.status_code == 200, response.text


def _end_by_demotion(client: TestClient, db: Session, user: User, token: str) -> None:
    admin = access_token(make_superuser(db))
    response = _patch_user(client, admin, user, {"is_superuser": False})
    assert response.status_code == 200, response.text


def _end_by_deletion(client: TestClient, db: Session, user: User, token: str) -> None:
    admin = access_token(make_superuser(db))
    response = client.delete(f"{API}/users/{user.id}", headers=_bearer(admin))
    assert response.status_code == 204, response.text


def _end_by_email_change(client: TestClient, db: Session, user: User, token: str) -> None:
    body = {"email": "moved@example.com", "current_password": TEST_PASSWORD}
    response = _patch_me(client, token, body)
    assert response.status_code == 200, response.text


def _patch_user(client: TestClient, admin: str, user: User, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}/users/{user.id}", headers=_bearer(admin), json=body)


ENDINGS = {
    "password change": _end_by_password_change,
    "superuser's reset": _end_by_a_superusers_reset,
    "demotion": _end_by_demotion,
    "deletion": _end_by_deletion,
    "email change": _end_by_email_change,
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_every_token_ends_with_the_account_it_was_issued_for(
    client: TestClient, db: Session, ending: str
) -> None:
    user = make_user(db, email="cook@example.com", password=TEST_PASSWORD, is_superuser=True)
    session = _login(client, "cook@example.com")
    other = _login(client, "cook@example.com")
    rotated = _refresh(client, other["refresh_token"]).json()

    ENDINGS[ending](client, db, user, session["access_token"])

    for tokens in (session, rotated):
        assert _me(client, tokens["access_token"]) == 401
        assert _refresh(client, tokens["refresh_token"]).status_code == 401


def test_changing_the_email_needs_the_current_password(client: TestClient, db: Session) -> None:
    user = make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    token = _login(client, "cook@example.com")["access_token"]

    missing = _patch_me(client, token, {"email": "thief@example.com"})
    wrong = _patch_me(client, token, {"email": "thief@example.com", "current_password": "guess"})

    assert missing.status_code == 403
    assert error_detail(missing) == "current_password is required to change the email"
    assert wrong.status_code == 403
    assert error_detail(wrong) == "the current password is wrong"
    db.refresh(user)
    assert user.email == "cook@example.com"
    assert _me(client, token) == 200
    # Other fields need no password, and leave the tokens alone.
    assert _patch_me(client, token, {"first_name": "Ada"}).status_code == 200
    assert _me(client, token) == 200

    moved = _patch_me(
        client, token, {"email": "Ada@example.org", "current_password": TEST_PASSWORD}
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["email"] == "ada@example.org"
    assert _me(client, token) == 401
    _login(client, "ada@example.org")


def test_login_upgrades_a_hash_made_with_older_parameters(client: TestClient, db: Session) -> None:
    """The Argon2 parameters changed since this password was hashed: the login rehashes
    it with the current ones, keeping the user's tokens and the row's version."""
    old_parameters = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),))
    user = make_user(db, email="cook@example.com")
    user.hashed_password = old_parameters.hash(TEST_PASSWORD)
    db.commit()
    token = access_token(user)
    before = (user.token_generation, user.version)
    assert "$m=8192,t=1,p=1$" in user.hashed_password

    _login(client, "cook@example.com")

    db.refresh(user)
    assert user.hashed_password is not None
    memory, time_cost = security.ARGON2_MEMORY_KIB, security.ARGON2_TIME_COST
    current = f"$m={memory},t={time_cost},p={security.ARGON2_PARALLELISM}$"
    assert current in user.hashed_password
    assert security.verify_password(TEST_PASSWORD, user.hashed_password)
    assert (user.token_generation, user.version) == before
    assert _me(client, token) == 200
    # A hash with the current parameters is left as it is.
    rehashed = user.hashed_password
    _login(client, "cook@example.com")
    db.refresh(user)
    assert user.hashed_password == rehashed


def test_a_wrong_password_rehashes_nothing(client: TestClient, db: Session) -> None:
    old_parameters = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),))
    user = make_user(db, email="cook@example.com")
    user.hashed_password = stored = old_parameters.hash(TEST_PASSWORD)
    db.commit()

    response = client.post(
        f"{API}/login/access-token", data={"username": "cook@example.com", "password": "wrong"}
    )

    assert response.status_code == 401
    db.refresh(user)
    assert user.hashed_password == stored
    assert crud.refresh_token.count(db) == 0
