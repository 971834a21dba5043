"""/docs (Swagger UI) and /redoc (ReDoc), with their scripts, stylesheet and icon served
by the app itself from the fastapi-offline package, whose version poetry.lock pins: the
pages work without a network and name no other host."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

SWAGGER_UI = "/docs"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
REDOC = "/redoc"
ASSETS = "/docs/assets"
PAGES = frozenset({SWAGGER_UI, OAUTH2_REDIRECT, REDOC})
# swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js and favicon.png.
ASSET_PACKAGE = ("fastapi_offline", "static")

# Unless told otherwise, Swagger UI shows a badge fetched from swagger.io's online
# validator, which is sent the address of our OpenAPI document.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}


def install(app: FastAPI) -> None:
    """Serve the docs pages and their assets; build the app with `docs_url=None,
    redoc_url=None` so that FastAPI does not add its own, which load from a CDN.

    Plain Starlette routes, like the ones FastAPI would add: pages, not API operations.
    """
    openapi_url = app.openapi_url
    if openapi_url is None:
        raise ValueError("the docs pages need the app's OpenAPI document")

    def under_root(request: Request, path: str) -> str:
        # Root-relative, so the pages stay right behind a proxy that serves the app
        # under a prefix (root_path).
        root: str = request.scope.get("root_path", "")
        return root.rstrip("/") + path

    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=under_root(request, openapi_url),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=under_root(request, f"{ASSETS}/swagger-ui-bundle.js"),
            swagger_css_url=under_root(request, f"{ASSETS}/swagger-ui.css"),
            swagger_favicon_url=under_root(request, f"{ASSETS}/favicon.png"),
            oauth2_redirect_url=under_root(request, OAUTH2_REDIRECT),
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), **SWAGGER_UI_PARAMETERS},
        )

    async def oauth2_redirect(_request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=under_root(request, openapi_url),
            title=f"{app.title} - ReDoc",
            redoc_js_url=under_root(request, f"{ASSETS}/redoc.standalone.js"),
            redoc_favicon_url=under_root(request, f"{ASSETS}/favicon.png"),
            with_google_fonts=False,
        )

    app.add_route(SWAGGER_UI, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC, redoc, include_in_schema=False)
    app.mount(ASSETS, StaticFiles(packages=[ASSET_PACKAGE]), name="docs-assets")
