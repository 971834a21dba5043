"""The FastAPI application: routers, exception handlers and lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from app import exception_handlers
from app.api.deps import require_json
from app.api.v1 import home, login, recipes, users
from app.core.config import settings
from app.db.session import engine
from app.middleware import BodySizeLimit

API_V1 = "/api/v1"


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    to_thread.current_default_thread_limiter().total_tokens = settings.WORKER_THREADS
    yield
    engine.dispose()


api_v1 = APIRouter(prefix=API_V1, dependencies=[Depends(require_json)])
api_v1.include_router(recipes.router)
api_v1.include_router(users.router)

app = FastAPI(
    title=settings.PROJECT_NAME,
    description="Recipes and the people who submit them.",
    version="1.0.0",
    openapi_url="/openapi.json",
    lifespan=lifespan,
)
exception_handlers.register(app)
app.add_middleware(BodySizeLimit, max_bytes=settings.MAX_REQUEST_BODY_BYTES)
app.include_router(api_v1)
# Outside api_v1, whose routes take JSON only: the login form is URL-encoded.
app.include_router(login.router, prefix=API_V1)
app.include_router(home.router)
app.mount(
    "/static",
    StaticFiles(directory=Path(__file__).resolve().parent / "static"),
    name="static",
)
