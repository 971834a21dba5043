import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.security import verify_password
from app.models import Recipe, User
from tests.utils.auth import TEST_PASSWORD, auth_headers, sign_in
from tests.utils.errors import error_detail
from tests.utils.factories import make_recipe, make_superuser, make_user, user_fields

API = "/api/v1/users"


def _count_users(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(User)) or 0


def test_create_user_201_with_location(superuser_client: TestClient) -> None:
    client = superuser_client
    response = client.post(API, json={"email": "Ada@Example.com", "first_name": "Ada"})

    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "ada@example.com"
    assert user["is_superuser"] is False
    assert response.headers["location"].endswith(f"{API}/{user['id']}")
    assert client.get(response.headers["location"]).json() == user


def test_duplicate_email_is_409_in_any_case(superuser_client: TestClient, db: Session) -> None:
    make_user(db, email="taken@example.com")
    count = _count_users(db)

    response = superuser_client.post(API, json={"email": "TAKEN@example.com"})

    assert response.status_code == 409
    assert "taken@example.com" in error_detail(response)
    assert _count_users(db) == count


def test_changing_email_to_a_taken_one_is_409(superuser_client: TestClient, db: Session) -> None:
    client = superuser_client
    make_user(db, email="first@example.com")
    second = make_user(db, email="second@example.com")

    response = client.patch(f"{API}/{second.id}", json={"email": "first@example.com"})

    assert response.status_code == 409
    assert client.get(f"{API}/{second.id}").json()["email"] == "second@example.com"


def test_patch_user_changes_only_fields_sent(superuser_client: TestClient, db: Session) -> None:
    user = make_user(db, first_name="Ada", surname="Byron")

    response = superuser_client.patch(f"{API}/{user.id}", json={"surname": "King"})

    assert response.status_code == 200
    assert (response.json()["first_name"], response.json()["surname"]) == ("Ada", "King")


def test_patch_user_may_clear_a_name_but_not_the_email(
    superuser_client: TestClient, db: Session
) -> None:
    client = superuser_client
    user = make_user(db, first_name="Ada")

    cleared = client.patch(f"{API}/{user.id}", json={"first_name": None})
    no_email = client.patch(f"{API}/{user.id}", json={"email": None})

    assert cleared.status_code == 200 and cleared.json()["first_name"] is None
    assert no_email.status_code == 422
    assert no_email.json()["errors"][0]["loc"] == ["body", "email"]


def test_normal_users_cannot_make_anyone_superuser(
    user_client: TestClient, db: Session, normal_user: User
) -> None:
    client = user_client

    signed_up = client.post(
        f"{API}/signup", json=user_fields(password="a long password", is_superuser=True)
    )
    created = client.post(API, json=user_fields(is_superuser=True))
    patched_me = client.patch(f"{API}/me", json={"is_superuser": True})
    patched = client.patch(f"{API}/{normal_user.id}", json={"is_superuser": True})

    assert signed_up.status_code == patched_me.status_code == 422
    assert signed_up.json()["errors"][0]["loc"] == ["body", "is_superuser"]
    assert patched_me.json()["errors"][0]["loc"] == ["body", "is_superuser"]
    assert created.status_code == patched.status_code == 403
    assert db.scalar(select(func.count()).where(User.is_superuser)) == 0


def test_a_superuser_may_make_and_unmake_superusers(
    superuser_client: TestClient, db: Session
) -> None:
    user = make_user(db)

    created = superuser_client.post(API, json=user_fields(is_superuser=True))
    promoted = superuser_client.patch(f"{API}/{user.id}", json={"is_superuser": True})
    demoted = superuser_client.patch(f"{API}/{user.id}", json={"is_superuser": False})

    assert created.status_code == 201 and created.json()["is_superuser"] is True
    assert promoted.json()["is_superuser"] is True
    assert demoted.json()["is_superuser"] is False


def test_a_superuser_may_set_a_password(superuser_client: TestClient, db: Session) -> None:
    user = make_user(db)
    assert user.hashed_password is None

    response = superuser_client.patch(f"{API}/{user.id}", json={"password": "a new password"})

    assert response.status_code == 200
    db.expire_all()
    stored = db.get(User, user.id)
    assert stored is not None and verify_password("a new password", stored.hashed_password)


def test_list_users_oldest_first(
    superuser_client: TestClient, db: Session, superuser: User
) -> None:
    ids = [make_user(db).id for _ in range(3)]

    page = superuser_client.get(API, params={"include_total": True}).json()

    assert [u["id"] for u in page["items"]] == [superuser.id, *ids]
    assert page["total"] == 4


