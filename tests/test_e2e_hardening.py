"""Attacks on the service as deployed (run.sh, uvicorn, a fresh database on each
engine): the last superuser, dates no engine stores, forged log lines, and the smaller
gaps of issue 12 (headers, caching, C1 controls, ids, token expiry, lookalike emails)."""

import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from tests.test_e2e_accounts import ADMIN, ADMIN_PASSWORD, PASSWORD, Api
from tests.utils.databases import Server
from tests.utils.processes import deployed_service

pytestmark = pytest.mark.e2e


@dataclass
class Deployed:
    api: Api
    log: Path
    secret_key: str

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="backslashreplace")


@contextmanager
def _deployment(server: Server, workdir: Path, **extra: str) -> Iterator[Deployed]:
    """deployed_service's settings, with a token key the tests know (to forge tokens)."""
    url = server.create_database()
    secret_key = secrets.token_hex(32)
    try:
        # These tests sign in more often than the rate limits allow a real client.
        with deployed_service(
            workdir,
            url,
            ADMIN_PASSWORD,
            SECRET_KEY=secret_key,
            RATE_LIMIT_LOGIN_ACCOUNT="1000/minute",
            RATE_LIMIT_LOGIN_ADDRESS="1000/minute",
            **extra,
        ) as base:
            yield Deployed(Api(base), workdir / "server.log", secret_key)
    finally:
        server.drop_database(url)


