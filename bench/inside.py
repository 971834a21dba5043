"""Work the benchmark does with the service's own code, in a process of its own: the
settings read DATABASE_URL when `app` is first imported, so each database gets a
fresh interpreter. Run in the checkout whose `app` it should use (this checkout's, or
an older commit's that bench/recipes.py wrote out):

    PYTHONPATH=CHECKOUT DATABASE_URL=sqlite:///DB python bench/inside.py measured
    PYTHONPATH=CHECKOUT DATABASE_URL=sqlite:///DB python bench/inside.py statements PATH...

`measured` makes sure the database holds a recipe of the measured shape (10
ingredients, 8 steps, 3 tags), adding one through the CRUD layer if no generated recipe
has that shape, and prints the ids of those that do. `statements` requests each PATH
from the app in this process and prints the statements the service sent to SQLite
for it. Both print one JSON document, the last line on stdout.
"""

import json
import sqlite3
import sys
from typing import Any

INGREDIENTS, STEPS, TAGS = 10, 8, 3
# The measured recipe, when the data has none of its shape: a whole recipe, in our words.
RECIPE: dict[str, Any] = {
    "label": "Red Lentil and Squash Soup",
    "source": "Bench Kitchen",
    "url": "https://example.com/bench/red-lentil-and-squash-soup",
    "description": "A thick, gently spiced soup for a cold evening; it keeps for days.",
    "servings": 6,
    "yield_text": "2 litres",
    "prep_minutes": 20,
    "cook_minutes": 35,
    "ingredients": [
        {"quantity": "2", "unit": "tbsp", "food": "olive oil"},
        {"quantity": "1", "food": "onion", "note": "chopped"},
        {"quantity": "3", "unit": "clove", "food": "garlic", "note": "crushed"},
        {"quantity": "1 1/2", "unit": "tsp", "food": "ground cumin"},
        {"quantity": "1/2", "unit": "tsp", "food": "chilli flakes"},
        {"quantity": "500", "unit": "g", "food": "butternut squash", "note": "in cubes"},
        {"quantity": "1 1/4", "unit": "cup", "food": "red lentils", "note": "rinsed"},
        {"quantity": "1.5", "unit": "l", "food": "vegetable stock"},
        {"quantity": "1/3", "unit": "cup", "food": "coconut milk", "section": "To finish"},
        {"food": "lime", "note": "juice of half", "section": "To finish"},
    ],
    "steps": [
        {"text": "Warm the oil in a large pot over a medium heat."},
        {"text": "Soften the onion for eight minutes without letting it brown."},
        {"text": "Stir in the garlic, cumin and chilli for a minute."},
        {"text": "Add the squash and lentils and coat them in the spiced oil."},
        {"text": "Pour in the stock, bring it to the boil, then simmer for 25 minutes."},
        {"text": "Blend until smooth, adding water if it is too thick."},
        {"text": "Stir in the coconut milk and lime juice.", "section": "To finish"},
        {"text": "Season, and serve with bread.", "section": "To finish"},
    ],
    "tags": ["Soup", "Vegan", "Weeknight"],
}


def _shaped(path: str) -> list[int]:
    """Ids of the recipes with exactly the measured number of lines, steps and tags."""
    with sqlite3.connect(path) as connection:
        return [
            id
            for (id,) in connection.execute(
                "SELECT r.id FROM recipes r"
                " WHERE (SELECT count(*) FROM recipe_ingredients WHERE recipe_id = r.id) = ?"
                " AND (SELECT count(*) FROM recipe_steps WHERE recipe_id = r.id) = ?"
                " AND (SELECT count(*) FROM recipe_tags WHERE recipe_id = r.id) = ?"
                " ORDER BY r.id",
                (INGREDIENTS, STEPS, TAGS),
            )
        ]


def measured() -> dict[str, Any]:
    from pydantic import BaseModel
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app import crud
    from app.db.session import engine
    from app.models import User
    from app.schemas.recipe import RecipeCreate

    path = engine.url.database
    assert path, "measured: DATABASE_URL names no SQLite file"
    ids = _shaped(path)
    added = None
    if not ids:
        # Validated as the API would, then written through the generic CRUD layer with
        # the values the schema made (quantities as Fractions), as the routes do.
        fields = RecipeCreate.model_validate(RECIPE)
        values: dict[str, Any] = {
            name: [dict(item) if isinstance(item, BaseModel) else item for item in value]
            if isinstance(value, list)
            else value
            for name, value in fields
        }
        with Session(engine) as db:
            submitter = db.scalar(select(User.id).order_by(User.id).limit(1))
            assert submitter is not None, "measured: the database has no users"
            recipe = crud.recipe.create(db, obj_in=values | {"submitter_id": submitter})
            added = recipe.id
        ids = _shaped(path)
    engine.dispose()
    return {"ids": ids, "added": added}


def statements(paths: list[str]) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from app.db.session import engine
    from app.main import app

    ran: list[str] = []

    def trace(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # SQLite's own trace: every statement it runs, BEGIN and ROLLBACK included,
        # however the service sends it (some go straight to the driver).
        dbapi_connection.set_trace_callback(ran.append)

    event.listen(engine, "connect", trace)
    engine.dispose()
    counted = {}
    with TestClient(app) as client:
        for path in paths:
            client.get(path).raise_for_status()  # the first request warms caches
            ran.clear()
            response = client.get(path)
            response.raise_for_status()
            # Lines starting "--" are statements a virtual table (FTS5) runs inside
            # one of the service's: not sent by it, so not counted as its own.
            sent = [s for s in ran if not s.startswith("--")]
            queries = [s for s in sent if s.split(None, 1)[0].upper() not in _CONTROL]
            counted[path] = {
                "statements": len(sent),
                "queries": len(queries),
                "transaction_control": len(sent) - len(queries),
                "inside_fts5": len(ran) - len(sent),
                "sql": [" ".join(s.split())[:160] for s in sent],
            }
    return counted


# Transaction control and settings: what every request pays, whatever it reads.
_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"}


def main(argv: list[str]) -> int:
    command, *rest = argv
    result = measured() if command == "measured" else statements(rest)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
