"""Create, read, update and delete for one table, written once for every table.

Beyond its own columns, a table's CRUD object writes and reads its collections,
declared by relationship name: `children` (rows it owns, one-to-many with
cascade="all, delete-orphan", sent as lists of their fields and replaced whole) and
`links` (rows it shares through a link table, relationship(secondary=...), sent as
lists of keys that a function turns into rows). `get` loads all of them and lists load
those in `listed`, one statement per relationship whatever the number of rows.

Who commits: the data layer. Every write method here ends in a commit, so a write
that returns has been committed, and one whose commit fails raises (after rolling
back) instead of returning. Routes never commit.
"""

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    inspect,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import DeclarativeBase, RelationshipProperty, Session, selectinload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import ORMOption

from app.crud.listing import Position, Sort
from app.exceptions import Conflict, NotFound
from app.schemas.base import MAX_LIMIT, MAX_OFFSET

ModelT = TypeVar("ModelT", bound=DeclarativeBase)
CreateT = TypeVar("CreateT", bound=BaseModel)
UpdateT = TypeVar("UpdateT", bound=BaseModel)

Compare = Callable[[Any, Any], ColumnElement[bool]]
# Comparisons a filter may declare.
EQUAL: Compare = operator.eq
AFTER: Compare = operator.gt
BEFORE: Compare = operator.lt
AT_MOST: Compare = operator.le
# Or a filter is a function of its value giving the condition, for what one column
# cannot say (e.g. "has every one of these tags").
Condition = Callable[[Any], ColumnElement[bool]]
# Turns the keys sent for a link collection into the rows to link (finding or creating
# them).
Resolve = Callable[[Session, list[Any]], list[Any]]


@dataclass(frozen=True)
class Window(Generic[ModelT]):
    """One page of a list, with where the pages before and after it start (None at the
    ends)."""

    items: Sequence[ModelT]
    next: Position | None
    prev: Position | None


