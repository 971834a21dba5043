"""No password or password hash in any response, page or log line; no stack traces."""

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import crud
from app.api.deps import get_db
from app.main import app
from app.models import User
from tests.utils.auth import TEST_PASSWORD, sign_in
from tests.utils.factories import make_recipe, make_superuser, make_user

HASH_PREFIX = "$argon2"


def _no_secrets(text: str) -> None:
    assert HASH_PREFIX not in text
    assert TEST_PASSWORD not in text


def _clean(text: str) -> None:
    _no_secrets(text)
    assert "hashed_password" not in text


def test_no_response_or_page_shows_a_password_hash(client: TestClient, db: Session) -> None:
    admin = make_superuser(db, password=TEST_PASSWORD)
    cook = make_user(db, password=TEST_PASSWORD, first_name="Ada")
    make_recipe(db, cook, label="Seed cake")
    sign_in(client, admin)

    responses = [
        client.get("/"),
        client.get("/?q=seed"),
        client.get("/api/v1/users"),
        client.get(f"/api/v1/users/{cook.id}"),
        client.get("/api/v1/users/me"),
        client.patch(f"/api/v1/users/{cook.id}", json={"password": "another password"}),
        client.post("/api/v1/users", json={"email": "new@example.com", "password": TEST_PASSWORD}),
        client.post(
            "/api/v1/users/signup", json={"email": "signup@example.com", "password": TEST_PASSWORD}
        ),
        client.post("/api/v1/login/access-token", data={"username": cook.email, "password": "x"}),
        client.get(f"/api/v1/users/{cook.id}/recipes"),
        client.get("/api/v1/recipes"),
    ]

    for response in responses:
        assert response.status_code < 500, response.text
        _clean(response.text)
    assert responses[0].headers["content-type"].startswith("text/html")
    assert "Ada" in responses[0].text


def test_no_log_line_carries_a_password_or_its_hash(
    client: TestClient,
    db: Session,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_user(db, email="taken@example.com", password=TEST_PASSWORD)
    caplog.set_level(logging.DEBUG)
    # Let a duplicate through to the database, as a race between two signups would:
    # the integrity error is logged, and its message must not carry the new hash.
    monkeypatch.setattr(crud.user, "_check_email_free", lambda _db, _email: None)

    raced = client.post(
        "/api/v1/users/signup", json={"email": "taken@example.com", "password": TEST_PASSWORD}
    )
    client.post("/api/v1/login/access-token", data={"username": "x@y.z", "password": TEST_PASSWORD})

    assert raced.status_code == 409
    assert any("integrity error" in record.getMessage() for record in caplog.records)
    _no_secrets(caplog.text)  # the SQL may name the column, never its value


def test_database_errors_do_not_carry_the_values(db: Session) -> None:
    make_user(db, email="taken@example.com")
    db.add(User(email="taken@example.com", hashed_password="$argon2id$secret-looking-hash"))

    with pytest.raises(IntegrityError) as raised:
        db.flush()
    db.rollback()

    assert "secret-looking-hash" not in str(raised.value)


def _broken_db() -> Iterator[Session]:
    raise RuntimeError("internal detail that must stay inside")
    yield  # a generator, like get_db


def test_an_unexpected_error_is_a_bare_500(db: Session) -> None:
    app.dependency_overrides[get_db] = _broken_db
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/api/v1/recipes")
    finally:
        app.dependency_overrides.clear()

    assert response.status_code == 500
    assert "Traceback" not in response.text
    assert "internal detail" not in response.text
