"""Absolute URLs (Location, trailing-slash redirects) name the service as PUBLIC_BASE_URL
says, or its own address: never the Host, X-Forwarded-Host or X-Forwarded-Proto a
client sent (app/middleware.py's PublicHost)."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from app.main import app
from app.middleware import PublicHost
from tests.utils.auth import TEST_PASSWORD
from tests.utils.factories import recipe_body, user_fields
from tests.utils.processes import running_service

PUBLIC = "https://recipes.example.com"
FORGED = {
    "Host": "evil.example",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
}


@pytest.fixture
def public_client(user_client: TestClient) -> Iterator[TestClient]:
    """`user_client`'s app and user, as served with PUBLIC_BASE_URL set."""
    with TestClient(PublicHost(app, PUBLIC), headers=dict(user_client.headers)) as client:
        yield client


def test_a_created_recipes_location_names_the_server_not_the_host_sent(
    user_client: TestClient,
) -> None:
    response = user_client.post("/api/v1/recipes", json=recipe_body(), headers=FORGED)

    assert response.status_code == 201
    location = response.headers["location"]
    assert location == f"http://testserver/api/v1/recipes/{response.json()['id']}"


def test_a_trailing_slash_redirect_names_the_server_not_the_host_sent(
    client: TestClient,
) -> None:
    response = client.get("/api/v1/recipes/?limit=1", headers=FORGED, follow_redirects=False)

    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/api/v1/recipes?limit=1"


def test_forwarded_proto_from_an_untrusted_peer_is_ignored(client: TestClient) -> None:
    # TestClient's peer is "testclient", no proxy; the e2e test below sends the same
    # from a trusted one.
    response = client.get(
        "/api/v1/users/", headers={"X-Forwarded-Proto": "https"}, follow_redirects=False
    )

    assert response.headers["location"] == "http://testserver/api/v1/users"


def test_with_a_public_base_url_locations_and_redirects_start_with_it(
    public_client: TestClient,
) -> None:
    created = public_client.post("/api/v1/recipes", json=recipe_body(), headers=FORGED)
    redirect = public_client.get("/api/v1/recipes/?limit=1", headers=FORGED, follow_redirects=False)

    assert created.status_code == 201
    assert created.headers["location"] == f"{PUBLIC}/api/v1/recipes/{created.json()['id']}"
    assert redirect.headers["location"] == f"{PUBLIC}/api/v1/recipes?limit=1"


def _host_seen(public_base_url: str | None, scope: Scope) -> list[bytes]:
    """The Host headers an app behind PublicHost gets for a request of `scope`."""
    seen: list[bytes] = []

    async def app_behind(scope: Scope, _receive: Receive, _send: Send) -> None:
        seen.extend(value for name, value in scope["headers"] if name == b"host")

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Message) -> None:
        pass

    asyncio.run(PublicHost(app_behind, public_base_url)(scope, receive, send))
    return seen


@pytest.mark.parametrize(
    ("scheme", "address", "host"),
    [
        ("http", ("192.0.2.7", 8001), b"192.0.2.7:8001"),
        ("http", ("192.0.2.7", 80), b"192.0.2.7"),
        ("https", ("192.0.2.7", 443), b"192.0.2.7"),
        ("https", ("192.0.2.7", 80), b"192.0.2.7:80"),
        ("http", ("::1", 8001), b"[::1]:8001"),
        # A Unix socket: no address to name.
        ("http", None, b"localhost"),
    ],
)
def test_without_a_public_base_url_host_is_the_servers_own_address(
    scheme: str, address: tuple[str, int] | None, host: bytes
) -> None:
    scope: Scope = {
        "type": "http",
        "scheme": scheme,
        "server": address,
        "method": "GET",
        "path": "/",
        "headers": [(b"host", b"evil.example"), (b"host", b"evil.example:80")],
    }

    assert _host_seen(None, scope) == [host]


@pytest.mark.parametrize(
    ("public", "host"),
    [(PUBLIC, b"recipes.example.com"), ("http://127.0.0.1:8443", b"127.0.0.1:8443")],
)
def test_with_a_public_base_url_host_is_its_host(public: str, host: bytes) -> None:
    scope: Scope = {
        "type": "http",
        "scheme": "http",
        "server": ("192.0.2.7", 8001),
        "method": "GET",
        "path": "/",
        "headers": [(b"host", b"evil.example")],
    }

    assert _host_seen(public, scope) == [host]


@pytest.mark.e2e
def test_a_served_signup_and_redirect_name_the_public_base_url(tmp_path: Path) -> None:
    with running_service(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        PUBLIC_BASE_URL=PUBLIC,
        # Even a trusted proxy's X-Forwarded-Proto is not read: PUBLIC_BASE_URL decides.
        TRUSTED_PROXIES="127.0.0.1",
    ) as url:
        forged = FORGED | {"X-Forwarded-Proto": "http"}
        signup = requests.post(
            f"{url}/api/v1/users/signup",
            json=user_fields(password=TEST_PASSWORD),
            headers=forged,
            timeout=30,
        )
        redirect = requests.get(
            f"{url}/api/v1/recipes/?limit=1", headers=forged, allow_redirects=False, timeout=10
        )

    assert signup.status_code == 201
    assert signup.headers["location"] == f"{PUBLIC}/api/v1/users/{signup.json()['id']}"
    assert redirect.status_code == 307
    assert redirect.headers["location"] == f"{PUBLIC}/api/v1/recipes?limit=1"
