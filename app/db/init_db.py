"""The seed: the first superuser and a starter set of real recipes.

Idempotent: each row is looked up before it is created, so running it again adds
nothing. The superuser gets FIRST_SUPERUSER_PASSWORD when created, or later if they
have no password yet (a database from before accounts); a password that is already
set is left alone, so one changed through the API survives a restart.
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.models import Recipe, User

logger = logging.getLogger(__name__)

STARTER_RECIPES = (
    {
        "label": "No-Knead Bread",
        "source": "NYT Cooking",
        "url": "https://cooking.nytimes.com/recipes/11376-no-knead-bread",
    },
    {
        "label": "Marcella Hazan's Tomato Sauce",
        "source": "NYT Cooking",
        "url": "https://cooking.nytimes.com/recipes/1015178-marcella-hazans-tomato-sauce",
    },
    {
        "label": "World's Best Lasagna",
        "source": "Allrecipes",
        "url": "https://www.allrecipes.com/recipe/23600/worlds-best-lasagna/",
    },
    {
        "label": "Good Old-Fashioned Pancakes",
        "source": "Allrecipes",
        "url": "https://www.allrecipes.com/recipe/21014/good-old-fashioned-pancakes/",
    },
    {
        "label": "Chicken Vesuvio",
        "source": "Serious Eats",
        "url": "https://www.seriouseats.com/chicken-vesuvio-recipe",
    },
    {
        "label": "Best spaghetti bolognese",
        "source": "BBC Good Food",
        "url": "https://www.bbcgoodfood.com/recipes/best-spaghetti-bolognese-recipe",
    },
    {
        "label": "Classic Victoria sandwich",
        "source": "BBC Good Food",
        "url": "https://www.bbcgoodfood.com/recipes/classic-victoria-sandwich-recipe",
    },
)


def init_db(db: Session) -> int:
    """Seed what is missing; returns how many rows were created."""
    created = 0
    superuser = crud.user.get_by_email(db, email=settings.FIRST_SUPERUSER)
    if superuser is None:
        superuser = crud.user.create(
            db,
            obj_in={
                "email": settings.FIRST_SUPERUSER,
                "password": settings.FIRST_SUPERUSER_PASSWORD,
                "first_name": "Admin",
                "is_superuser": True,
            },
        )
        created += 1
    elif superuser.hashed_password is None:
        crud.user.set_password(db, db_obj=superuser, password=settings.FIRST_SUPERUSER_PASSWORD)
        logger.info("seed: password of %s set from FIRST_SUPERUSER_PASSWORD", superuser.email)
    for fields in STARTER_RECIPES:
        if not _has_recipe(db, superuser, fields["url"]):
            crud.recipe.create(db, obj_in={**fields, "submitter_id": superuser.id})
            created += 1
    return created


def _has_recipe(db: Session, submitter: User, url: str) -> bool:
    statement = select(Recipe.id).where(Recipe.submitter_id == submitter.id, Recipe.url == url)
    return db.scalar(statement.limit(1)) is not None