class CRUDBase(Generic[ModelT, CreateT, UpdateT]):
    # Columns that no input may set: a subclass writes them itself (e.g. a password hash).
    protected: frozenset[str] = frozenset()
    # What lists may be sorted by (non-null columns: keyset pages compare their values),
    # and the order when none is asked for: the table's one declaration of its order.
    # The primary key always ends an order; left empty, these are the primary key alone.
    sortable: tuple[str, ...] = ()
    default_sort: str = ""
    # Filters lists accept: name -> (column, comparison), e.g. "created_after":
    # ("created_at", AFTER). A filter given None (or an empty list) is not applied.
    filters: Mapping[str, tuple[str, Compare] | Condition] = {}
    # Collections (see the module's docstring): relationship names.
    children: tuple[str, ...] = ()
    links: Mapping[str, Resolve] = {}
    # What list pages load with each row: relationships, and deferred columns.
    listed: tuple[str, ...] = ()

    def __init__(self, model: type[ModelT]) -> None:
        self.model = model
        self.name = model.__name__.lower()
        mapper = inspect(model)
        if len(mapper.primary_key) != 1:
            keys = ", ".join(column.name for column in mapper.primary_key)
            raise TypeError(
                f"CRUDBase serves tables with a one-column primary key; {self.name}'s is "
                f"({keys}). Reach a link table through its parents' relationship(secondary=...), "
                "or give the table a surrogate primary key and a unique constraint on these"
            )
        (key_column,) = mapper.primary_key
        # Sorts and filters name the model's attributes; a column's own name may differ.
        # A column_property (e.g. a count) may be sorted by, never written.
        self._columns = {attr.key: attr.columns[0] for attr in mapper.column_attrs}
        for name in self.children:
            relation = mapper.relationships.get(name)
            if relation is None or "delete-orphan" not in relation.cascade:
                raise TypeError(
                    f"{self.name}.{name} is not a relationship with cascade='all, delete-orphan'"
                )
        for name in self.links:
            relation = mapper.relationships.get(name)
            if relation is None or relation.secondary is None:
                raise TypeError(f"{self.name}.{name} is not a relationship(secondary=...)")
        self._child_classes = {
            name: mapper.relationships[name].mapper.class_ for name in self.children
        }
        self._get_statement = select(model).where(key_column == bindparam("key"))
        self._collection_statements = {
            name: _rows_of(mapper.relationships[name]) for name in self._collections
        }
        self._list_options = [
            selectinload(getattr(model, name))
            if name in mapper.relationships
            else undefer(getattr(model, name))
            for name in self.listed
        ]
        self.key = mapper.get_property_by_column(key_column).key
        self._key_column = key_column
        self.sortable = self.sortable or (self.key,)
        self.default_sort = self.default_sort or self.key
        for name in self.sortable:
            if name not in self._columns:
                raise TypeError(f"{self.name} has no column {name!r} to sort by")
            if getattr(self._columns[name], "nullable", False):
                raise TypeError(f"{self.name}.{name} is nullable and cannot be sortable")
        self._default_order = self.sort(self.default_sort)
        # The version column is the ORM's own; a key the database generates is the
        # database's, and no key changes once written.
        self._updatable = {
            attr.key
            for attr in mapper.column_attrs
            if isinstance(attr.columns[0], Column)
            and not attr.columns[0].primary_key
            and attr.columns[0] is not mapper.version_id_col
            and attr.key not in self.protected
        } | set(self._collections)
        self._version = (
            mapper.get_property_by_column(mapper.version_id_col).key
            if mapper.version_id_col is not None
            else None
        )
        generated = key_column is key_column.table.autoincrement_column
        self._creatable = self._updatable if generated else self._updatable | {self.key}

    @property
    def _collections(self) -> tuple[str, ...]:
        return (*self.children, *self.links)

    def get(self, db: Session, id: Any) -> ModelT | None:
        """The row whose primary key is `id`, with its collections, or None.

        One statement for the row and one per collection, each built once: a
        selectinload builds its statement anew on every load, which costs more CPU than
        running it. A collection already loaded in the session is kept as it is, as a
        loader would keep it.
        """
        obj = db.scalars(self._get_statement, {"key": id}).first()
        if obj is None:
            return None
        unloaded = inspect(obj).unloaded
        for name, statement in self._collection_statements.items():
            if name in unloaded:
                set_committed_value(obj, name, db.scalars(statement, {"key": id}).all())
        return obj

    def get_or_raise(self, db: Session, id: Any) -> ModelT:
        obj = self.get(db, id)
        if obj is None:
            raise NotFound(self.name, id)
        return obj

    def sort(self, spec: str | None = None) -> Sort:
        """The order `spec` asks for (`-created_at,label`), checked against `sortable`;
        the table's default order without one."""
        if spec is None:
            return self._default_order
        return Sort.parse(spec, sortable=self.sortable, tie_break=self.key)

    def get_window(
        self,
        db: Session,
        *,
        sort: Sort | None = None,
        filters: Mapping[str, Any] | None = None,
        after: Position | None = None,
        offset: int = 0,
        limit: int = 100,
        options: Sequence[ORMOption] = (),
    ) -> Window[ModelT]:
        """A page of the rows matching `filters`, in `sort` order (the default order
        without one), starting after the position `after` (or, if it is `backwards`,
        ending before it) and `offset` rows.

        With a position this is an index range read: no row before the page is read.
        Whether another page follows is told by reading one row more, never by counting.
        """
        self._check_bounds(offset, limit)
        sort = sort or self._default_order
        statement = self._filtered(select(self.model), filters or {})
        columns = [(self._columns[name], desc) for name, desc in sort.keys]
        backwards = after is not None and after.backwards
        if after is not None:
            statement = statement.where(self._beyond(columns, after.values, backwards))
        order = [col.desc() if desc != backwards else col.asc() for col, desc in columns]
        statement = statement.options(*self._list_options, *options)
        statement = statement.order_by(*order).offset(offset)
        rows = list(db.scalars(statement.limit(limit + 1)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        if not rows:
            return Window(rows, next=None, prev=None)
        # Going forwards, a page after this one exists if more rows came back, and one
        # before it if this one was reached from somewhere; backwards, the reverse.
        has_next = True if backwards else more
        has_prev = more if backwards else (after is not None or offset > 0)
        return Window(
            rows,
            next=self._position(rows[-1], sort) if has_next else None,
            prev=Position(self._position(rows[0], sort).values, backwards=True)
            if has_prev
            else None,
        )

    def count(self, db: Session, filters: Mapping[str, Any] | None = None) -> int:
        """How many rows match `filters` (all of them without)."""
        statement = self._filtered(select(func.count()).select_from(self.model), filters or {})
        return db.scalar(statement) or 0

    def sort_types(self, sort: Sort) -> list[type]:
        """The Python type of each of the sort's columns (to read a cursor back)."""
        return [self._columns[name].type.python_type for name, _ in sort.keys]

    def create(self, db: Session, *, obj_in: CreateT | Mapping[str, Any]) -> ModelT:
        fields = self._rows(db, self._fields(obj_in, partial=False))
        # A create names every collection, so each reads back as loaded (and empty).
        db_obj = self.model(**({name: [] for name in self._collections} | fields))
        self.derive(db_obj)
        return self._add(db, db_obj)

    def update(self, db: Session, *, db_obj: ModelT, obj_in: UpdateT | Mapping[str, Any]) -> ModelT:
        """Set only the fields that were sent (a schema's unset fields are left alone); a
        collection that is sent replaces the one stored."""
        fields = self._rows(db, self._fields(obj_in, partial=True))
        for field, value in fields.items():
            setattr(db_obj, field, value)
        if self._version is not None and fields.keys() & set(self._collections):
            # A collection lives in other tables, so changing it alone would not touch
            # this row: its version (and ETag) moves with it all the same.
            setattr(db_obj, self._version, getattr(db_obj, self._version) + 1)
        self.derive(db_obj)
        self._commit(db, changing=db_obj)
        return db_obj

    def derive(self, db_obj: ModelT) -> None:
        """Set the columns computed from the others, before every create and update.
        Nothing to compute by default."""

    def remove(self, db: Session, *, id: Any) -> ModelT:
        db_obj = self.get_or_raise(db, id)
        db.delete(db_obj)
        self._commit(db, changing=db_obj)
        return db_obj

    # Building blocks for subclasses' queries.

    @staticmethod
    def _check_bounds(offset: int, limit: int) -> None:
        # The API checks these too; this keeps every other caller inside the same bounds.
        if not 0 <= offset <= MAX_OFFSET:
            raise ValueError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")

    def _filtered(self, statement: Select[Any], filters: Mapping[str, Any]) -> Select[Any]:
        unknown = sorted(filters.keys() - self.filters.keys())
        if unknown:
            raise ValueError(f"{self.name} has no filter(s): {', '.join(unknown)}")
        for name, value in filters.items():
            if value is None or value == []:
                continue
            declared = self.filters[name]
            if isinstance(declared, tuple):
                column, compare = declared
                statement = statement.where(compare(self._columns[column], value))
            else:
                statement = statement.where(declared(value))
        return statement

    @staticmethod
    def _beyond(
        columns: Sequence[tuple[ColumnElement[Any], bool]], values: Sequence[Any], backwards: bool
    ) -> ColumnElement[bool]:
        """Rows after `values` in the order of `columns` (before them, `backwards`)."""
        bound: list[ColumnElement[Any]] = [
            literal(value, type_=col.type) for (col, _), value in zip(columns, values, strict=True)
        ]

        def after(
            col: ColumnElement[Any], desc: bool, value: ColumnElement[Any]
        ) -> ColumnElement[bool]:
            return col < value if desc != backwards else col > value

        first, first_desc = columns[0]
        # Repeats the first column's bound on its own: an index range on it, which
        # MariaDB's optimizer does not derive from a row comparison.
        lead = first <= bound[0] if first_desc != backwards else first >= bound[0]
        if len({desc for _, desc in columns}) == 1:
            # One direction: a row-value comparison, one range on a composite index.
            rows = tuple_(*(col for col, _ in columns))
            desc = columns[0][1]
            beyond = rows < tuple_(*bound) if desc != backwards else rows > tuple_(*bound)
            return and_(lead, beyond)
        # Mixed directions: (a after x) or (a = x and b after y) or ...
        alternatives = [
            and_(
                *(col == value for (col, _), value in zip(columns[:i], bound[:i], strict=True)),
                after(columns[i][0], columns[i][1], bound[i]),
            )
            for i in range(len(columns))
        ]
        return and_(lead, or_(*alternatives))

    def _position(self, row: ModelT, sort: Sort) -> Position:
        return Position(tuple(getattr(row, name) for name, _ in sort.keys))

    def _add(self, db: Session, db_obj: ModelT) -> ModelT:
        db.add(db_obj)
        self._commit(db)
        return db_obj

    def _fields(self, obj_in: BaseModel | Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        return self._writable_only(self._dump(obj_in, partial=partial), partial=partial)

    @staticmethod
    def _dump(obj_in: BaseModel | Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        if isinstance(obj_in, BaseModel):
            return _values(obj_in, partial=partial)
        return {name: _value(value) for name, value in obj_in.items()}

    def _rows(self, db: Session, fields: dict[str, Any]) -> dict[str, Any]:
        """`fields` with each collection sent turned into rows: children from their
        fields, links from their keys."""
        for name, child in self._child_classes.items():
            if name in fields:
                fields[name] = [child(**item) for item in fields[name]]
        for name, resolve in self.links.items():
            if name in fields:
                fields[name] = resolve(db, list(fields[name]))
        return fields

    def _writable_only(self, fields: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
        """`fields`, if a create (or, `partial`, an update) may set every one of them."""
        unknown = sorted(fields.keys() - (self._updatable if partial else self._creatable))
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


def _values(obj_in: BaseModel, *, partial: bool) -> dict[str, Any]:
    """The schema's fields (only those sent, `partial`) as the Python values it
    validated: model_dump would turn some into text (a Fraction into "3/2"). A nested
    schema (a collection's item) is always whole."""
    names = obj_in.model_fields_set if partial else type(obj_in).model_fields.keys()
    return {name: _value(getattr(obj_in, name)) for name in names}


def _value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _values(value, partial=False)
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def _rows_of(relation: RelationshipProperty[Any]) -> Select[Any]:
    """The rows of the collection `relation` for the parent whose key is bound as `key`,
    in the relationship's order."""
    ((_, parent_key),) = relation.synchronize_pairs
    statement = select(relation.mapper)
    if relation.secondary is not None:
        assert relation.secondaryjoin is not None
        statement = statement.join(relation.secondary, relation.secondaryjoin)
    statement = statement.where(parent_key == bindparam("key"))
    if relation.order_by:
        statement = statement.order_by(*relation.order_by)
    return statement
