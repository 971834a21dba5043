"""Signing in, in tests.

Argon2id takes a good part of a second per hash, by design. Tests that only need a
signed-in user get a token made directly; users who need a real password share the
hash of TEST_PASSWORD, made once per run. Only the login tests hash for real.
"""

from datetime import timedelta
from functools import cache

import requests
from fastapi.testclient import TestClient
from sqlalchemy.orm import object_session

from app import crud
from app.core.security import create_access_token, hash_password
from app.models import User

TEST_PASSWORD = "correct horse battery staple"


@cache
def hashed(password: str) -> str:
    """`password`'s hash, made once per test run."""
    return hash_password(password)


def access_token(user: User, expires_delta: timedelta | None = None) -> str:
    """An access token of a new session of `user`, opened in the session `user` was
    read in (as a sign-in would, without checking a password)."""
    db = object_session(user)
    assert db is not None, "the user must belong to an open session"
    session, _refresh_token = crud.refresh_token.open(db, user=user)
    return create_access_token(user.id, user.token_generation, session.id, expires_delta)


def auth_headers(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token(user)}"}


def sign_in(client: TestClient, user: User) -> TestClient:
    """Every later request of `client` is made as `user`."""
    client.headers.update(auth_headers(user))
    return client


def sign_out(client: TestClient) -> TestClient:
    client.headers.pop("Authorization", None)
    return client


def sign_up_over_http(api: str, email: str, password: str = TEST_PASSWORD) -> dict[str, str]:
    """Open an account on a running service (`api` is its /api/v1 URL) and sign in;
    the headers that make a request come from that account."""
    account = {"email": email, "password": password}
    signup = requests.post(f"{api}/users/signup", json=account, timeout=10)
    assert signup.status_code == 201, signup.text
    login = {"username": email, "password": password}
    token = requests.post(f"{api}/login/access-token", data=login, timeout=30)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
