"""The URL and keyword limits in the OpenAPI document are exactly the ones enforced."""

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import HttpUrl, TypeAdapter, ValidationError

from app.main import app
from app.models.recipe import URL_LENGTH
from app.schemas.recipe import MAX_URL_LENGTH, URL_GROWTH, URL_PATTERN
from tests.utils.errors import invalid_fields
from tests.utils.factories import recipe_body

API = "/api/v1"
HTTP_URL = TypeAdapter(HttpUrl)


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = app.openapi()["components"]["schemas"][name]
    return schema


def test_the_document_gives_the_url_limits_that_are_enforced() -> None:
    for name in ("RecipeCreate", "RecipeUpdate"):
        for field in ("url", "image_url"):
            # Optional: a URL, or null.
            (url,) = (
                s for s in _schema(name)["properties"][field]["anyOf"] if s != {"type": "null"}
            )
            assert (url["maxLength"], url["pattern"]) == (MAX_URL_LENGTH, URL_PATTERN), name


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.from_regex(URL_PATTERN, fullmatch=True))
def test_a_url_the_pattern_admits_grows_by_at_most_url_growth(url: str) -> None:
    try:
        normalised = str(HTTP_URL.validate_python(url))
    except ValidationError:
        return  # refused as a URL, whatever its length
    assert len(normalised) - len(url) <= URL_GROWTH, (url, normalised)


def test_a_url_of_the_documented_length_that_grows_the_most_is_stored(
    user_client: TestClient,
) -> None:
    # A one-digit host becomes 0.0.0.9, and the empty path gains a "/".
    longest = "https://9?" + "q" * (MAX_URL_LENGTH - len("https://9?"))
    assert len(longest) == MAX_URL_LENGTH

    accepted = user_client.post(f"{API}/recipes", json=recipe_body(url=longest))
    refused = user_client.post(f"{API}/recipes", json=recipe_body(url=longest + "q"))

    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["url"] == "https://0.0.0.9/?" + "q" * (MAX_URL_LENGTH - 10)
    assert len(accepted.json()["url"]) == URL_LENGTH
    assert invalid_fields(refused) == ["url"]


def test_the_document_gives_the_keyword_limits_that_are_enforced(client: TestClient) -> None:
    search = app.openapi()["paths"][f"{API}/recipes/search"]["get"]["parameters"]
    keyword = next(p for p in search if p["name"] == "keyword")["schema"]
    longest = "a" * keyword["maxLength"]

    assert keyword["maxLength"] == 100
    assert client.get(f"{API}/recipes/search", params={"keyword": longest}).status_code == 200
    too_long = client.get(f"{API}/recipes/search", params={"keyword": longest + "a"})
    assert invalid_fields(too_long) == ["keyword"]
