from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Recipe, User
from tests.utils.factories import make_recipe, make_user, user_fields

API = "/api/v1/users"


def test_create_user_201_with_location(client: TestClient) -> None:
    response = client.post(API, json={"email": "Ada@Example.com", "first_name": "Ada"})

    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "ada@example.com"
    assert user["is_superuser"] is False
    assert response.headers["location"].endswith(f"{API}/{user['id']}")
    assert client.get(response.headers["location"]).json() == user


def test_duplicate_email_is_409_in_any_case(client: TestClient, db: Session) -> None:
    make_user(db, email="taken@example.com")

    response = client.post(API, json={"email": "TAKEN@example.com"})

    assert response.status_code == 409
    assert "taken@example.com" in response.json()["detail"]
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_changing_email_to_a_taken_one_is_409(client: TestClient, db: Session) -> None:
    make_user(db, email="first@example.com")
    second = make_user(db, email="second@example.com")

    response = client.patch(f"{API}/{second.id}", json={"email": "first@example.com"})

    assert response.status_code == 409
    assert client.get(f"{API}/{second.id}").json()["email"] == "second@example.com"


def test_patch_user_changes_only_fields_sent(client: TestClient, db: Session) -> None:
    user = make_user(db, first_name="Ada", surname="Byron")

    response = client.patch(f"{API}/{user.id}", json={"surname": "King"})

    assert response.status_code == 200
    assert (response.json()["first_name"], response.json()["surname"]) == ("Ada", "King")


def test_patch_user_may_clear_a_name_but_not_the_email(client: TestClient, db: Session) -> None:
    user = make_user(db, first_name="Ada")

    cleared = client.patch(f"{API}/{user.id}", json={"first_name": None})
    no_email = client.patch(f"{API}/{user.id}", json={"email": None})

    assert cleared.status_code == 200 and cleared.json()["first_name"] is None
    assert no_email.status_code == 422
    assert no_email.json()["detail"][0]["loc"] == ["body", "email"]


def test_users_cannot_be_made_superuser_through_the_api(client: TestClient, db: Session) -> None:
    user = make_user(db)

    created = client.post(API, json=user_fields(is_superuser=True))
    patched = client.patch(f"{API}/{user.id}", json={"is_superuser": True})

    assert created.status_code == patched.status_code == 422
    assert db.scalar(select(func.count()).where(User.is_superuser)) == 0


def test_list_users_oldest_first(client: TestClient, db: Session) -> None:
    ids = [make_user(db).id for _ in range(3)]

    page = client.get(API).json()

    assert [u["id"] for u in page["items"]] == ids
    assert page["total"] == 3


def test_deleting_a_user_deletes_their_recipes(client: TestClient, db: Session) -> None:
    user, other = make_user(db), make_user(db)
    theirs = [make_recipe(db, user).id for _ in range(3)]
    kept = make_recipe(db, other)

    assert client.delete(f"{API}/{user.id}").status_code == 204

    db.expire_all()
    assert db.scalars(select(Recipe.id).where(Recipe.id.in_(theirs))).all() == []
    assert client.get(f"{API}/{user.id}").status_code == 404
    assert client.get(f"/api/v1/recipes/{kept.id}").status_code == 200


def test_delete_missing_user_is_404(client: TestClient) -> None:
    response = client.delete(f"{API}/424242")

    assert response.status_code == 404
    assert response.json() == {"detail": "user 424242 not found"}


def test_user_recipes_lists_only_theirs_newest_first(client: TestClient, db: Session) -> None:
    user, other = make_user(db), make_user(db)
    mine = [make_recipe(db, user).id for _ in range(4)]
    make_recipe(db, other)

    page = client.get(f"{API}/{user.id}/recipes", params={"limit": 3}).json()
    rest = client.get(f"{API}/{user.id}/recipes", params={"offset": 3}).json()

    assert page["total"] == 4
    assert [r["id"] for r in page["items"] + rest["items"]] == sorted(mine, reverse=True)


def test_recipes_of_a_missing_user_is_404(client: TestClient) -> None:
    assert client.get(f"{API}/31337/recipes").status_code == 404
