from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.crud.base import CRUDBase
from app.models.tag import Tag
from app.schemas.tag import slug_of

# Tries at finding-or-making a request's tags; each clash means another request made one
# of them meanwhile, so the next try finds it.
_ATTEMPTS = 3


class CRUDTag(CRUDBase[Tag, BaseModel, BaseModel]):
    """Tags are made by the recipes that name them (`named`), never on their own."""

    sortable = ("slug", "recipe_count", "id")
    default_sort = "slug"
    listed = ("recipe_count",)

    def get_by_slug(self, db: Session, slug: str) -> Tag | None:
        return db.scalar(select(Tag).where(Tag.slug == slug))

    def named(self, db: Session, names: list[str]) -> list[Tag]:
        """The tags with these names, made if missing, each once (names with the same
        slug are one tag, named as it was first written), in slug order: as a recipe
        lists its tags."""
        wanted: dict[str, str] = {}
        for name in names:
            wanted.setdefault(slug_of(name), name)
        for attempt in range(_ATTEMPTS):
            # After a clash, a locking read: it sees what the other request committed
            # even inside an older snapshot (MariaDB's repeatable read).
            found = self._by_slug(db, list(wanted), latest=attempt > 0)
            missing = [Tag(name=n, slug=slug) for slug, n in wanted.items() if slug not in found]
            if not missing:
                break
            try:
                with db.begin_nested():
                    db.add_all(missing)
            except IntegrityError:
                # Another request made one of them since this one looked.
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            found.update((new.slug, new) for new in missing)
            break
        return [found[slug] for slug in sorted(wanted)]

    @staticmethod
    def _by_slug(db: Session, slugs: Sequence[str], *, latest: bool = False) -> dict[str, Tag]:
        if not slugs:
            return {}
        statement = select(Tag).where(Tag.slug.in_(slugs))
        if latest:
            statement = statement.with_for_update(read=True)
        return {tag.slug: tag for tag in db.scalars(statement)}


tag = CRUDTag(Tag)
