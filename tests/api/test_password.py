"""Resetting a password with a reset token, and both recovery routes off without SMTP."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import crud
from app.api.v1.password import TOKEN_REFUSED
from app.core.config import settings
from app.core.security import (
    create_reset_token,
    read_access_token,
    read_reset_token,
    verify_password,
)
from app.models import User
from tests.utils.auth import TEST_PASSWORD, access_token, auth_headers, hashed
from tests.utils.errors import error_detail, invalid_fields
from tests.utils.factories import make_user

RECOVERY = "/api/v1/password-recovery"
RESET = "/api/v1/reset-password"
NEW_PASSWORD = "a password from the mail"


@pytest.fixture
def smtp_configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings that turn recovery on; nothing here sends mail."""
    monkeypatch.setattr(settings, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "EMAILS_FROM", "recipes@example.com")
    yield


def _reset(client: TestClient, token: str, new_password: str = NEW_PASSWORD) -> Any:
    return client.post(RESET, json={"token": token, "new_password": new_password})


def _password_is(db: Session, user: User, password: str) -> bool:
    """Whether `user`'s stored password, as committed, is `password`."""
    db.refresh(user)
    return verify_password(password, user.hashed_password)


def _token(user: User, **kwargs: Any) -> str:
    return create_reset_token(user.id, user.token_generation, **kwargs)


@pytest.mark.usefixtures("smtp_configured")
def test_a_reset_token_sets_the_password_once(client: TestClient, db: Session) -> None:
    user = make_user(db, password=TEST_PASSWORD)
    token = _token(user)
    before = auth_headers(user)

    assert _reset(client, token).status_code == 204

    assert _password_is(db, user, NEW_PASSWORD)
    assert not _password_is(db, user, TEST_PASSWORD)
    assert client.get("/api/v1/users/me", headers=before).status_code == 401
    again = _reset(client, token, "yet another password")
    assert again.status_code == 403
    assert error_detail(again) == TOKEN_REFUSED


@pytest.mark.usefixtures("smtp_configured")
def test_unusable_tokens_are_refused_with_403(client: TestClient, db: Session) -> None:
    user = make_user(db)
    older = _token(user)
    crud.user.replace_password(db, user=user, hashed_password=hashed(TEST_PASSWORD))
    gone = make_user(db)
    gone_token = _token(gone)
    crud.user.remove(db, id=gone.id)
    refused = {
        "issued before the password changed": older,
        "expired": _token(user, expires_delta=timedelta(seconds=-1)),
        "an access token": access_token(user),
        "of a deleted user": gone_token,
        "not a JWT": "not a token",
    }
    for what, token in refused.items():
        answer = _reset(client, token)
        assert answer.status_code == 403, what
        assert error_detail(answer) == TOKEN_REFUSED, what
    assert _password_is(db, user, TEST_PASSWORD)


@pytest.mark.usefixtures("smtp_configured")
def test_the_new_password_follows_the_signup_rules(client: TestClient, db: Session) -> None:
    user = make_user(db, password=TEST_PASSWORD)
    token = _token(user)
    for password in ("short", "x" * 129):
        assert invalid_fields(_reset(client, token, password)) == ["new_password"]
    too_long = client.post(RESET, json={"token": "x" * 1025, "new_password": NEW_PASSWORD})
    assert invalid_fields(too_long) == ["token"]
    unknown = client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD, "x": 1})
    assert invalid_fields(unknown) == ["x"]
    # None of them used the token.
    assert _reset(client, token).status_code == 204


def test_a_reset_token_is_no_access_token_and_the_reverse(normal_user: User) -> None:
    reset = _token(normal_user)
    access = access_token(normal_user)

    assert read_access_token(reset) is None
    assert read_reset_token(access) is None
    assert read_reset_token(reset) == (normal_user.id, normal_user.token_generation)


def test_a_reset_token_is_refused_as_a_bearer_token(client: TestClient, normal_user: User) -> None:
    headers = {"Authorization": f"Bearer {_token(normal_user)}"}
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_without_smtp_both_routes_answer_501_whatever_the_body(client: TestClient) -> None:
    assert settings.SMTP_HOST is None
    for path, body in (
        (RECOVERY, {"email": "ada@example.com"}),
        (RECOVERY, {"email": "not an address"}),
        (RESET, {"token": "x", "new_password": NEW_PASSWORD}),
        (RESET, {}),
    ):
        answer = client.post(path, json=body)
        assert answer.status_code == 501, answer.text
        assert error_detail(answer) == "password recovery is off: this server has no SMTP settings"


def test_the_openapi_document_says_when_recovery_is_off(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    recovery, reset = paths[RECOVERY]["post"]["responses"], paths[RESET]["post"]["responses"]

    # Recovery answers before any database work; its 503 is the rate limits' store.
    assert recovery.keys() == {"202", "400", "413", "415", "422", "429", "501", "503"}
    assert "rate limits" in recovery["503"]["description"]
    assert {"204", "403", "422", "501", "503"} <= reset.keys()
    assert "SMTP" in recovery["501"]["description"]
    assert "application/problem+json" in reset["501"]["content"]
