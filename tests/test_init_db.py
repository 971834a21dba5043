"""The seed and the superuser's password, in-process on the suite's database."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.core.security import verify_password
from app.db.init_db import STARTER_RECIPES, init_db
from app.models import User
from tests.utils.factories import make_user


def test_a_superuser_from_before_accounts_gets_the_configured_password(db: Session) -> None:
    make_user(db, email=settings.FIRST_SUPERUSER, is_superuser=True)  # no password

    created = init_db(db)

    superuser = crud.user.get_by_email(db, email=settings.FIRST_SUPERUSER)
    assert superuser is not None
    assert verify_password(settings.FIRST_SUPERUSER_PASSWORD, superuser.hashed_password)
    assert created == len(STARTER_RECIPES)  # the user was there already


def test_a_password_already_set_is_left_alone(db: Session) -> None:
    init_db(db)
    superuser = crud.user.get_by_email(db, email=settings.FIRST_SUPERUSER)
    assert superuser is not None
    crud.user.set_password(db, db_obj=superuser, password="changed through the API")
    hashed = superuser.hashed_password

    assert init_db(db) == 0

    db.expire_all()
    assert db.scalar(select(User.hashed_password).where(User.id == superuser.id)) == hashed
    assert db.scalar(select(func.count()).select_from(User)) == 1
