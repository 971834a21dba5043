"""real recipes: details, ingredient lines, steps and tags; search over all of them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 15:30:00.000000

Existing recipes keep every field and get empty lists. `source` and `url` become
optional (a recipe typed in by hand has neither), which SQLite can only do by
rebuilding `recipes` (batch mode, written out as revision 0006 left it, as revision
0005 does); the rebuild drops the full-text triggers, which are made again. Going
down, a recipe without a source or URL gets "" for it.

Full-text search (revision 0004) now also covers the description, the ingredients'
foods and the tag names, the last two through `recipes.foods_text` and
`recipes.tags_text`, which the application writes with the lists:
- SQLite: the FTS5 table and its triggers are made again over five columns.
- PostgreSQL: the GIN index is made again over the weighted tsvector: label A, tags B,
  foods C (the ingredient filter asks for C alone), source and description D.
- MySQL/MariaDB: a FULLTEXT index over the five columns for search, one over the label
  (a label match ranks first) and one over the foods (the ingredient filter).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import mysql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "label, source, description, foods_text, tags_text"
_NEW = ", ".join(f"new.{c}" for c in _COLUMNS.split(", "))
_OLD = ", ".join(f"old.{c}" for c in _COLUMNS.split(", "))
_SQLITE_UP = [
    f"""CREATE VIRTUAL TABLE recipes_fts USING fts5(
        {_COLUMNS}, content='recipes', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    f"""CREATE TRIGGER recipes_fts_insert AFTER INSERT ON recipes BEGIN
        INSERT INTO recipes_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW});
    END""",
    f"""CREATE TRIGGER recipes_fts_delete AFTER DELETE ON recipes BEGIN
        INSERT INTO recipes_fts(recipes_fts, rowid, {_COLUMNS})
        VALUES ('delete', old.id, {_OLD});
    END""",
    f"""CREATE TRIGGER recipes_fts_update AFTER UPDATE OF {_COLUMNS} ON recipes BEGIN
        INSERT INTO recipes_fts(recipes_fts, rowid, {_COLUMNS})
        VALUES ('delete', old.id, {_OLD});
        INSERT INTO recipes_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW});
    END""",
    "INSERT INTO recipes_fts(recipes_fts) VALUES ('rebuild')",
]
# Revision 0004's, as it made them.
_SQLITE_DOWN = [
    """CREATE VIRTUAL TABLE recipes_fts USING fts5(
        label, source, content='recipes', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER recipes_fts_insert AFTER INSERT ON recipes BEGIN
        INSERT INTO recipes_fts(rowid, label, source) VALUES (new.id, new.label, new.source);
    END""",
    """CREATE TRIGGER recipes_fts_delete AFTER DELETE ON recipes BEGIN
        INSERT INTO recipes_fts(recipes_fts, rowid, label, source)
        VALUES ('delete', old.id, old.label, old.source);
    END""",
    """CREATE TRIGGER recipes_fts_update AFTER UPDATE OF label, source ON recipes BEGIN
        INSERT INTO recipes_fts(recipes_fts, rowid, label, source)
        VALUES ('delete', old.id, old.label, old.source);
        INSERT INTO recipes_fts(rowid, label, source) VALUES (new.id, new.label, new.source);
    END""",
    "INSERT INTO recipes_fts(recipes_fts) VALUES ('rebuild')",
]
_SQLITE_DROP = [
    "DROP TRIGGER recipes_fts_update",
    "DROP TRIGGER recipes_fts_delete",
    "DROP TRIGGER recipes_fts_insert",
    "DROP TABLE recipes_fts",
]

# app/crud/fulltext.py writes the same expression; the planner uses the index only if
# they are identical. recipes_fts_text is STRICT (NULL in, NULL out), hence coalesce.
_PG_UP = """CREATE INDEX ix_recipes_fts ON recipes USING gin ((
    setweight(to_tsvector('simple', recipes_fts_text(label)), 'A')
    || setweight(to_tsvector('simple', recipes_fts_text(coalesce(tags_text, ''))), 'B')
    || setweight(to_tsvector('simple', recipes_fts_text(coalesce(foods_text, ''))), 'C')
    || setweight(to_tsvector('simple',
        recipes_fts_text(source || ' ' || coalesce(description, ''))), 'D')))"""
_PG_DOWN = """CREATE INDEX ix_recipes_fts ON recipes USING gin ((
    setweight(to_tsvector('simple', recipes_fts_text(label)), 'A')
    || setweight(to_tsvector('simple', recipes_fts_text(source)), 'B')))"""

_MYSQL_UP = [
    f"CREATE FULLTEXT INDEX ix_recipes_fts ON recipes ({_COLUMNS})",
    "CREATE FULLTEXT INDEX ix_recipes_fts_label ON recipes (label)",
    "CREATE FULLTEXT INDEX ix_recipes_fts_foods ON recipes (foods_text)",
]
_MYSQL_DOWN = ["CREATE FULLTEXT INDEX ix_recipes_fts ON recipes (label, source)"]