def test_deleting_a_user_deletes_their_recipes(superuser_client: TestClient, db: Session) -> None:
    client = superuser_client
    user, other = make_user(db), make_user(db)
    theirs = [make_recipe(db, user).id for _ in range(3)]
    kept = make_recipe(db, other)

    assert client.delete(f"{API}/{user.id}").status_code == 204

    db.expire_all()
    assert db.scalars(select(Recipe.id).where(Recipe.id.in_(theirs))).all() == []
    assert client.get(f"{API}/{user.id}").status_code == 404
    assert client.get(f"/api/v1/recipes/{kept.id}").status_code == 200


def test_delete_missing_user_is_404(superuser_client: TestClient) -> None:
    response = superuser_client.delete(f"{API}/424242")

    assert response.status_code == 404
    assert error_detail(response) == "user 424242 not found"


def test_user_recipes_lists_only_theirs_newest_first(client: TestClient, db: Session) -> None:
    user, other = make_user(db), make_user(db)
    mine = [make_recipe(db, user).id for _ in range(4)]
    make_recipe(db, other)

    page = client.get(f"{API}/{user.id}/recipes", params={"limit": 3, "include_total": 1}).json()
    rest = client.get(f"{API}/{user.id}/recipes", params={"offset": 3}).json()

    assert page["total"] == 4
    assert [r["id"] for r in page["items"] + rest["items"]] == sorted(mine, reverse=True)


def test_recipes_of_a_missing_user_is_404(client: TestClient) -> None:
    assert client.get(f"{API}/31337/recipes").status_code == 404


# Signing up and one's own account.


def test_signup_creates_an_account_that_can_sign_in(client: TestClient, db: Session) -> None:
    body = {"email": "New@Example.com", "password": "a long password", "first_name": "New"}

    response = client.post(f"{API}/signup", json=body)

    assert response.status_code == 201
    user = response.json()
    assert (user["email"], user["first_name"], user["is_superuser"]) == (
        "new@example.com",
        "New",
        False,
    )
    assert response.headers["location"].endswith(f"{API}/{user['id']}")
    token = client.post(
        "/api/v1/login/access-token",
        data={"username": "new@example.com", "password": "a long password"},
    )
    assert token.status_code == 200, token.text
    me = client.get(
        f"{API}/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.json() == user


def test_signup_with_a_taken_email_is_409(client: TestClient, db: Session) -> None:
    make_user(db, email="taken@example.com")
    count = _count_users(db)

    response = client.post(
        f"{API}/signup", json={"email": "TAKEN@example.com", "password": "a long password"}
    )

    assert response.status_code == 409
    assert _count_users(db) == count


@pytest.mark.parametrize(
    ("password", "valid"),
    [("", False), ("x" * 7, False), ("x" * 8, True), ("é" * 128, True), ("x" * 129, False)],
    ids=["empty", "7", "8", "128-non-ascii", "129"],
)
def test_signup_password_length(
    client: TestClient, db: Session, password: str, valid: bool
) -> None:
    count = _count_users(db)

    response = client.post(f"{API}/signup", json={"email": "len@example.com", "password": password})

    if valid:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "password"]
        assert _count_users(db) == count


def test_signup_needs_a_password(client: TestClient) -> None:
    response = client.post(f"{API}/signup", json={"email": "nopass@example.com"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "password"]


def test_me_is_the_signed_in_user(user_client: TestClient, normal_user: User) -> None:
    response = user_client.get(f"{API}/me")

    assert response.status_code == 200
    assert response.json()["id"] == normal_user.id
    assert response.json()["email"] == normal_user.email


def test_patch_me_changes_own_fields_only(
    user_client: TestClient, db: Session, normal_user: User
) -> None:
    other = make_user(db, surname="Unchanged")

    response = user_client.patch(f"{API}/me", json={"surname": "Renamed"})

    assert response.status_code == 200
    assert response.json()["id"] == normal_user.id
    assert response.json()["surname"] == "Renamed"
    db.expire_all()
    assert db.scalar(select(User.surname).where(User.id == other.id)) == "Unchanged"


@pytest.mark.parametrize("field", ["password", "hashed_password", "id", "created_at"])
def test_patch_me_refuses_fields_that_are_not_ones_own_to_set(
    user_client: TestClient, db: Session, normal_user: User, field: str
) -> None:
    response = user_client.patch(f"{API}/me", json={field: "x" * 20})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]
    db.expire_all()
    assert db.scalar(select(User.hashed_password).where(User.id == normal_user.id)) is None


def test_patch_me_to_a_taken_email_is_409(client: TestClient, db: Session) -> None:
    make_user(db, email="someone@example.com")
    sign_in(client, make_user(db, password=TEST_PASSWORD))

    body = {"email": "someone@example.com", "current_password": TEST_PASSWORD}
    response = client.patch(f"{API}/me", json=body)

    assert response.status_code == 409


def test_normal_users_cannot_read_other_accounts(user_client: TestClient, db: Session) -> None:
    other = make_superuser(db)

    assert user_client.get(f"{API}/{other.id}").status_code == 403
    assert user_client.get(API).status_code == 403


