"""The FastAPI application: routers, exception handlers, middleware and lifespan."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from app import exception_handlers, metrics
from app.api import docs, health, openapi, prometheus
from app.api.deps import require_json
from app.api.routing import APIRouter
from app.api.v1 import home, login, password, recipes, tags, users
from app.core.config import settings
from app.core.logs import configure_logging
from app.db.session import engine
from app.middleware import (
    BodySizeLimit,
    HeadAsGet,
    MethodNotAllowed,
    PublicHost,
    RequestContext,
    SecurityHeaders,
    SingleQueryValues,
)

API_V1 = "/api/v1"

configure_logging()
logger = logging.getLogger("app")


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    to_thread.current_default_thread_limiter().total_tokens = settings.WORKER_THREADS
    # What start-up made (modules, the app and its routes, schemas, mappers) lives as
    # long as the process. Frozen, the garbage collector stops walking it in every full
    # collection: those took 70-100 ms each here, and were the p99 of every read.
    gc.collect()
    gc.freeze()
    metrics.worker_started()
    yield
    # uvicorn gets here after the requests in flight have finished (or its graceful
    # shutdown timeout has passed).
    engine.dispose()
    logger.info("shut down: database connections closed")
    metrics.worker_stopping()


api_v1 = APIRouter(prefix=API_V1, dependencies=[Depends(require_json)])
api_v1.include_router(recipes.router)
api_v1.include_router(tags.router)
api_v1.include_router(users.router)
api_v1.include_router(password.router)

app = FastAPI(
    title=settings.PROJECT_NAME,
    description="Recipes and the people who submit them. Every error is an RFC 9457 "
    "problem (application/problem+json).",
    version="1.0.0",
    openapi_url="/openapi.json",
    # FastAPI's own pages load Swagger UI and ReDoc from a CDN; docs.install serves them.
    docs_url=None,
    redoc_url=None,
    lifespan=lifespan,
)
exception_handlers.register(app)
openapi.install(app)
docs.install(app)
# The last added runs first: the public host before anything reads Host, then security
# headers, then ids, the access log and the request metrics, around everything.
app.add_middleware(BodySizeLimit, max_bytes=settings.MAX_REQUEST_BODY_BYTES)
app.add_middleware(SingleQueryValues, repeatable=lambda: openapi.repeatable_query_parameters(app))
app.add_middleware(MethodNotAllowed, methods=lambda: openapi.path_methods(app))
app.add_middleware(HeadAsGet)
app.add_middleware(RequestContext, routes=lambda: app.routes)
app.add_middleware(SecurityHeaders)
app.add_middleware(PublicHost, public_base_url=settings.PUBLIC_BASE_URL)
app.include_router(api_v1)
# Outside api_v1, whose routes take JSON only: the login form is URL-encoded.
app.include_router(login.router, prefix=API_V1)
app.include_router(health.router)
app.include_router(prometheus.router)
app.include_router(home.router)
app.mount(
    "/static",
    StaticFiles(directory=Path(__file__).resolve().parent / "static"),
    name="static",
)
