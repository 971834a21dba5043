"""The last superuser stays one: the rule in crud.user, and its lock, with two real
transactions at once (SQLite lets one writer at a time, so the race needs a server)."""

import threading

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app import crud
from app.exceptions import Conflict
from app.models import User
from tests.utils.factories import make_superuser, make_user

WAIT = 10


def test_the_only_superuser_is_neither_demoted_nor_deleted(db: Session) -> None:
    only = make_superuser(db)
    make_user(db)

    with pytest.raises(Conflict, match="last superuser"):
        crud.user.update(db, db_obj=only, obj_in={"is_superuser": False})
    with pytest.raises(Conflict, match="last superuser"):
        crud.user.remove(db, id=only.id)

    db.expire_all()
    assert db.get(User, only.id) is not None and only.is_superuser


def test_one_of_two_superusers_may_go(db: Session) -> None:
    first, second = make_superuser(db), make_superuser(db)

    crud.user.update(db, db_obj=first, obj_in={"is_superuser": False})
    with pytest.raises(Conflict):
        crud.user.remove(db, id=second.id)
    assert first.is_superuser is False


@pytest.mark.committed
@pytest.mark.engines("postgresql", "mysql")
@pytest.mark.parametrize("removal", ["demote", "delete"])
def test_a_removal_waits_for_one_in_progress_and_sees_its_outcome(
    db: Session, engine: Engine, removal: str
) -> None:
    a, b = make_superuser(db), make_superuser(db)
    a_id, b_id = a.id, b.id
    outcome: list[BaseException | None] = []

    def b_removes_a() -> None:
        with Session(bind=engine, autoflush=False, expire_on_commit=False) as session:
            target = session.get_one(User, a_id)
            try:
                if removal == "demote":
                    crud.user.update(session, db_obj=target, obj_in={"is_superuser": False})
                else:
                    crud.user.remove(session, id=a_id)
            except Conflict as exc:
                outcome.append(exc)
            else:
                outcome.append(None)

    # A transaction in the middle of "a removes b": it holds the superusers' rows.
    with Session(bind=engine, autoflush=False, expire_on_commit=False) as first:
        first.scalars(select(User.id).where(User.is_superuser).with_for_update()).all()
        rival = threading.Thread(target=b_removes_a)
        rival.start()
        rival.join(timeout=1)
        assert rival.is_alive(), f"the rival did not wait for the lock: {outcome}"
        first.get_one(User, b_id).is_superuser = False
        first.commit()
    rival.join(timeout=WAIT)

    assert not rival.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    db.expire_all()
    assert db.scalars(select(User.id).where(User.is_superuser)).all() == [a_id]
