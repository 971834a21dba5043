"""Signing in and the tokens it gives: what is accepted, and everything refused with 401."""

import base64
import hashlib
import hmac
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.core.security import ALGORITHM, create_access_token, hash_password
from app.models import User
from tests.utils.auth import TEST_PASSWORD, access_token
from tests.utils.errors import error_detail
from tests.utils.factories import make_superuser, make_user

LOGIN = "/api/v1/login/access-token"
ME = "/api/v1/users/me"


def _login(client: TestClient, username: str, password: str) -> Any:
    return client.post(LOGIN, data={"username": username, "password": password})


def _me(client: TestClient, token: str) -> Any:
    # As bytes, so a token that is not ASCII reaches the server as it was sent.
    return client.get(ME, headers={b"Authorization": f"Bearer {token}".encode()})


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _signed(claims: dict[str, Any], key: str = settings.SECRET_KEY) -> str:
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def _hs512(payload: str) -> str:
    """Signed with the right key but an algorithm the service does not accept."""
    signing_input = f"{_b64({'alg': 'HS512', 'typ': 'JWT'})}.{payload}"
    digest = hmac.new(settings.SECRET_KEY.encode(), signing_input.encode(), hashlib.sha512)
    signature = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
    return f"{signing_input}.{signature}"


def _later(minutes: int = 5) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_login_gives_a_bearer_token_for_the_user(client: TestClient, db: Session) -> None:
    user = make_user(db, email="cook@example.com", password=TEST_PASSWORD)

    response = _login(client, "Cook@Example.com", TEST_PASSWORD)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["expires_in"] == settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60
    claims = jwt.decode(body["access_token"], settings.SECRET_KEY, algorithms=[ALGORITHM])
    assert claims["sub"] == str(user.id)
    assert claims["gen"] == user.token_generation
    signed_in = crud.refresh_token.user_of_live_session(
        db, user_id=user.id, session_id=claims["sid"]
    )
    assert signed_in is user
    lifetime = claims["exp"] - time.time()
    assert body["expires_in"] - 5 < lifetime <= body["expires_in"]
    assert _me(client, body["access_token"]).json()["id"] == user.id


def test_unknown_email_and_wrong_password_get_the_same_answer(
    client: TestClient, db: Session
) -> None:
    make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    make_user(db, email="nopassword@example.com")  # from before accounts

    wrong_password = _login(client, "cook@example.com", TEST_PASSWORD + "!")
    unknown_email = _login(client, "nobody@example.com", TEST_PASSWORD)
    no_password = _login(client, "nopassword@example.com", TEST_PASSWORD)

    for response in (wrong_password, unknown_email, no_password):
        assert response.status_code == 401
        assert error_detail(response) == "wrong email or password"
        assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_email_takes_as_long_as_a_wrong_password(client: TestClient, db: Session) -> None:
    """Timing would otherwise tell which emails have accounts. A behavioural check,
    not a benchmark: an unknown email must cost at least about one hash, like a
    wrong password, and the two medians must be of the same order."""
    make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    started = time.perf_counter()
    hash_password("one hash, for scale")
    one_hash = time.perf_counter() - started

    def median_seconds(email: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            assert _login(client, email, "not the password").status_code == 401
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    wrong_password = median_seconds("cook@example.com")
    unknown_email = median_seconds("nobody@example.com")

    assert unknown_email >= one_hash / 2, (unknown_email, one_hash)
    assert wrong_password >= one_hash / 2, (wrong_password, one_hash)
    assert 1 / 3 < unknown_email / wrong_password < 3, (unknown_email, wrong_password)


def test_login_takes_a_form_not_json(client: TestClient, db: Session) -> None:
    make_user(db, email="cook@example.com", password=TEST_PASSWORD)

    response = client.post(LOGIN, json={"username": "cook@example.com", "password": TEST_PASSWORD})

    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in error_detail(response)


def test_login_needs_both_fields(client: TestClient) -> None:
    response = client.post(LOGIN, data={"username": "cook@example.com"})

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "password"]]


def test_the_docs_authorize_button_reaches_the_login(client: TestClient, db: Session) -> None:
    """Swagger UI's "Authorize" posts the form to the tokenUrl the OpenAPI document names."""
    make_user(db, email="cook@example.com", password=TEST_PASSWORD)
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    [flow] = [scheme["flows"]["password"] for scheme in schemes.values()]

    response = client.post(
        flow["tokenUrl"],
        data={"grant_type": "password", "username": "cook@example.com", "password": TEST_PASSWORD},
    )

    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"


