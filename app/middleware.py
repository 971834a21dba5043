"""ASGI middleware: the public host, security headers, request ids, access log and
request metrics, HEAD for every GET, 405 for a method a path does not answer, query
parameters given once, body size limit."""

import base64
import hashlib
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.api import docs
from app.api.openapi import PathMethods
from app.core.logs import request_id
from app.exception_handlers import field_error, internal_error, invalid_fields, problem

logger = logging.getLogger("app.requests")

# A client's X-Request-ID is kept only if it is short and harmless in a log line.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


# Answers about an account, tokens among them: no cache, shared or private, may keep
# them. Prefixes, so that an endpoint added under one of them is covered by being there.
NO_STORE_PREFIXES = (
    "/api/v1/users",
    "/api/v1/login",
    "/api/v1/logout",
    "/api/v1/password-recovery",
    "/api/v1/reset-password",
)
# Every page and answer: resources from this origin only, scripts from nowhere, never
# framed, no <base> and no form posting elsewhere.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc load from this origin only (app/api/docs.py), and fetch
# /openapi.json. Swagger UI is started by an inline script, allowed by its hash (computed
# from the page itself); both draw icons from data: URLs. ReDoc also runs its search in a
# blob: worker and injects <style> elements, hence 'unsafe-inline' for styles on its page.
_SWAGGER_UI_CSP = (
    "default-src 'none'; script-src 'self'{hashes}; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_REDOC_CSP = (
    "default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src blob:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
DOCS_CSP = {
    docs.SWAGGER_UI: _SWAGGER_UI_CSP,
    docs.OAUTH2_REDIRECT: _SWAGGER_UI_CSP,
    docs.REDOC: _REDOC_CSP,
}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def new_request_id() -> str:
    """32 random hex digits. Unique enough to find a request in the logs, and not a
    secret: Python's own generator (reseeded in each forked worker) makes one without
    the system call that uuid4's os.urandom costs on every request."""
    return f"{random.getrandbits(128):032x}"


_DEFAULT_PORTS = {"http": 80, "https": 443}


class PublicHost:
    """Puts the service's own name in place of the Host a client sent, before anything
    reads it.

    Every absolute URL the app writes (the Location of a 201, Starlette's trailing-slash
    redirects, any `url_for`) is made of the scope's scheme and Host header, and a
    client writes Host: whatever it sent would come back in them, to be followed by
    whoever reads the answer, or kept by a cache. The rule:

    - With `public_base_url` (PUBLIC_BASE_URL), the scheme, host and port are its own.
    - Without, Host names the address the connection came in on (scope["server"]), as
      the server reports it; with none (a Unix socket), `localhost`.

    X-Forwarded-Proto and X-Forwarded-Host are never read, from any peer: behind a proxy
    that ends TLS or serves another name, PUBLIC_BASE_URL says what clients use, once.
    """

    def __init__(self, app: ASGIApp, public_base_url: str | None) -> None:
        self.app = app
        self.public: tuple[str, tuple[str, int], bytes] | None = None
        if public_base_url is not None:
            parts = urlsplit(public_base_url)
            assert parts.hostname is not None  # checked by the settings
            port = parts.port or _DEFAULT_PORTS[parts.scheme]
            self.public = (parts.scheme, (parts.hostname, port), parts.netloc.encode("ascii"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(name, value) for name, value in scope["headers"] if name != b"host"]
        if self.public is None:
            host, public = _host_header(scope), {}
        else:
            scheme, server, host = self.public
            public = {"scheme": scheme, "server": server}
        headers.append((b"host", host))
        await self.app({**scope, **public, "headers": headers}, receive, send)


def _host_header(scope: Scope) -> bytes:
    """The Host naming the server's own address."""
    server = scope.get("server")
    if not server or server[1] is None:
        return b"localhost"
    host: str = server[0]
    port: int = server[1]
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if port == _DEFAULT_PORTS.get(scope.get("scheme", "http")):
        return host.encode("ascii")
    return f"{host}:{port}".encode("ascii")


class RequestContext:
    """Gives each request an id (the client's X-Request-ID if sane, else a new one),
    returns it in X-Request-ID, logs one line when the request is done, and counts it
    in the metrics (app/metrics.py), by the template of the route that took it
    (`routes()`, the app's routes, is called once, on the first request, when every
    route is in place; without it, every request counts as unmatched).

    An exception no handler took is logged here, with the id, and answered with a
    500 problem that carries nothing of it.
    """

    def __init__(
        self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]] = lambda: ()
    ) -> None:
        self.app = app
        self.routes = routes
        self._templates: metrics.RouteTemplates | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._templates is None:
            self._templates = metrics.RouteTemplates(self.routes())
        templates = self._templates
        sent = Headers(scope=scope).get("x-request-id", "")
        rid = sent if _SANE_REQUEST_ID.fullmatch(sent) else new_request_id()
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if response_started:
                raise
            await internal_error(scope)(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            metrics.observe_request(templates.of(scope), scope["method"], status, seconds)
            duration_ms = round(seconds * 1000, 1)
            logger.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            request_id.reset(token)


class SecurityHeaders:
    """Headers every response carries: a Content-Security-Policy, no MIME sniffing, no
    framing (X-Frame-Options for browsers without frame-ancestors), no Referer sent
    anywhere, and `Cache-Control: no-store` under NO_STORE_PREFIXES."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        no_store = any(path == p or path.startswith(p + "/") for p in NO_STORE_PREFIXES)
        docs_csp = DOCS_CSP.get(path)
        if docs_csp is not None:
            await self.app(scope, receive, _docs_page(send, no_store, docs_csp))
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _secure(message, CSP, no_store)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure(start: Message, csp: str, no_store: bool) -> None:
    headers = MutableHeaders(scope=start)
    headers["Content-Security-Policy"] = csp
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    if no_store:
        headers["Cache-Control"] = "no-store"


def _docs_page(send: Send, no_store: bool, csp: str) -> Send:
    """A send that holds a docs page back until its body is whole (a few kB), to allow
    exactly the inline scripts it has."""
    start: Message | None = None
    body: list[bytes] = []

    async def send_docs_page(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        whole = b"".join(body)
        hashes = "".join(
            f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
            for script in _INLINE_SCRIPT.findall(whole)
        )
        _secure(start, csp.format(hashes=hashes), no_store)
        await send(start)
        await send({"type": "http.response.body", "body": whole, "more_body": False})

    return send_docs_page


class HeadAsGet:
    """HEAD is GET without the body (RFC 9110, 9.3.2), wherever GET is answered:
    FastAPI's routes list only the methods they were declared with."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, send_headers_only)
        finally:
            # The route the GET found took the HEAD: the request metrics name it.
            for key in ("route", "endpoint"):
                if key in as_get:
                    scope[key] = as_get[key]


class MethodNotAllowed:
    """405 for a method that the path does not answer, with `Allow` naming exactly the
    methods it does, decided before routing.

    Starlette's router would try every route in turn and hand a request to the first
    one that matches both path and method: PATCH /users/signup would reach
    PATCH /users/{user_id}. Here the path alone picks its methods, a literal path before
    a template (`methods()` is called once, on the first request, when every route is
    in place).
    """

    def __init__(self, app: ASGIApp, methods: Callable[[], PathMethods]) -> None:
        self.app = app
        self.methods = methods
        self._table: PathMethods | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._table is None:
            self._table = self.methods()
        allowed = self._table.at(scope["path"])
        if allowed is None or scope["method"] in allowed:
            await self.app(scope, receive, send)
            return
        allow = ", ".join(sorted(allowed))
        response = problem(
            scope,
            405,
            f"{scope['method']} is not allowed here; use {allow}",
            headers={"Allow": allow},
        )
        await response(scope, receive, send)


class SingleQueryValues:
    """422 for a query parameter given more than once, unless it takes a list (`tag=`).
    FastAPI would validate only the last value and ignore the others, so
    `keyword=<too long>&keyword=bread` would pass for `bread`. (`repeatable()` is
    called once, on the first request, when every route is in place.)"""

    def __init__(self, app: ASGIApp, repeatable: Callable[[], frozenset[str]]) -> None:
        self.app = app
        self.repeatable = repeatable
        self._repeatable: frozenset[str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or b"&" not in scope["query_string"]:
            await self.app(scope, receive, send)
            return
        query = scope["query_string"].decode("latin-1")
        counts = Counter(name for name, _ in parse_qsl(query, keep_blank_values=True))
        if self._repeatable is None:
            self._repeatable = self.repeatable()
        repeated = [(n, k) for n, k in counts.items() if k > 1 and n not in self._repeatable]
        if not repeated:
            await self.app(scope, receive, send)
            return
        errors = [
            field_error(["query", name], f"must be given once, not {k} times", "repeated")
            for name, k in repeated
        ]
        await invalid_fields(scope, errors)(scope, receive, send)


class BodySizeLimit:
    """413 for a request body over `max_bytes`, decided before the body is read in full.

    A declared Content-Length over the limit is refused before any of the body is read
    (the server never delivers more than the declared length). A body without one
    (chunked) is read up to the limit, refused as soon as it passes it, and otherwise
    handed on whole.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay(message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay(whole, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            scope,
            413,
            f"request body is larger than the limit of {self.max_bytes} bytes",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _replay(first: Message, receive: Receive) -> Receive:
    """A receive that returns `first`, then whatever the server sends next."""
    pending: list[Message] = [first]

    async def replaying_receive() -> Message:
        return pending.pop() if pending else await receive()

    return replaying_receive