def _drop_full_text(dialect: str, *, real: bool = False) -> None:
    """Drop the full-text objects over recipes: revision 0004's, or (`real`) this one's."""
    if dialect == "sqlite":
        statements = _SQLITE_DROP
    elif dialect == "postgresql":
        statements = ["DROP INDEX ix_recipes_fts"]
    elif dialect in ("mysql", "mariadb"):
        names = ["ix_recipes_fts", "ix_recipes_fts_label", "ix_recipes_fts_foods"]
        statements = [f"DROP INDEX {name} ON recipes" for name in names[: 3 if real else 1]]
    else:
        return
    for statement in statements:
        op.execute(statement)


def _make_full_text(dialect: str, *, real: bool) -> None:
    """Make the full-text objects over recipes: this revision's (`real`), or 0004's."""
    if dialect == "sqlite":
        statements = _SQLITE_UP if real else _SQLITE_DOWN
    elif dialect == "postgresql":
        statements = [_PG_UP if real else _PG_DOWN]
    elif dialect in ("mysql", "mariadb"):
        statements = _MYSQL_UP if real else _MYSQL_DOWN
    else:
        return
    for statement in statements:
        op.execute(statement)


# app.db.types.UTCDateTime as DDL, as in revision 0001.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

_RECIPE_COLUMNS = [
    ("description", sa.Text()),
    ("image_url", sa.String(length=2048)),
    ("servings", sa.Integer()),
    ("yield_text", sa.String(length=100)),
    ("prep_minutes", sa.Integer()),
    ("cook_minutes", sa.Integer()),
    ("total_minutes", sa.Integer()),
    ("foods_text", sa.Text()),
    ("tags_text", sa.Text()),
]


def _recipes(*, real: bool) -> sa.Table:
    """`recipes` as revision 0006 left it, or (`real`) as this one leaves it."""
    return sa.Table(
        "recipes",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=256), nullable=False),
        sa.Column("source", sa.String(length=256), nullable=real),
        sa.Column("url", sa.String(length=2048), nullable=real),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        *(sa.Column(name, type_, nullable=True) for name, type_ in _RECIPE_COLUMNS if real),
        sa.ForeignKeyConstraint(
            ["submitter_id"],
            ["users.id"],
            name="fk_recipes_submitter_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recipes"),
        sa.Index("ix_recipes_created_at_id", "created_at", "id"),
        sa.Index("ix_recipes_submitter_id_created_at_id", "submitter_id", "created_at", "id"),
    )


def _alter_recipes(*, real: bool) -> None:
    """Reach `recipes` as this revision (`real`) or the one before leaves it."""
    sqlite = op.get_context().dialect.name == "sqlite"
    if sqlite and context.is_offline_mode():
        # See revision 0005: the rebuild drops the old table, which with foreign keys on
        # would delete every row pointing at it.
        op.execute("PRAGMA foreign_keys = OFF")
    with op.batch_alter_table(
        "recipes",
        recreate="always" if sqlite else "auto",
        copy_from=_recipes(real=not real),
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch_op:
        for name, type_ in _RECIPE_COLUMNS:
            if real:
                batch_op.add_column(sa.Column(name, type_, nullable=True))
            else:
                batch_op.drop_column(name)
        batch_op.alter_column("source", existing_type=sa.String(length=256), nullable=real)
        batch_op.alter_column("url", existing_type=sa.String(length=2048), nullable=real)


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    _drop_full_text(dialect)
    _alter_recipes(real=True)
    op.create_table(
        "recipe_ingredients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipe_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("quantity_numerator", sa.Integer(), nullable=True),
        sa.Column("quantity_denominator", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("food", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("section", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipe_id"],
            ["recipes.id"],
            name=op.f("fk_recipe_ingredients_recipe_id_recipes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipe_ingredients")),
    )
    op.create_index(
        "ix_recipe_ingredients_recipe_id_position",
        "recipe_ingredients",
        ["recipe_id", "position"],
    )
    op.create_table(
        "recipe_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipe_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipe_id"],
            ["recipes.id"],
            name=op.f("fk_recipe_steps_recipe_id_recipes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipe_steps")),
    )
    op.create_index("ix_recipe_steps_recipe_id_position", "recipe_steps", ["recipe_id", "position"])
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("slug", name=op.f("uq_tags_slug")),
    )
    op.create_table(
        "recipe_tags",
        sa.Column("recipe_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipe_id"],
            ["recipes.id"],
            name=op.f("fk_recipe_tags_recipe_id_recipes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_recipe_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("recipe_id", "tag_id", name=op.f("pk_recipe_tags")),
    )
    op.create_index("ix_recipe_tags_tag_id_recipe_id", "recipe_tags", ["tag_id", "recipe_id"])
    _make_full_text(dialect, real=True)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    _drop_full_text(dialect, real=True)
    op.drop_table("recipe_tags")
    op.drop_table("tags")
    op.drop_table("recipe_steps")
    op.drop_table("recipe_ingredients")
    op.execute("UPDATE recipes SET source = '' WHERE source IS NULL")
    op.execute("UPDATE recipes SET url = '' WHERE url IS NULL")
    _alter_recipes(real=False)
    _make_full_text(dialect, real=False)
