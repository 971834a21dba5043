"""Generated users and recipes in bulk, for benchmarks and demos (`python -m app.cli sample-data`).

Rows come from word lists and a random generator: the same random seed on the same
database gives the same rows, their dates shifted to end at the time of the run. Every
row is validated by the API's own input schema (UserCreate, RecipeCreate) before it is
written, so nothing here can store what the API would refuse.

They are written with SQLAlchemy's ORM bulk INSERT (`session.execute(insert(Model),
rows)`: one executemany per batch, one transaction per batch). That skips the unit of
work, and with it the models' Python-side defaults and validators: every column is
given here, emails already lower-case, except `version`, which the ORM sets to 1.
"""

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate, count, islice
from random import Random
from typing import Any, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.models import Recipe, User
from app.schemas.recipe import RecipeCreate
from app.schemas.user import UserCreate

T = TypeVar("T")

BATCH_SIZE = 5000
# Recipes are spread over this span before the run; the new users joined just before it.
RECIPE_SPAN = timedelta(days=3 * 365)
USER_SPAN = timedelta(days=90)

_METHODS = (
    "Roasted", "Grilled", "Slow-Cooked", "Braised", "Pan-Fried", "Baked", "Smoked",
    "Crispy", "Spicy", "Creamy", "One-Pot", "Sheet-Pan", "Quick", "Easy", "Classic",
    "Weeknight", "Charred", "Sticky", "Stuffed", "Pressure-Cooker",
)  # fmt: skip
_INGREDIENTS = (
    "Chicken", "Beef", "Pork", "Lamb", "Salmon", "Cod", "Shrimp", "Tofu", "Chickpea",
    "Lentil", "Mushroom", "Spinach", "Sweet Potato", "Butternut Squash", "Aubergine",
    "Courgette", "Cauliflower", "Broccoli", "Tomato", "Halloumi", "Feta", "Black Bean",
    "Turkey", "Duck", "Prawn", "Chorizo", "Leek", "Pumpkin", "Kale", "Potato",
)  # fmt: skip
_DISHES = (
    "Soup", "Stew", "Curry", "Pie", "Tart", "Salad", "Risotto", "Pasta", "Lasagna",
    "Tacos", "Stir-Fry", "Casserole", "Skewers", "Sandwich", "Burgers", "Flatbread",
    "Gratin", "Frittata", "Quiche", "Noodles", "Fried Rice", "Chowder", "Traybake",
    "Ragù", "Pilaf", "Biryani", "Dumplings", "Bowl", "Wraps", "Pizza", "Galette", "Chili",
)  # fmt: skip
_FLAVOURS = (
    "Garlic", "Lemon", "Ginger", "Chili", "Miso", "Coconut", "Pesto", "Harissa",
    "Tahini", "Herb", "Honey Mustard", "Smoked Paprika", "Lime", "Rosemary", "Thyme",
    "Basil", "Sesame", "Soy", "Tamarind", "Saffron",
)  # fmt: skip
_CUISINES = (
    "Thai", "Moroccan", "Italian", "Mexican", "Korean", "Indian", "Greek", "Japanese",
    "Vietnamese", "Spanish", "Lebanese", "Cajun", "Sichuan", "French", "Persian",
    "Ethiopian", "Peruvian", "Turkish",
)  # fmt: skip
_SIDES = (
    "Rice", "Couscous", "Salsa Verde", "Yogurt Sauce", "Flatbreads", "Greens", "Mash",
    "Slaw", "Polenta", "Noodles", "Roast Potatoes", "Chimichurri", "Pickled Onions",
    "Herb Salad",
)  # fmt: skip
_BAKES = (
    "Chocolate Cake", "Banana Bread", "Lemon Drizzle Cake", "Apple Crumble", "Brownies",
    "Cheesecake", "Cinnamon Rolls", "Scones", "Pancakes", "Carrot Cake", "Focaccia",
    "Sourdough Loaf", "Shortbread", "Panna Cotta", "Tiramisu", "Pavlova",
    "Bread Pudding", "Muffins", "Granola", "Flapjacks",
)  # fmt: skip
_BAKE_FLAVOURS = (
    "Salted Caramel", "Raspberry", "Blueberry", "Cardamom", "Orange", "Pistachio",
    "Maple", "Espresso", "Ginger", "Rhubarb", "Brown Butter", "Coconut", "Cherry",
    "Hazelnut", "Vanilla",
)  # fmt: skip
_OWNERS = (
    "Grandma's", "Nonna's", "Mum's", "Dad's", "Auntie's", "The Best", "Ultimate",
    "Perfect", "Simple", "Foolproof", "Family", "Sunday", "Summer", "Winter", "Holiday",
)  # fmt: skip