def _bad_tokens(user: User, sid: int) -> dict[str, str]:
    """Every kind of token that must be refused, each made for an existing user and
    their live session `sid`, and flawed in the one way its name says."""
    sub, gen = str(user.id), user.token_generation

    def claims(**changes: Any) -> dict[str, Any]:
        """A valid token's claims, with `changes`; a change to None leaves a claim out."""
        good = {"sub": sub, "gen": gen, "sid": sid, "exp": _later()} | changes
        return {name: value for name, value in good.items() if value is not None}

    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64(claims(exp=int(_later().timestamp())))
    return {
        "malformed": "not-a-jwt",
        "three dots": "a.b.c",
        "empty segments": "..",
        "non-ascii": "é.é.é",
        "wrong signature": _signed(claims(), key="x" * 32),
        "signature cut off": _signed(claims()).rsplit(".", 1)[0] + ".",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg HS512": _hs512(payload),
        "header not json": f"{base64.urlsafe_b64encode(b'{').decode()}.{payload}.sig",
        "expired": _signed(claims(exp=datetime.now(UTC) - timedelta(seconds=5))),
        "without exp": _signed(claims(exp=None)),
        "exp not a number": f"{header}.{_b64(claims(exp='soon'))}.x",
        "without sub": _signed(claims(sub=None)),
        "sub a number": _signed(claims(sub=user.id)),
        "sub not an id": _signed(claims(sub="admin")),
        "sub zero": _signed(claims(sub="0")),
        "sub negative": _signed(claims(sub="-1")),
        "sub leading zero": _signed(claims(sub=f"0{sub}")),
        "sub out of range": _signed(claims(sub=str(2**31))),
        "sub huge": _signed(claims(sub="9" * 400)),
        "sub unicode digits": _signed(claims(sub="١٢")),
        "sub no such user": _signed(claims(sub="2147483647")),
        "without gen": _signed(claims(gen=None)),
        "gen a string": _signed(claims(gen=str(gen))),
        "gen a float": _signed(claims(gen=float(gen))),
        "gen a boolean": _signed(claims(gen=bool(gen))),
        "gen negative": _signed(claims(gen=-1)),
        "gen out of range": _signed(claims(gen=2**31)),
        "gen another generation": _signed(claims(gen=gen + 1)),
        "without sid": _signed(claims(sid=None)),
        "sid a string": _signed(claims(sid=str(sid))),
        "sid a float": _signed(claims(sid=float(sid))),
        "sid a boolean": _signed(claims(sid=True)),
        "sid negative": _signed(claims(sid=-1)),
        "sid out of range": _signed(claims(sid=2**31)),
        "sid no such session": _signed(claims(sid=2147483647)),
    }


BAD_TOKEN_KINDS = list(_bad_tokens(User(id=1, token_generation=0), sid=1))


def _session_id(token: str) -> int:
    sid: int = jwt.decode(token, settings.SECRET_KEY, algorithms=[ALGORITHM])["sid"]
    return sid


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
def test_bad_tokens_are_401(client: TestClient, db: Session, kind: str) -> None:
    user = make_user(db)
    good = access_token(user)
    assert _me(client, good).status_code == 200

    response = _me(client, _bad_tokens(user, _session_id(good))[kind])

    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert error_detail(response) == "the access token is invalid or expired; sign in again"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "bearer", "Token abc"],
)
def test_missing_token_is_401(client: TestClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = client.get(ME, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_token_for_a_deleted_user_is_401_and_stays_so(client: TestClient, db: Session) -> None:
    user = make_user(db)
    token = access_token(user)
    db.delete(user)
    db.commit()

    response = _me(client, token)
    newcomer = make_superuser(db)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert newcomer.id > user.id
    assert _me(client, token).status_code == 401


def test_a_token_is_good_for_its_generation_only(client: TestClient, db: Session) -> None:
    user = make_user(db)
    earlier = access_token(user)
    sid = _session_id(earlier)
    user.token_generation += 1
    db.commit()

    assert _me(client, earlier).status_code == 401
    later = create_access_token(user.id, user.token_generation, sid)
    assert _me(client, later).status_code == 200


def test_a_token_is_good_for_its_own_users_session_only(client: TestClient, db: Session) -> None:
    user, other = make_user(db), make_user(db)
    theirs = _session_id(access_token(other))

    forged_sid = create_access_token(user.id, user.token_generation, theirs)

    assert _me(client, forged_sid).status_code == 401


def test_the_bad_tokens_differ_from_a_good_one_only_in_their_flaw(
    client: TestClient, db: Session
) -> None:
    user = make_user(db)
    sid = _session_id(access_token(user))
    good = _signed({"sub": str(user.id), "gen": user.token_generation, "sid": sid, "exp": _later()})

    assert _me(client, good).status_code == 200


def test_a_token_expires(client: TestClient, db: Session) -> None:
    user = make_user(db)

    fresh = access_token(user, expires_delta=timedelta(minutes=1))
    stale = access_token(user, expires_delta=timedelta(seconds=-1))

    assert _me(client, fresh).status_code == 200
    assert _me(client, stale).status_code == 401