@pytest.fixture(scope="module")
def deployed(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """One service per engine for the module's tests that leave the superusers alone;
    each uses accounts of its own."""
    with _deployment(server, tmp_path_factory.mktemp("hardening")) as deployment:
        yield deployment


@pytest.fixture
def deployed_alone(server: Server, tmp_path: Path) -> Iterator[Deployed]:
    """A service of the test's own, whose superusers it may change."""
    with _deployment(server, tmp_path) as deployment:
        yield deployment


def _detail(response: requests.Response) -> str:
    detail: str = response.json()["detail"]
    return detail


def _invalid(response: requests.Response, field: str) -> str:
    assert response.status_code == 422, response.text
    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == [field], response.text
    msg: str = response.json()["errors"][0]["msg"]
    return msg


# Finding 5: the last superuser.


def _superuser_ids(api: Api, token: str) -> list[int]:
    response = api.call("GET", "/users?is_superuser=true&limit=100", token)
    assert response.status_code == 200, response.text
    return [user["id"] for user in response.json()["items"]]


def test_the_last_superuser_can_be_neither_demoted_nor_deleted(deployed_alone: Deployed) -> None:
    api = deployed_alone.api
    admin = api.token(ADMIN, ADMIN_PASSWORD)
    admin_id = api.me(admin).json()["id"]
    assert _superuser_ids(api, admin) == [admin_id]

    demoted = api.call("PATCH", f"/users/{admin_id}", admin, json={"is_superuser": False})
    assert demoted.status_code == 409, demoted.text
    assert "last superuser" in _detail(demoted)
    deleted = api.call("DELETE", f"/users/{admin_id}", admin)
    assert deleted.status_code == 409, deleted.text
    assert "last superuser" in _detail(deleted)

    assert api.me(admin).json()["is_superuser"] is True
    # With a second superuser, either may go.
    second = api.create_user(admin, "second-boss@example.com", is_superuser=True)
    assert api.call("DELETE", f"/users/{second}", admin).status_code == 204
    assert _superuser_ids(api, admin) == [admin_id]


def _at_once(api: Api, method: str, calls: list[tuple[str, int]], **body: Any) -> list[int]:
    """Statuses of `method` on /users/{id}, each with its token, all sent at once."""
    barrier = threading.Barrier(len(calls))
    statuses = [0] * len(calls)

    def call(index: int, token: str, target: int) -> None:
        barrier.wait()
        statuses[index] = api.call(method, f"/users/{target}", token, **body).status_code

    threads = [threading.Thread(target=call, args=(i, *c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_superusers_removing_each_other_at_once_leave_one(deployed_alone: Deployed) -> None:
    api = deployed_alone.api
    survivor_email, survivor_password = ADMIN, ADMIN_PASSWORD
    for round_ in range(6):
        survivor = api.token(survivor_email, survivor_password)
        survivor_id = api.me(survivor).json()["id"]
        email = f"rival{round_}@example.com"
        rival_id = api.create_user(survivor, email, is_superuser=True)
        rival = api.token(email)
        calls = [(survivor, rival_id), (rival, survivor_id)]
        # Demotions in even rounds, deletions in odd ones.
        if round_ % 2 == 0:
            statuses, done = _at_once(api, "PATCH", calls, json={"is_superuser": False}), 200
        else:
            statuses, done = _at_once(api, "DELETE", calls), 204

        # One removal wins; the other is refused as the last superuser's (409), or
        # arrives with a token the first one ended (401).
        assert sorted(statuses) in ([done, 401], [done, 409]), statuses
        if statuses[0] != done:
            survivor_email, survivor_password = email, PASSWORD
        left = api.token(survivor_email, survivor_password)
        assert len(_superuser_ids(api, left)) == 1, statuses


# Finding 6: dates outside what every engine stores.


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/recipes?created_after=0001-01-01T00:00:00%2B01:00", "created_after"),
        ("/recipes?created_before=0001-01-01T00:00:00%2B01:00", "created_before"),
        ("/recipes?created_after=9999-12-31T23:00:00-02:00", "created_after"),
        ("/recipes?created_before=0999-12-31T23:59:59Z", "created_before"),
        ("/recipes?created_after=1000-01-01T00:30:00%2B01:00", "created_after"),
        ("/users/1/recipes?created_after=0001-01-01T00:00:00%2B01:00", "created_after"),
        ("/users/1/recipes?created_before=9999-12-31T23:59:59-00:01", "created_before"),
    ],
)
def test_dates_no_engine_stores_are_refused(deployed: Deployed, path: str, field: str) -> None:
    msg = _invalid(deployed.api.call("GET", path), field)
    assert "1000-01-01T00:00:00Z" in msg and "9999-12-31T23:59:59.999999Z" in msg
    assert "Traceback" not in deployed.log_text()


def test_the_first_and_last_date_every_engine_stores_are_taken(deployed: Deployed) -> None:
    first, last = "1000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"
    user_id = deployed.api.signup("dates@example.com")
    for path in (
        f"/recipes?created_after={first}&created_before={last}",
        f"/users/{user_id}/recipes?created_after={first}&created_before={last}",
    ):
        response = deployed.api.call("GET", path)
        assert response.status_code == 200, response.text


# Finding 7: forged log lines.


FORGED = "2026-11-30 12:00:00,000 INFO app.requests [-] FORGED"
# Percent-encoded: LF, CR, NEL (U+0085), LINE SEPARATOR (U+2028).
SEPARATORS = ("%0a", "%0d", "%c2%85", "%e2%80%a8")
LINE_BREAKS = re.compile(r"\r\n|\r|\n|\x85|\u2028|\u2029")


def _log_after_forging(deployed: Deployed, last_line_has: str) -> list[str]:
    """The log's lines (split wherever any reader might) after a request per separator
    whose path is that separator, then a forged line."""
    for separator in SEPARATORS:
        url = f"{deployed.api.url}/recipes/x{separator}{FORGED}"
        assert requests.get(url, timeout=30).status_code == 422
    # The access line is written once the answer is sent: wait for the last one.
    deadline = time.monotonic() + 10
    while last_line_has not in deployed.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = LINE_BREAKS.split(deployed.log_text())
    assert not [line for line in lines if line.startswith(FORGED)], lines
    return lines


def test_a_path_cannot_write_a_line_of_its_own_into_the_log(deployed: Deployed) -> None:
    text = "\n".join(_log_after_forging(deployed, "x\\u2028" + FORGED))
    for escaped in (r"\x0a", r"\x0d", r"\x85", r"\u2028"):
        assert f"GET /api/v1/recipes/x{escaped}{FORGED} 422" in text


@pytest.mark.engines("sqlite")
def test_nor_into_the_json_log(server: Server, tmp_path: Path) -> None:
    with _deployment(server, tmp_path, LOG_FORMAT="json") as deployed:
        lines = _log_after_forging(deployed, "x\\u2028" + FORGED)
    paths = [json.loads(line).get("path") for line in lines if FORGED in line]
    assert paths == [f"/api/v1/recipes/x{c}{FORGED}" for c in "\n\r\x85\u2028"]


# Finding 8: the smaller gaps.

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _secured(response: requests.Response) -> str:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, dict(response.headers))
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    return csp


def test_every_response_carries_the_security_headers(deployed: Deployed) -> None:
    base = deployed.api.url.removesuffix("/api/v1")
    responses = [
        requests.get(base + "/", timeout=30),
        requests.get(base + "/static/style.css", timeout=30),
        requests.get(base + "/openapi.json", timeout=30),
        requests.get(base + "/api/v1/recipes", timeout=30),
        requests.get(base + "/api/v1/recipes/424242", timeout=30),
        requests.delete(base + "/api/v1/recipes", timeout=30),
        requests.get(base + "/api/v1/recipes?limit=0", timeout=30),
        requests.get(base + "/nowhere", timeout=30),
        requests.head(base + "/", timeout=30),
    ]
    for response in responses:
        csp = _secured(response)
        assert "unsafe-inline" not in csp and "script-src" not in csp, csp
        assert "default-src 'none'" in csp
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 405, 422, 404, 200]


def test_the_html_pages_have_no_inline_style_or_script(deployed: Deployed) -> None:
    base = deployed.api.url.removesuffix("/api/v1")
    page = requests.get(base + "/", timeout=30).text
    assert "<script" not in page and "<style" not in page and " style=" not in page
    assert "style-src 'self'" in _secured(requests.get(base + "/", timeout=30))