def _label(rng: Random) -> str:
    c = rng.choice
    match rng.randrange(8):
        case 0:
            return f"{c(_METHODS)} {c(_INGREDIENTS)} {c(_DISHES)}"
        case 1:
            return f"{c(_INGREDIENTS)} {c(_DISHES)} with {c(_SIDES)}"
        case 2:
            return f"{c(_CUISINES)} {c(_INGREDIENTS)} {c(_DISHES)}"
        case 3:
            return f"{c(_METHODS)} {c(_FLAVOURS)} {c(_INGREDIENTS)}"
        case 4:
            first, second = rng.sample(_INGREDIENTS, 2)
            return f"{first} and {second} {c(_DISHES)}"
        case 5:
            return f"{c(_OWNERS)} {c(_INGREDIENTS)} {c(_DISHES)}"
        case 6:
            return f"{c(_BAKE_FLAVOURS)} {c(_BAKES)}"
        case _:
            return f"{c(_OWNERS)} {c(_BAKES)}"


def slug(text: str) -> str:
    """`Nonna's Ragù` -> `nonnas-ragu`: ASCII, lower case, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")


# (name, how its recipe URLs look): the URL shapes of real recipe sites, filled in with
# a generated slug, a number and the date the recipe was added.
_SOURCES: tuple[tuple[str, Callable[[str, int, datetime], str]], ...] = (
    ("NYT Cooking", lambda s, n, d: f"https://cooking.nytimes.com/recipes/{n}-{s}"),
    ("Allrecipes", lambda s, n, d: f"https://www.allrecipes.com/recipe/{n}/{s}/"),
    ("Serious Eats", lambda s, n, d: f"https://www.seriouseats.com/{s}-recipe"),
    ("BBC Good Food", lambda s, n, d: f"https://www.bbcgoodfood.com/recipes/{s}"),
    ("Bon Appétit", lambda s, n, d: f"https://www.bonappetit.com/recipe/{s}"),
    ("Food52", lambda s, n, d: f"https://food52.com/recipes/{n}-{s}"),
    ("Epicurious", lambda s, n, d: f"https://www.epicurious.com/recipes/food/views/{s}-{n}"),
    ("Smitten Kitchen", lambda s, n, d: f"https://smittenkitchen.com/{d:%Y/%m}/{s}/"),
    ("King Arthur Baking", lambda s, n, d: f"https://www.kingarthurbaking.com/recipes/{s}-recipe"),
    ("Budget Bytes", lambda s, n, d: f"https://www.budgetbytes.com/{s}/"),
    ("The Kitchn", lambda s, n, d: f"https://www.thekitchn.com/{s}-{n}"),
    ("Food Network", lambda s, n, d: f"https://www.foodnetwork.com/recipes/{s}-{n}"),
    ("Jamie Oliver", lambda s, n, d: f"https://www.jamieoliver.com/recipes/{s}/"),
    ("RecipeTin Eats", lambda s, n, d: f"https://www.recipetineats.com/{s}/"),
)

_FIRST_NAMES = (
    "Ada", "Amara", "Ana", "Arjun", "Beatriz", "Chen", "Chiara", "Dmitri", "Elif",
    "Emma", "Fatima", "Felix", "Grace", "Hana", "Ines", "Isaac", "Jamal", "Jonas",
    "Kai", "Lars", "Leila", "Lucía", "Mateo", "Mei", "Nadia", "Noah", "Olu", "Priya",
    "Rafael", "Ravi", "Sakura", "Samir", "Siobhán", "Sofia", "Tomás", "Yusuf", "Zoë",
)  # fmt: skip
_SURNAMES = (
    "Adeyemi", "Andersen", "Bianchi", "Costa", "Dubois", "Fernández", "Fischer",
    "García", "Haddad", "Ivanova", "Jensen", "Kim", "Kowalski", "Lee", "Martin",
    "Müller", "Nakamura", "Nguyen", "O'Brien", "Okafor", "Patel", "Rossi", "Santos",
    "Schmidt", "Singh", "Smith", "Tanaka", "Wang", "Yilmaz",
)  # fmt: skip
# Reserved for examples (RFC 2606): no generated address can reach anyone.
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


class NoUsers(Exception):
    """Recipes were asked for, with no new users and none in the database to submit them."""


@dataclass(frozen=True)
class Added:
    users: int
    recipes: int


def add_sample_data(
    db: Session,
    *,
    users: int,
    recipes: int,
    rng: Random,
    until: datetime,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], object] = lambda rows: None,
) -> Added:
    """Add `users` users and `recipes` recipes, committing each batch.

    The recipes are submitted by the new users, a few of them prolific and most not;
    with no new users, by the users already there. `on_progress(n)` is called after
    each batch of n recipes is committed.
    """
    if recipes and not users and db.scalar(select(User.id).limit(1)) is None:
        raise NoUsers("there are no users to submit the recipes: add some with --users")
    start = until - RECIPE_SPAN
    submitter_ids = _add_users(db, users, rng, joined_before=start, batch_size=batch_size)
    if not submitter_ids:
        submitter_ids = list(db.scalars(select(User.id).order_by(User.id)))
    # Zipf-like: the k-th submitter adds about 1/k as many recipes as the first.
    cum_weights = list(accumulate(1 / rank for rank in range(1, len(submitter_ids) + 1)))
    rows = _recipe_rows(recipes, rng, submitter_ids, cum_weights, start=start, until=until)
    for batch in _batches(rows, batch_size):
        db.execute(insert(Recipe), batch)
        db.commit()
        on_progress(len(batch))
    return Added(users=users, recipes=recipes)


def _add_users(
    db: Session, number: int, rng: Random, *, joined_before: datetime, batch_size: int
) -> list[int]:
    """Insert `number` users; their ids in the order they were made."""
    ids: list[int] = []
    # A number in each address keeps it unique. Numbers start past every id in use; an
    # address taken all the same (added through the API, say) gets the next number.
    serial = count((db.scalar(select(func.max(User.id))) or 0) + 1)
    people = (_person(rng, joined_before) for _ in range(number))
    for batch in _batches(people, batch_size):
        emails = [person.email(next(serial)) for person in batch]
        while taken := set(db.scalars(select(User.email).where(User.email.in_(emails)))):
            emails = [
                person.email(next(serial)) if email in taken else email
                for person, email in zip(batch, emails, strict=True)
            ]
        db.execute(
            insert(User),
            [person.row(email) for person, email in zip(batch, emails, strict=True)],
        )
        found = db.execute(select(User.email, User.id).where(User.email.in_(emails)))
        id_by_email = {email: id for email, id in found}
        db.commit()
        ids += [id_by_email[email] for email in emails]
    return ids


@dataclass(frozen=True)
class _Person:
    first_name: str | None
    surname: str | None
    mailbox: str
    domain: str
    created_at: datetime

    def email(self, number: int) -> str:
        return f"{self.mailbox}{number}@{self.domain}"

    def row(self, email: str) -> dict[str, Any]:
        fields = UserCreate(email=email, first_name=self.first_name, surname=self.surname)
        # Lower-cased as User's validator would have done; bulk INSERT does not run it.
        # No password: generated users cannot sign in until one is set for them.
        return fields.model_dump(exclude={"password"}) | {
            "email": fields.email.lower(),
            "is_superuser": False,
            "created_at": self.created_at,
        }


def _person(rng: Random, joined_before: datetime) -> _Person:
    first_name, surname = rng.choice(_FIRST_NAMES), rng.choice(_SURNAMES)
    mailbox = f"{slug(first_name)}.{slug(surname)}".replace("-", "")
    names = rng.random()
    # Some people give only one of their names.
    return _Person(
        first_name=None if names < 0.04 else first_name,
        surname=None if 0.04 <= names < 0.08 else surname,
        mailbox=mailbox,
        domain=rng.choice(_EMAIL_DOMAINS),
        created_at=joined_before - rng.random() * USER_SPAN,
    )


def _recipe_rows(
    number: int,
    rng: Random,
    submitter_ids: Sequence[int],
    cum_weights: Sequence[float],
    *,
    start: datetime,
    until: datetime,
) -> Iterator[dict[str, Any]]:
    # Each recipe gets a random time in its own slot of the span, so created_at grows
    # with the id, as it does when recipes are added one by one, yet the gaps vary.
    slot = (until - start) / max(number, 1)
    for i in range(number):
        created_at = start + (i + rng.random()) * slot
        label = _label(rng)
        source, url = rng.choice(_SOURCES)
        fields = RecipeCreate.model_validate(
            {
                "label": label,
                "source": source,
                "url": url(slug(label), rng.randrange(1000, 1_000_000), created_at),
            }
        )
        # Never edited: an edit would have bumped the version, which the ORM sets to 1
        # on every INSERT (bulk ones too), whatever the row says.
        yield fields.model_dump() | {
            "submitter_id": rng.choices(submitter_ids, cum_weights=cum_weights)[0],
            "created_at": created_at,
            "updated_at": created_at,
        }


def _batches(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(islice(rows, size)):
        yield batch