def test_a_deleted_users_token_stops_working(client: TestClient, db: Session) -> None:
    admin, user = make_superuser(db), make_user(db)
    users_token = auth_headers(user)
    assert client.get(f"{API}/me", headers=users_token).status_code == 200

    sign_in(client, admin)
    assert client.delete(f"{API}/{user.id}").status_code == 204
    response = client.get(f"{API}/me", headers=users_token)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_ids_of_deleted_users_and_recipes_are_never_given_again(
    superuser_client: TestClient, db: Session
) -> None:
    """A token names its user by id: a reused id would hand it to a stranger."""
    client = superuser_client
    newest_user = make_user(db)
    newest_recipe = make_recipe(db, newest_user)
    assert client.delete(f"/api/v1/recipes/{newest_recipe.id}").status_code == 204
    assert client.delete(f"{API}/{newest_user.id}").status_code == 204

    user = client.post(API, json=user_fields()).json()
    recipe = make_recipe(db, db.get(User, user["id"]))

    assert user["id"] > newest_user.id
    assert recipe.id > newest_recipe.id


def _old_and_new_token_status(client: TestClient, old: dict[str, str], user: User) -> list[int]:
    """What /users/me answers to the `old` headers, and to a token issued now."""
    return [client.get(f"{API}/me", headers=h).status_code for h in (old, auth_headers(user))]


def test_changing_ones_password_ends_the_tokens_issued_before(
    client: TestClient, db: Session
) -> None:
    user = make_user(db, password=TEST_PASSWORD)
    old = auth_headers(user)
    body = {"current_password": TEST_PASSWORD, "new_password": "new secret"}

    assert client.patch(f"{API}/me/password", json=body, headers=old).status_code == 204

    assert _old_and_new_token_status(client, old, user) == [401, 200]


def test_a_superuser_setting_a_password_ends_the_users_tokens(
    superuser_client: TestClient, db: Session
) -> None:
    user = make_user(db, password=TEST_PASSWORD)
    old = auth_headers(user)

    response = superuser_client.patch(f"{API}/{user.id}", json={"password": "a new password"})

    assert response.status_code == 200
    assert _old_and_new_token_status(superuser_client, old, user) == [401, 200]


def test_demotion_ends_the_tokens_with_superuser_rights(
    superuser_client: TestClient, db: Session
) -> None:
    boss = make_superuser(db)
    old = auth_headers(boss)
    assert superuser_client.get(API, headers=old).status_code == 200

    response = superuser_client.patch(f"{API}/{boss.id}", json={"is_superuser": False})

    assert response.status_code == 200
    assert superuser_client.get(API, headers=old).status_code == 401
    assert _old_and_new_token_status(superuser_client, old, boss) == [401, 200]
    assert superuser_client.get(API, headers=auth_headers(boss)).status_code == 403


def test_other_changes_leave_tokens_alone(superuser_client: TestClient, db: Session) -> None:
    user = make_user(db)
    old = auth_headers(user)

    for change in ({"first_name": "Ada"}, {"is_superuser": True}):
        response = superuser_client.patch(f"{API}/{user.id}", json=change)
        assert response.status_code == 200, response.text
    renamed = superuser_client.patch(f"{API}/me", json={"surname": "King"}, headers=old)

    assert renamed.status_code == 200
    assert superuser_client.get(API, headers=old).status_code == 200


def _login_status(client: TestClient, email: str, password: str) -> int:
    response = client.post(
        "/api/v1/login/access-token", data={"username": email, "password": password}
    )
    return response.status_code


def test_changing_ones_password_needs_the_current_one(client: TestClient, db: Session) -> None:
    user = make_user(db, password=TEST_PASSWORD)
    sign_in(client, user)
    url = f"{API}/me/password"

    wrong = client.patch(url, json={"current_password": "a guess!", "new_password": "new secret"})
    changed = client.patch(
        url, json={"current_password": TEST_PASSWORD, "new_password": "new secret"}
    )

    assert wrong.status_code == 403
    assert error_detail(wrong) == "the current password is wrong"
    assert changed.status_code == 204
    assert _login_status(client, user.email, "new secret") == 200
    assert _login_status(client, user.email, TEST_PASSWORD) == 401


def test_a_user_without_a_password_cannot_set_one_themselves(
    user_client: TestClient, db: Session, normal_user: User
) -> None:
    response = user_client.patch(
        f"{API}/me/password", json={"current_password": "", "new_password": "new secret"}
    )

    assert response.status_code == 403
    assert db.scalar(select(User.hashed_password).where(User.id == normal_user.id)) is None


def test_a_new_password_is_checked_like_any_other(client: TestClient, db: Session) -> None:
    user = make_user(db, password=TEST_PASSWORD)
    sign_in(client, user)

    response = client.patch(
        f"{API}/me/password", json={"current_password": TEST_PASSWORD, "new_password": "short"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "new_password"]
    assert _login_status(client, user.email, TEST_PASSWORD) == 200