def test_the_docs_pages_allow_this_origin_and_exactly_their_inline_script(
    deployed: Deployed,
) -> None:
    base = deployed.api.url.removesuffix("/api/v1")
    for path in ("/docs", "/docs/oauth2-redirect", "/redoc"):
        response = requests.get(base + path, timeout=30)
        assert response.status_code == 200
        csp = _secured(response)
        script_src = next(d for d in csp.split("; ") if d.startswith("script-src "))
        # Their assets come from the app itself (app/api/docs.py): no host is named.
        assert script_src.split()[1] == "'self'"
        assert "http" not in csp
        assert "unsafe-inline" not in script_src
        inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
        assert script_src.count("'sha256-") == len(inline)
        assert "connect-src 'self'" in csp


def test_account_answers_and_tokens_are_never_cached(deployed: Deployed) -> None:
    api = deployed.api
    api.signup("cached@example.com")
    login = requests.post(
        f"{api.url}/login/access-token",
        data={"username": "cached@example.com", "password": PASSWORD},
        timeout=30,
    )
    token = login.json()["access_token"]
    private = [
        login,
        requests.post(f"{api.url}/login/access-token", data={"username": "x"}, timeout=30),
        api.me(token),
        api.call("GET", "/users/me"),
        api.call("GET", "/users", token),
        api.call("POST", "/users/signup", json={}),
        api.call("GET", "/users/1/recipes"),
    ]
    for response in private:
        assert response.headers.get("cache-control") == "no-store", response.url
    public = api.call("GET", "/recipes")
    assert "no-store" not in public.headers.get("cache-control", "")


@pytest.mark.parametrize("character", ["\x85", "\x9b", "\x80", "\x9f"])
def test_c1_control_characters_are_refused_like_c0(deployed: Deployed, character: str) -> None:
    api = deployed.api
    signup = api.call(
        "POST",
        "/users/signup",
        json={"email": "c1@example.com", "password": PASSWORD, "first_name": f"A{character}B"},
    )
    assert "control characters" in _invalid(signup, "first_name")
    search = api.call("GET", "/recipes/search", params={"keyword": f"bread{character}"})
    assert "control characters" in _invalid(search, "keyword")


@pytest.mark.parametrize("written", ["01", "+1", "1_0", "1.0", " 1", "1e0", "0x1", "00"])
def test_only_canonical_ids_are_accepted(deployed: Deployed, written: str) -> None:
    api = deployed.api
    _invalid(api.call("GET", f"/recipes/{written}"), "recipe_id")
    _invalid(api.call("GET", f"/users/{written}/recipes"), "user_id")


def test_canonical_ids_are_taken_and_me_is_no_user_id(deployed: Deployed) -> None:
    api = deployed.api
    assert api.call("GET", "/recipes/2147483647").status_code == 404
    _invalid(api.call("GET", "/recipes/2147483648"), "recipe_id")
    _invalid(api.call("GET", "/users/me/recipes"), "user_id")
    schema = requests.get(api.url.removesuffix("/api/v1") + "/openapi.json", timeout=30).json()
    parameters = schema["paths"]["/api/v1/recipes/{recipe_id}"]["get"]["parameters"]
    recipe_id = next(p for p in parameters if p["name"] == "recipe_id")["schema"]
    assert recipe_id["pattern"] == "^[1-9][0-9]{0,9}$"
    assert (recipe_id["minimum"], recipe_id["maximum"]) == (1, 2**31 - 1)


def _forged_token(deployed: Deployed, **claims: Any) -> str:
    real = deployed.api.token(ADMIN, ADMIN_PASSWORD)
    genuine = jwt.decode(real, deployed.secret_key, algorithms=["HS256"])
    return jwt.encode(genuine | claims, deployed.secret_key, algorithm="HS256")


@pytest.mark.parametrize("exp", ["9999999999", "1e10", True, None, [9999999999]])
def test_a_token_whose_exp_is_not_a_number_is_refused(deployed: Deployed, exp: object) -> None:
    api = deployed.api
    assert api.me(_forged_token(deployed)).status_code == 200
    refused = api.me(_forged_token(deployed, exp=exp))
    assert refused.status_code == 401, refused.text


@pytest.mark.parametrize(
    "email",
    [
        "\u0430dmin@example.com",  # Cyrillic a
        "\u0441ook@example.com",  # Cyrillic es
        "pa\u0443pal@example.com",  # Cyrillic u
        "\u03bfscar@example.com",  # Greek omicron
        "jos\u00e9@example.com",
    ],
)
def test_an_email_that_could_pass_for_another_is_refused(deployed: Deployed, email: str) -> None:
    body = {"email": email, "password": PASSWORD}
    response = deployed.api.call("POST", "/users/signup", json=body)
    assert response.status_code == 422, response.text


def test_an_internationalised_domain_is_kept_in_its_ascii_form(deployed: Deployed) -> None:
    api = deployed.api
    body = {"email": "cook@b\u00fccher.ch", "password": PASSWORD}
    response = api.call("POST", "/users/signup", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "cook@xn--bcher-kva.ch"
    again = {"email": "cook@xn--bcher-kva.ch", "password": PASSWORD}
    assert api.call("POST", "/users/signup", json=again).status_code == 409
    # A lookalike domain shows as what it is.
    lookalike = {"email": "admin@ex\u0430mple.com", "password": PASSWORD}
    response = api.call("POST", "/users/signup", json=lookalike)
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "admin@xn--exmple-4nf.com"
