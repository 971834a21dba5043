"""Health checks for load balancers and orchestrators: outside /api/v1, no sign-in."""

from functools import cache
from typing import Literal

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import BaseModel

from app.api.deps import SessionDep
from app.api.responses import DATABASE
from app.api.routing import APIRouter
from app.core.config import PROJECT_DIR
from app.exceptions import NotReady

router = APIRouter(prefix="/health", tags=["health"])


class Live(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ok"] = "ok"
    revision: str


@cache
def head_revision() -> str | None:
    """The newest migration this code ships with."""
    return ScriptDirectory.from_config(Config(PROJECT_DIR / "alembic.ini")).get_current_head()


@router.get("/live")
def live() -> Live:
    """The process is up and serving; touches nothing else."""
    return Live()


@router.get("/ready", responses=DATABASE)
def ready(db: SessionDep) -> Ready:
    """The database answers and its schema is at the migrations' head (else 503)."""
    # A database that does not answer raises here and gets the usual 503.
    current = MigrationContext.configure(db.connection()).get_current_revision()
    head = head_revision()
    if current != head:
        raise NotReady(f"the database is at migration {current}, this code needs {head}")
    return Ready(revision=current or "")
