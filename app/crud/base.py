"""Create, read, update and delete for one table, written once for every table.

Who commits: the data layer. Every write method here ends in a commit, so a write
that returns has been committed, and one whose commit fails raises (after rolling
back) instead of returning. Routes never commit.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import ORMOption

from app.db.base_class import Base
from app.exceptions import Conflict, NotFound
from app.schemas.base import MAX_LIMIT, MAX_OFFSET

ModelT = TypeVar("ModelT", bound=Base)
CreateT = TypeVar("CreateT", bound=BaseModel)
UpdateT = TypeVar("UpdateT", bound=BaseModel)


class CRUDBase(Generic[ModelT, CreateT, UpdateT]):
    # Columns that no input may set: a subclass writes them itself (e.g. a password hash).
    protected: frozenset[str] = frozenset()

    def __init__(self, model: type[ModelT], *, order_by: Sequence[ColumnElement[Any]] = ()) -> None:
        """`order_by`: the order of every list, the primary key by default. End it with a
        unique column, so the same query returns the same rows in the same order."""
        self.model = model
        mapper = inspect(model)
        self.name = model.__name__.lower()
        self.order_by = tuple(order_by) or tuple(mapper.primary_key)
        # The primary key and the version column are the database's and the ORM's own.
        self._writable = {
            attr.key
            for attr in mapper.column_attrs
            if not attr.columns[0].primary_key
            and attr.columns[0] is not mapper.version_id_col
            and attr.key not in self.protected
        }

    def get(self, db: Session, id: int) -> ModelT | None:
        return db.get(self.model, id)

    def get_or_raise(self, db: Session, id: int) -> ModelT:
        obj = self.get(db, id)
        if obj is None:
            raise NotFound(self.name, id)
        return obj

    def get_multi(
        self,
        db: Session,
        *,
        offset: int = 0,
        limit: int = 100,
        options: Sequence[ORMOption] = (),
    ) -> Sequence[ModelT]:
        return self._page(db, select(self.model), offset=offset, limit=limit, options=options)

    def count(self, db: Session) -> int:
        return self._count(db, select(self.model))

    def create(self, db: Session, *, obj_in: CreateT | Mapping[str, Any]) -> ModelT:
        return self._add(db, self.model(**self._fields(obj_in, partial=False)))

    def update(self, db: Session, *, db_obj: ModelT, obj_in: UpdateT | Mapping[str, Any]) -> ModelT:
        """Set only the fields that were sent (a schema's unset fields are left alone)."""
        for field, value in self._fields(obj_in, partial=True).items():
            setattr(db_obj, field, value)
        self._commit(db, changing=db_obj)
        return db_obj

    def remove(self, db: Session, *, id: int) -> ModelT:
        db_obj = self.get_or_raise(db, id)
        db.delete(db_obj)
        self._commit(db, changing=db_obj)
        return db_obj

    # Building blocks for subclasses' queries.

    def _page(
        self,
        db: Session,
        statement: Select[ModelT],
        *,
        offset: int,
        limit: int,
        options: Sequence[ORMOption] = (),
    ) -> Sequence[ModelT]:
        # The API checks these too; this keeps every other caller inside the same bounds.
        if not 0 <= offset <= MAX_OFFSET:
            raise ValueError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        statement = statement.options(*options).order_by(*self.order_by)
        return db.scalars(statement.offset(offset).limit(limit)).all()

    def _count(self, db: Session, statement: Select[ModelT]) -> int:
        counted = statement.with_only_columns(func.count(), maintain_column_froms=True)
        return db.scalar(counted.order_by(None)) or 0

    def _add(self, db: Session, db_obj: ModelT) -> ModelT:
        db.add(db_obj)
        self._commit(db)
        return db_obj

    def _fields(self, obj_in: BaseModel | Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        return self._writable_only(self._dump(obj_in, partial=partial))

    @staticmethod
    def _dump(obj_in: BaseModel | Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        if isinstance(obj_in, BaseModel):
            return obj_in.model_dump(exclude_unset=partial)
        return dict(obj_in)

    def _writable_only(self, fields: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(fields.keys() - self._writable)
        if unknown:
            raise ValueError(f"{self.name} has no writable field(s): {', '.join(unknown)}")
        return fields

    def _commit(self, db: Session, *, changing: ModelT | None = None) -> None:
        try:
            db.commit()
        except StaleDataError:
            # A versioned row's UPDATE or DELETE matched nothing: another transaction
            # changed (or deleted) it after this one read it. Nothing of ours was written.
            identity = inspect(changing).identity if changing is not None else None
            db.rollback()
            what = " ".join([self.name, *map(str, identity or ())])
            raise Conflict(
                f"{what} was changed by another request at the same time; fetch it again"
            ) from None
        except Exception:
            db.rollback()
            raise
