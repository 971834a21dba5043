"""README's "Adding a table", followed step by step on a copy of the project.

The new table has a primary key not named `id`, that the client chooses, and a
UTCDateTime column. Everything runs in processes of its own, in the copy, so the
suite's models (and Base.metadata) never see the table.
"""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy.engine import URL

from app.core.config import PROJECT_DIR
from tests.utils.databases import as_setting
from tests.utils.processes import app_env

MODEL = """
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base_class import Base
from app.db.types import utcnow


class Shelf(Base):
    __tablename__ = "shelves"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    shelved_at: Mapped[datetime] = mapped_column(default=utcnow)
"""

SCHEMAS = """
from datetime import datetime

from pydantic import BaseModel, Field

from app.schemas.base import InputSchema, PublicSchema, UpdateSchema


class ShelfCreate(InputSchema):
    code: str = Field(min_length=1, max_length=20)
    label: str = Field(min_length=1, max_length=100)


class ShelfUpdate(UpdateSchema):
    label: str = Field(min_length=1, max_length=100)


class ShelfPublic(PublicSchema):
    code: str
    label: str
    shelved_at: datetime


class ShelfFilters(BaseModel):
    label: str | None = None
"""

CRUD = """
from app.crud.base import EQUAL, CRUDBase
from app.models.shelf import Shelf
from app.schemas.shelf import ShelfCreate, ShelfUpdate


class CRUDShelf(CRUDBase[Shelf, ShelfCreate, ShelfUpdate]):
    sortable = ("label", "shelved_at", "code")
    default_sort = "label"
    filters = {"label": ("label", EQUAL)}


shelf = CRUDShelf(Shelf)
"""

ROUTER = '''
from typing import Annotated

from fastapi import Depends, Query

from app import crud
from app.api.deps import SessionDep
from app.api.routing import APIRouter
from app.api.v1.paging import ListParams, list_params
from app.schemas.base import Page
from app.schemas.shelf import ShelfFilters, ShelfPublic

router = APIRouter(prefix="/shelves", tags=["shelves"])


@router.get("")
def list_shelves(
    db: SessionDep,
    params: Annotated[ListParams, Depends(list_params(crud.shelf))],
    filters: Annotated[ShelfFilters, Query()],
) -> Page[ShelfPublic]:
    """List shelves."""
    return params.fetch(db, crud.shelf, Page[ShelfPublic], filters.model_dump())
'''

# Uses the table through the generic CRUD and the API, and prints what it saw.
USE = """
import json

from fastapi.testclient import TestClient

from app import crud
from app.api.v1 import shelves
from app.db.session import WriteSessionLocal
from app.main import app
from app.schemas.shelf import ShelfCreate, ShelfUpdate

with WriteSessionLocal() as db:
    for code, label in [("B2", "Spices"), ("A1", "Flour"), ("C3", "Tins")]:
        crud.shelf.create(db, obj_in=ShelfCreate(code=code, label=label))
    tins = crud.shelf.get_or_raise(db, "C3")
    crud.shelf.update(db, db_obj=tins, obj_in=ShelfUpdate(label="Cans"))
    got = crud.shelf.get(db, "A1")
    seen = {
        "listed": [s.code for s in crud.shelf.get_window(db).items],
        "sorted": [s.code for s in crud.shelf.get_window(db, sort=crud.shelf.sort("-code")).items],
        "got": [got.code, got.label, got.shelved_at.utcoffset().total_seconds()],
        "counted": crud.shelf.count(db, {"label": "Cans"}),
    }

app.include_router(shelves.router, prefix="/api/v1")
with TestClient(app) as client:
    first = client.get("/api/v1/shelves", params={"sort": "-shelved_at", "limit": 2}).json()
    rest = client.get(first["next"]).json()
    filtered = client.get("/api/v1/shelves", params={"label": "Flour", "limit": 5})
seen["api"] = [s["code"] for s in first["items"] + rest["items"]]
seen["filtered"] = [filtered.status_code, [s["code"] for s in filtered.json()["items"]]]
print(json.dumps(seen))
"""


def _run(project: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _write(path: Path, code: str) -> None:
    path.write_text(textwrap.dedent(code).lstrip())


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


def test_adding_a_table_as_the_readme_says(tmp_path: Path, database_url: URL) -> None:
    project = tmp_path / "project"
    for name in ("app", "alembic"):
        shutil.copytree(PROJECT_DIR / name, project / name, ignore=shutil.ignore_patterns("*.pyc"))
    for name in ("alembic.ini", "pyproject.toml"):
        shutil.copy(PROJECT_DIR / name, project / name)
    env = app_env(DATABASE_URL=as_setting(database_url))
    alembic = ("-m", "alembic")
    _run(project, env, *alembic, "upgrade", "head")
    versions = set((project / "alembic" / "versions").glob("*.py"))

    # 1. The model. 2. Imported where the app and Alembic find every model.
    _write(project / "app" / "models" / "shelf.py", MODEL)
    _append(project / "app" / "models" / "__init__.py", "from app.models.shelf import Shelf")
    _append(project / "app" / "db" / "base.py", "from app.models.shelf import Shelf")
    # 3. The migration, as autogenerate writes it: it must pass ruff as it is.
    _run(project, env, *alembic, "revision", "--autogenerate", "-m", "add shelves")
    (migration,) = set((project / "alembic" / "versions").glob("*.py")) - versions
    _run(project, env, "-m", "ruff", "check", "--no-cache", str(migration))
    _run(project, env, "-m", "ruff", "format", "--check", "--no-cache", str(migration))
    # 4. Upgrade, then no drift between the models and the database.
    _run(project, env, *alembic, "upgrade", "head")
    _run(project, env, *alembic, "check")
    # 5. Schemas, the CRUD object (exported by app.crud), a router.
    _write(project / "app" / "schemas" / "shelf.py", SCHEMAS)
    _write(project / "app" / "crud" / "shelf.py", CRUD)
    _append(project / "app" / "crud" / "__init__.py", "from app.crud.shelf import shelf")
    _write(project / "app" / "api" / "v1" / "shelves.py", ROUTER)
    _write(project / "use.py", USE)

    seen = json.loads(_run(project, env, "use.py"))

    assert seen["listed"] == ["C3", "A1", "B2"]  # by label: Cans, Flour, Spices
    assert seen["sorted"] == ["C3", "B2", "A1"]
    assert seen["got"] == ["A1", "Flour", 0.0]
    assert seen["counted"] == 1
    assert seen["api"] == ["C3", "A1", "B2"]  # newest first, over two pages
    assert seen["filtered"] == [200, ["A1"]]
