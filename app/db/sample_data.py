"""Generated users and recipes in bulk, for benchmarks and demos (`python -m app.cli sample-data`).

Rows come from word lists and a random generator: the same random seed on the same
database gives the same rows, their dates shifted to end at the time of the run. Every
recipe is a whole one: a description, servings (now and then a yield), prep and cook
times, 5 to 15 ingredient lines, 3 to 10 steps and 1 to 4 tags out of `TAGS`. Its parts
follow from its label: a "Thai Chicken Curry" lists chicken, coconut milk and fish
sauce, takes its tags from Thai, Poultry and Curry before any others, and its steps
name what it lists.

Every row is validated by the API's own input schemas (UserCreate, RecipeCreate with
its IngredientIn lines and StepIn steps) before it is written, so nothing here can
store what the API would refuse. Recipes share most of their lines and steps, and a
validated one is taken by RecipeCreate as it is, so each distinct line or step is
validated once. Validation is about a quarter of the run: 100,000 recipes with their
lists take about 35 s on SQLite (the budget is 60 s).

Recipes are written with SQLAlchemy's ORM bulk INSERT, their lines, steps and tag
links with Core INSERTs (`session.execute(insert(...), rows)`: one executemany per
table per batch, one transaction per batch). That skips the unit of work, and with it
the models' Python-side defaults and validators: every column is given here, emails
already lower-case, except `version`, which the ORM sets to 1. The recipes' ids come
back from their INSERT (RETURNING: SQLite, PostgreSQL and MariaDB 10.5+). The columns
crud.recipe computes on every write come from its own function (`derived_columns`).
The tags are found or made once per run, by slug, as the API makes them
(crud.tag.named): a second run links the same tags, and a tag the API made first
("VEGETARIAN") keeps its name.
"""

import re
import string
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from itertools import accumulate, count, islice
from math import gcd
from random import Random
from typing import Any, TypeVar

from sqlalchemy import Insert, func, insert, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from app import crud
from app.crud.recipe import derived_columns
from app.db.base_class import Base
from app.models import Ingredient, Recipe, Step, User
from app.models.tag import recipe_tags
from app.schemas.recipe import IngredientIn, RecipeCreate, StepIn
from app.schemas.tag import slug_of
from app.schemas.user import UserCreate

T = TypeVar("T")

BATCH_SIZE = 5000
# Recipes are spread over this span before the run; the new users joined just before it.
RECIPE_SPAN = timedelta(days=3 * 365)
USER_SPAN = timedelta(days=90)
_MICROSECOND = timedelta(microseconds=1)
MIN_INGREDIENTS, MAX_INGREDIENTS = 5, 15
MIN_STEPS, MAX_STEPS = 3, 10
MIN_TAGS, MAX_TAGS = 1, 4


@dataclass(frozen=True)
class _Food:
    """An ingredient as a recipe may list it: one of `names`, one of `amounts` of `unit`
    (no amounts: no quantity, as for salt to taste), sometimes with one of `notes`."""

    names: tuple[str, ...]
    unit: str | None
    amounts: tuple[str, ...]
    notes: tuple[str, ...]


def _food(names: str, unit: str | None = None, amounts: str = "", notes: str = "") -> _Food:
    """A _Food from "|"-separated choices: _food("leeks", None, "2|3", "sliced|halved")."""
    return _Food(
        tuple(names.split("|")),
        unit,
        tuple(amounts.split("|")) if amounts else (),
        tuple(notes.split("|")) if notes else (),
    )


# A part of a recipe with ingredients of its own: its section title and its lines.
_Part = tuple[str, tuple[_Food, ...]]

_METHODS = (
    "Roasted", "Grilled", "Slow-Cooked", "Braised", "Pan-Fried", "Baked", "Smoked",
    "Crispy", "Spicy", "Creamy", "One-Pot", "Sheet-Pan", "Quick", "Easy", "Classic",
    "Weeknight", "Charred", "Sticky", "Stuffed", "Pressure-Cooker",
)  # fmt: skip
_OVEN_METHODS = frozenset({"Roasted", "Baked", "Sheet-Pan", "Stuffed"})
_QUICK_METHODS = frozenset({"Quick", "Easy", "Weeknight"})

# The main ingredients a label names, as a recipe lists them.
_MAINS: dict[str, _Food] = {
    "Chicken": _food("chicken thighs|chicken breasts", "g", "500|600|800|1000",
                     "boneless and skinless|cut into bite-sized pieces"),
    "Beef": _food("beef chuck|beef mince|sirloin steak", "g", "400|500|750|1000",
                  "trimmed|cut into 3 cm chunks"),
    "Pork": _food("pork shoulder|pork loin|pork mince", "g", "500|750|1000", "trimmed"),
    "Lamb": _food("lamb shoulder|lamb leg steaks|lamb mince", "g", "500|750|1000",
                  "at room temperature"),
    "Salmon": _food("salmon fillets", None, "2|4|6", "skin on|pin-boned"),
    "Cod": _food("cod fillets|cod loins", None, "2|4", "skinless|patted dry"),
    "Shrimp": _food("raw shrimp", "g", "300|400|500", "peeled and deveined"),
    "Tofu": _food("firm tofu|extra-firm tofu", "g", "280|400|450", "pressed and cubed"),
    "Chickpea": _food("chickpeas", "can", "1|2", "drained and rinsed"),
    "Lentil": _food("red lentils|green lentils|puy lentils", "g", "200|250|300", "rinsed"),
    "Mushroom": _food("chestnut mushrooms|mixed mushrooms|portobello mushrooms", "g",
                      "250|400|500", "sliced|torn into pieces"),
    "Spinach": _food("baby spinach|spinach", "g", "150|200|250", "washed"),
    "Sweet Potato": _food("sweet potatoes", None, "2|3|4", "peeled and cubed|scrubbed"),
    "Butternut Squash": _food("butternut squash", None, "1/2|1", "peeled, seeded and diced"),
    "Aubergine": _food("aubergines", None, "1|2|3", "cut into chunks|sliced into rounds"),
    "Courgette": _food("courgettes", None, "2|3", "sliced|coarsely grated"),
    "Cauliflower": _food("cauliflower", "head", "1", "cut into florets"),
    "Broccoli": _food("broccoli|tenderstem broccoli", "g", "250|300|400", "cut into florets"),
    "Tomato": _food("ripe tomatoes|cherry tomatoes|plum tomatoes", "g", "400|500|750",
                    "halved|roughly chopped"),
    "Halloumi": _food("halloumi", "g", "225|250", "sliced|cubed"),
    "Feta": _food("feta", "g", "100|150|200", "crumbled"),
    "Black Bean": _food("black beans", "can", "1|2", "drained and rinsed"),
    "Turkey": _food("turkey mince|turkey breast steaks", "g", "400|500"),
    "Duck": _food("duck legs|duck breasts", None, "2|4", "skin scored"),
    "Prawn": _food("king prawns|raw tiger prawns", "g", "200|300|400", "peeled"),
    "Chorizo": _food("cooking chorizo", "g", "100|150|200", "diced|sliced"),
    "Leek": _food("leeks", None, "2|3", "washed and sliced"),
    "Pumpkin": _food("pumpkin|crown prince squash", "g", "600|800|1000", "peeled and cubed"),
    "Kale": _food("kale|cavolo nero", "g", "100|150|200", "stalks removed, leaves shredded"),
    "Potato": _food("floury potatoes|waxy potatoes|new potatoes", "g", "500|750|1000",
                    "peeled|halved"),
}  # fmt: skip
_MAIN_TAGS = {
    "Chicken": "Poultry", "Turkey": "Poultry", "Duck": "Poultry", "Beef": "Beef",
    "Pork": "Pork", "Chorizo": "Pork", "Lamb": "Lamb", "Salmon": "Seafood",
    "Cod": "Seafood", "Shrimp": "Seafood", "Prawn": "Seafood",
}  # fmt: skip
# The rest of _MAINS: no meat or fish.
_VEGETARIAN_TAG = "Vegetarian"

# What a dish is made on, beyond its main ingredient.
_DISH_BASES: dict[str, tuple[_Food, ...]] = {
    "Soup": (_food("vegetable stock|chicken stock", "ml", "750|1000|1500", "hot"),),
    "Stew": (_food("beef stock|chicken stock|vegetable stock", "ml", "500|750"),
             _food("chopped tomatoes", "can", "1")),
    "Curry": (_food("coconut milk", "can", "1"), _food("curry paste", "tbsp", "2|3")),
    "Pie": (_food("chicken stock|vegetable stock", "ml", "200|300"),
            _food("plain flour", "tbsp", "2")),
    "Tart": (_food("shortcrust pastry", "g", "320", "chilled"),),
    "Salad": (_food("mixed salad leaves|rocket", "g", "100|150"),),
    "Risotto": (_food("arborio rice|carnaroli rice", "g", "300|350"),
                _food("dry white wine", "ml", "125|150"),
                _food("hot vegetable stock", "ml", "1000|1200")),
    "Pasta": (_food("rigatoni|penne|spaghetti|orecchiette", "g", "300|400|500"),),
    "Lasagna": (_food("dried lasagne sheets", "g", "250|300"),
                _food("passata", "ml", "500|700")),
    "Tacos": (_food("corn tortillas", None, "8|12", "warmed"),),
    "Stir-Fry": (_food("egg noodles|straight-to-wok noodles", "g", "250|300"),),
    "Casserole": (_food("chicken stock|vegetable stock", "ml", "500|750"),),
    "Skewers": (_food("wooden skewers", None, "8|12", "soaked in water for 30 minutes"),),
    "Sandwich": (_food("sourdough bread|ciabatta", "slice", "4|8"),),
    "Burgers": (_food("brioche buns|burger buns", None, "4", "split and toasted"),),
    "Flatbread": (_food("self-raising flour", "g", "250"), _food("Greek yogurt", "g", "250")),
    "Gratin": (_food("double cream", "ml", "300"), _food("Gruyère", "g", "100", "grated")),
    "Frittata": (_food("eggs", None, "6|8", "beaten"),),
    "Quiche": (_food("shortcrust pastry", "g", "320", "chilled"), _food("eggs", None, "3|4")),
    "Noodles": (_food("rice noodles|udon noodles", "g", "200|250"),),
    "Fried Rice": (_food("cooked rice", "g", "500|600", "cold, ideally a day old"),),
    "Chowder": (_food("whole milk", "ml", "500"), _food("sweetcorn", "g", "200", "drained")),
    "Ragù": (_food("chopped tomatoes", "can", "2"), _food("red wine", "ml", "150|250")),
    "Pilaf": (_food("basmati rice", "g", "250|300", "rinsed"),),
    "Biryani": (_food("basmati rice", "g", "300", "soaked for 30 minutes"),
                _food("natural yogurt", "g", "150")),
    "Dumplings": (_food("dumpling wrappers", None, "24|30"),),
    "Bowl": (_food("brown rice|quinoa", "g", "200|250"),),
    "Wraps": (_food("large flour tortillas", None, "4|6"),),
    "Pizza": (_food("pizza dough", "g", "500", "at room temperature"),),
    "Galette": (_food("shortcrust pastry", "g", "320", "chilled"),),
    "Chili": (_food("kidney beans", "can", "1|2", "drained"),
              _food("chopped tomatoes", "can", "1")),
}  # fmt: skip
_DISHES = tuple(_DISH_BASES) + ("Traybake",)
# Dishes with a part of their own, and what the rest of their list is then called.
_DISH_PARTS: dict[str, tuple[str | None, _Part]] = {
    "Salad": (None, ("For the dressing", (
        _food("extra virgin olive oil", "tbsp", "3|4"),
        _food("red wine vinegar|cider vinegar", "tbsp", "1|2"),
        _food("Dijon mustard", "tsp", "1"),
    ))),
    "Tacos": (None, ("For the salsa", (
        _food("tomatoes", None, "2|3", "finely diced"),
        _food("red onion", None, "1/2", "finely chopped"),
        _food("lime", None, "1", "juiced"),
    ))),
    "Burgers": (None, ("For the sauce", (
        _food("mayonnaise", "tbsp", "3|4"),
        _food("tomato ketchup", "tbsp", "1|2"),
        _food("gherkins", None, "2", "finely chopped"),
    ))),
    "Stir-Fry": (None, ("For the sauce", (
        _food("light soy sauce", "tbsp", "2|3"),
        _food("oyster sauce|hoisin sauce", "tbsp", "1|2"),
        _food("cornflour", "tsp", "1|2"),
    ))),
    "Skewers": (None, ("For the marinade", (
        _food("natural yogurt", "g", "150|200"),
        _food("lemon", None, "1", "juiced"),
        _food("ground cumin", "tsp", "1"),
    ))),
    "Bowl": (None, ("For the dressing", (
        _food("tahini", "tbsp", "2"),
        _food("lemon juice", "tbsp", "2"),
        _food("maple syrup", "tsp", "1"),
    ))),
    "Pizza": (None, ("For the topping", (
        _food("passata", "ml", "150|200"),
        _food("mozzarella", "g", "125|250", "torn"),
    ))),
    "Lasagna": ("For the sauce", ("For the white sauce", (
        _food("butter", "g", "50|60"),
        _food("plain flour", "g", "50|60"),
        _food("whole milk", "ml", "600|750"),
        _food("ground nutmeg", "pinch", "1"),
    ))),
    "Pie": ("For the filling", ("For the pastry", (
        _food("ready-rolled puff pastry", "g", "320|375"),
        _food("egg", None, "1", "beaten, to glaze"),
    ))),
    "Dumplings": ("For the filling", ("For the dipping sauce", (
        _food("light soy sauce", "tbsp", "3"),
        _food("rice vinegar", "tbsp", "1|2"),
        _food("chilli oil", "tsp", "1|2"),
    ))),
}  # fmt: skip
_DISH_TAGS = {
    "Soup": "Soup", "Salad": "Salad", "Pasta": "Pasta", "Lasagna": "Pasta", "Ragù": "Pasta",
    "Risotto": "Rice", "Pilaf": "Rice", "Biryani": "Rice", "Fried Rice": "Rice",
    "Curry": "Curry", "Pie": "Pastry", "Tart": "Pastry", "Galette": "Pastry",
    "Quiche": "Pastry", "Noodles": "Noodles", "Stir-Fry": "Noodles", "Stew": "Stew",
    "Casserole": "Stew", "Chili": "Stew", "Sandwich": "Lunch", "Wraps": "Lunch",
}  # fmt: skip
# Dishes that come in pieces: how many per serving, and what they are called.
_DISH_YIELDS = {
    "Dumplings": (6, "dumplings"), "Skewers": (2, "skewers"), "Burgers": (1, "burgers"),
    "Tacos": (2, "tacos"), "Wraps": (1, "wraps"), "Flatbread": (1, "flatbreads"),
    "Sandwich": (1, "sandwiches"),
}  # fmt: skip
# How each dish comes together: one step of its method.
_DISH_STEPS = {
    "Soup": "Pour in the stock, bring to the boil and simmer until everything is soft, then "
    "blend until smooth or leave it chunky.",
    "Stew": "Add the stock and tomatoes, bring to a gentle bubble, then cover and cook low and "
    "slow.",
    "Curry": "Stir in the coconut milk and curry paste with a splash of water and let it "
    "bubble gently until the sauce thickens.",
    "Pie": "Stir the flour into the filling, add the stock and let it thicken, then spoon into "
    "a pie dish, cover with the pastry and brush with egg.",
    "Tart": "Line a tart tin with the pastry, prick the base all over and bake blind for 15 "
    "minutes before filling.",
    "Salad": "Toss the leaves with everything else in a large bowl just before serving.",
    "Risotto": "Stir in the rice and toast it for a minute, add the wine, then add hot stock a "
    "ladleful at a time, stirring, until creamy.",
    "Pasta": "Cook the pasta in plenty of well-salted boiling water until al dente, keeping "
    "back a mugful of the cooking water.",
    "Lasagna": "Layer the lasagne sheets with the sauce in a baking dish, finishing with sauce "
    "on top.",
    "Tacos": "Warm the tortillas in a dry pan and pile in the filling.",
    "Stir-Fry": "Add the noodles to the wok and toss over a high heat until piping hot.",
    "Casserole": "Pour in the stock, cover and move to a low oven until everything is tender.",
    "Skewers": "Thread everything onto the skewers and cook on a hot griddle or barbecue, "
    "turning often.",
    "Sandwich": "Toast the bread and build the sandwiches while the filling is still warm.",
    "Burgers": "Shape into four patties, cook for 4 to 5 minutes a side and serve in the buns.",
    "Flatbread": "Mix the flour and yogurt into a soft dough, roll into rounds and cook in a "
    "dry, hot pan for 2 minutes a side.",
    "Gratin": "Layer everything in a baking dish, pour over the cream, scatter with the cheese "
    "and bake until bubbling and golden.",
    "Frittata": "Pour in the eggs, cook gently until almost set, then finish under a hot grill.",
    "Quiche": "Line a tart tin with the pastry, add the filling, pour over the beaten eggs and "
    "bake until just set.",
    "Noodles": "Cook the noodles as the packet says, drain and toss through everything else.",
    "Fried Rice": "Add the rice to the hot wok and stir-fry until every grain is hot and a "
    "little crisp.",
    "Chowder": "Pour in the milk, add the sweetcorn and simmer gently without letting it boil.",
    "Ragù": "Pour in the wine and let it bubble away, then add the tomatoes and simmer very "
    "gently, partly covered.",
    "Pilaf": "Stir the rice into the pan, add water to cover by 1 cm, then cover tightly and "
    "cook on the lowest heat for 12 minutes.",
    "Biryani": "Layer the part-cooked rice over the spiced mixture, cover tightly and steam on "
    "a low heat for 20 minutes.",
    "Dumplings": "Put a spoonful of filling in the middle of each wrapper, wet the edges, fold "
    "and pinch to seal, then steam for 8 to 10 minutes.",
    "Bowl": "Cook the grains, then divide between bowls and arrange everything else on top.",
    "Wraps": "Warm the tortillas, fill them and roll up tightly.",
    "Pizza": "Stretch the dough into rounds, spread with the topping and bake at the oven's "
    "hottest setting until blistered.",
    "Galette": "Roll out the pastry, pile the filling in the middle and fold the edges over, "
    "then bake until golden.",
    "Chili": "Add the tomatoes and beans, then simmer gently, stirring now and then, until thick.",
    "Traybake": "Tip everything into a large roasting tin, toss with oil and roast until "
    "golden at the edges.",
}
_SIMMERED_DISHES = frozenset({"Soup", "Stew", "Curry", "Casserole", "Chowder", "Ragù", "Chili"})
_SLOW_DISHES = frozenset({"Stew", "Ragù", "Casserole", "Chili", "Curry", "Biryani"})
_NO_COOK_DISHES = frozenset({"Salad", "Sandwich", "Bowl", "Wraps"})

_FLAVOURS: dict[str, tuple[_Food, ...]] = {
    "Garlic": (_food("garlic", "clove", "4|6|8", "crushed|thinly sliced"),),
    "Lemon": (_food("lemon|unwaxed lemon", None, "1|2", "zested and juiced"),),
    "Ginger": (_food("fresh ginger", "cm", "3|4|5", "peeled and grated"),),
    "Chili": (_food("red chillies", None, "1|2", "finely chopped"),),
    "Miso": (_food("white miso|red miso", "tbsp", "2|3"),),
    "Coconut": (_food("coconut milk", "can", "1"),),
    "Pesto": (_food("basil pesto|green pesto", "tbsp", "3|4"),),
    "Harissa": (_food("rose harissa|harissa paste", "tbsp", "1|2"),),
    "Tahini": (_food("tahini", "tbsp", "2|3", "well stirred"),),
    "Herb": (_food("mixed soft herbs", "handful", "1|2", "roughly chopped"),),
    "Honey Mustard": (_food("runny honey", "tbsp", "1|2"),
                      _food("wholegrain mustard", "tbsp", "1|2")),
    "Smoked Paprika": (_food("smoked paprika", "tsp", "1|2"),),
    "Lime": (_food("limes", None, "1|2", "zested and juiced"),),
    "Rosemary": (_food("fresh rosemary", "sprig", "2|3", "leaves finely chopped"),),
    "Thyme": (_food("fresh thyme", "sprig", "4|6", "leaves picked"),),
    "Basil": (_food("fresh basil", "handful", "1", "leaves torn"),),
    "Sesame": (_food("toasted sesame oil", "tbsp", "1|2"), _food("sesame seeds", "tbsp", "1|2")),
    "Soy": (_food("soy sauce|dark soy sauce", "tbsp", "2|3"),),
    "Tamarind": (_food("tamarind paste", "tbsp", "1|2"),),
    "Saffron": (_food("saffron threads", "pinch", "1", "soaked in 2 tbsp warm water"),),
}  # fmt: skip
_CUISINES: dict[str, tuple[_Food, ...]] = {
    "Thai": (_food("fish sauce", "tbsp", "1|2"), _food("lemongrass", "stalk", "1|2", "bruised")),
    "Moroccan": (_food("ras el hanout", "tsp", "1|2"), _food("dried apricots", "g", "50|75")),
    "Italian": (_food("Parmesan", "g", "40|50", "finely grated"),),
    "Mexican": (_food("ground cumin", "tsp", "1|2"), _food("chipotle paste", "tbsp", "1")),
    "Korean": (_food("gochujang", "tbsp", "1|2"), _food("rice vinegar", "tbsp", "1")),
    "Indian": (_food("garam masala", "tsp", "1|2"), _food("ground turmeric", "tsp", "1/2|1")),
    "Greek": (_food("dried oregano", "tsp", "1|2"),
              _food("Kalamata olives", "g", "50|75", "pitted")),
    "Japanese": (_food("mirin", "tbsp", "2"), _food("sake", "tbsp", "2")),
    "Vietnamese": (_food("fish sauce", "tbsp", "1|2"), _food("fresh mint", "handful", "1")),
    "Spanish": (_food("sweet smoked paprika", "tsp", "1|2"), _food("sherry vinegar", "tbsp", "1")),
    "Lebanese": (_food("sumac", "tsp", "1|2"), _food("pomegranate seeds", "g", "50")),
    "Cajun": (_food("Cajun seasoning", "tbsp", "1|2"), _food("green pepper", None, "1", "diced")),
    "Sichuan": (_food("Sichuan peppercorns", "tsp", "1|2", "toasted and ground"),
                _food("chilli bean paste", "tbsp", "1|2")),
    "French": (_food("Dijon mustard", "tsp", "1|2"), _food("dry white wine", "ml", "100|150")),
    "Persian": (_food("dried barberries", "g", "30|50"), _food("ground cinnamon", "tsp", "1/2")),
    "Ethiopian": (_food("berbere spice", "tbsp", "1|2"),),
    "Peruvian": (_food("aji amarillo paste", "tbsp", "1|2"),),
    "Turkish": (_food("pul biber", "tsp", "1|2"), _food("Greek yogurt", "g", "150")),
}  # fmt: skip
# Sides a label names ("... with Rice"), each a part of the recipe.
_SIDES: dict[str, tuple[_Food, ...]] = {
    "Rice": (_food("basmati rice", "g", "200|300", "rinsed"),),
    "Couscous": (_food("couscous", "g", "200|250"), _food("hot vegetable stock", "ml", "250|300")),
    "Salsa Verde": (_food("flat-leaf parsley", "bunch", "1"),
                    _food("capers", "tbsp", "1|2", "rinsed"),
                    _food("extra virgin olive oil", "ml", "100")),
    "Yogurt Sauce": (_food("Greek yogurt", "g", "150|200"),
                     _food("garlic", "clove", "1", "grated"),
                     _food("fresh mint", "handful", "1", "chopped")),
    "Flatbreads": (_food("self-raising flour", "g", "200|250"),
                   _food("natural yogurt", "g", "200")),
    "Greens": (_food("spring greens|cavolo nero", "g", "200|300", "shredded"),
               _food("butter", "g", "15|25")),
    "Mash": (_food("floury potatoes", "g", "750|1000", "peeled and chunked"),
             _food("butter", "g", "50|75"), _food("whole milk", "ml", "100|150", "warmed")),
    "Slaw": (_food("white cabbage|red cabbage", None, "1/4|1/2", "finely shredded"),
             _food("carrots", None, "1|2", "grated"), _food("mayonnaise", "tbsp", "2|3")),
    "Polenta": (_food("quick-cook polenta", "g", "200|250"),
                _food("Parmesan", "g", "50", "grated")),
    "Noodles": (_food("egg noodles", "g", "200|250"), _food("toasted sesame oil", "tsp", "1|2")),
    "Roast Potatoes": (_food("floury potatoes", "g", "1000|1200", "peeled and halved"),
                       _food("olive oil", "tbsp", "3|4")),
    "Chimichurri": (_food("flat-leaf parsley", "bunch", "1"),
                    _food("red wine vinegar", "tbsp", "2"),
                    _food("extra virgin olive oil", "ml", "100|125")),
    "Pickled Onions": (_food("red onion", None, "1", "thinly sliced"),
                       _food("cider vinegar", "ml", "100"), _food("caster sugar", "tsp", "1|2")),
    "Herb Salad": (_food("mixed soft herbs", "handful", "2|3"),
                   _food("lemon", None, "1/2", "juiced")),
}  # fmt: skip
_AROMATICS = (
    _food("onion|brown onion|red onion", None, "1|2", "finely chopped|thinly sliced"),
    _food("garlic", "clove", "2|3|4", "crushed|finely chopped"),
    _food("fresh ginger", "cm", "2|3", "grated"),
    _food("celery", "stick", "2", "diced"),
    _food("carrots", None, "1|2", "diced"),
    _food("spring onions", None, "4|6", "sliced"),
    _food("shallots", None, "2|3", "thinly sliced"),
    _food("red chillies", None, "1", "finely chopped"),
)
_PANTRY = (
    _food("olive oil", "tbsp", "1|2|3"),
    _food("vegetable oil", "tbsp", "1|2"),
    _food("butter|unsalted butter", "g", "25|30|50"),
    _food("chopped tomatoes", "can", "1|2"),
    _food("tomato purée", "tbsp", "1|2"),
    _food("chicken stock|vegetable stock", "ml", "250|500|750"),
    _food("ground cumin", "tsp", "1|2"),
    _food("ground coriander", "tsp", "1|2"),
    _food("sweet paprika", "tsp", "1|2"),
    _food("dried oregano", "tsp", "1"),
    _food("bay leaves", None, "2|3"),
    _food("flat-leaf parsley", "handful", "1", "chopped"),
    _food("fresh coriander", "handful", "1", "chopped"),
    _food("lemon juice", "tbsp", "1|2"),
    _food("runny honey", "tbsp", "1"),
    _food("caster sugar", "tsp", "1|2"),
    _food("plain flour", "tbsp", "1|2"),
    _food("soured cream", "g", "150", "to serve"),
    _food("Greek yogurt", "g", "150|200", "to serve"),
    _food("Parmesan", "g", "30|50", "grated"),
    _food("frozen peas", "g", "100|150|200"),
    _food("red peppers", None, "1|2", "deseeded and sliced"),
    _food("double cream", "ml", "100|150"),
    _food("Worcestershire sauce", "tsp", "1|2"),
    _food("white wine vinegar", "tbsp", "1"),
)
_SEASONING = (
    _food("salt|sea salt flakes", notes="to taste"),
    _food("black pepper", notes="freshly ground|to taste"),
)


_BAKE_PANTRY = (
    _food("vanilla extract", "tsp", "1"),
    _food("fine salt", "pinch", "1"),
    _food("ground cinnamon", "tsp", "1/2|1"),
    _food("ground nutmeg", "pinch", "1"),
    _food("icing sugar", "tbsp", "1|2", "for dusting"),
    _food("demerara sugar", "tbsp", "1|2", "for sprinkling"),
    _food("ground almonds", "g", "50"),
    _food("unwaxed lemon", None, "1", "zested"),
    _food("whole milk", "tbsp", "1|2"),
)
_BREAD_PANTRY = (
    _food("fresh rosemary", "sprig", "2|3", "leaves picked"),
    _food("garlic", "clove", "2|3", "thinly sliced"),
    _food("black olives", "g", "50|75", "pitted"),
    _food("cherry tomatoes", "g", "100|150", "halved"),
    _food("sesame seeds", "tbsp", "1|2"),
    _food("runny honey", "tsp", "1"),
    _food("semolina", "tbsp", "2", "for dusting"),
)


@dataclass(frozen=True)
class _Bake:
    core: tuple[_Food, ...]
    # A part with ingredients of its own, and the title of the rest of the list with it.
    part: _Part | None
    core_title: str
    servings: tuple[int, ...]
    # With "{n}" for the servings, or None.
    yield_text: str | None
    cook: tuple[int, ...]
    # "oven" (at `oven` °C, in `tin`), "pan" (on the hob) or "chill" (set in the fridge).
    method: str
    oven: int | None
    tin: str | None
    tags: tuple[str, ...]
    # What its list may be filled up with.
    extras: tuple[_Food, ...]


def _bake(
    *core: _Food,
    part: _Part | None = None,
    core_title: str = "For the cake",
    servings: tuple[int, ...] = (8, 10, 12),
    yield_text: str | None = None,
    cook: tuple[int, ...] = (25, 30, 35, 40),
    method: str = "oven",
    oven: int | None = 180,
    tin: str | None = "20 cm round cake tin",
    tags: tuple[str, ...] = ("Baking", "Dessert"),
    extras: tuple[_Food, ...] = _BAKE_PANTRY,
) -> _Bake:
    if method != "oven":
        oven, tin = None, None
    return _Bake(
        core, part, core_title, servings, yield_text, cook, method, oven, tin, tags, extras
    )


_BAKES: dict[str, _Bake] = {
    "Chocolate Cake": _bake(
        _food("self-raising flour", "g", "200|225"), _food("caster sugar", "g", "200|225"),
        _food("unsalted butter", "g", "200|225", "softened"), _food("eggs", None, "4", "large"),
        _food("cocoa powder", "g", "40|50", "sifted"), _food("whole milk", "tbsp", "2|3"),
        part=("For the icing", (_food("dark chocolate", "g", "100|150", "chopped"),
                                _food("double cream", "ml", "150"))),
        yield_text="one 20 cm layer cake", tags=("Baking", "Chocolate", "Afternoon Tea"),
    ),
    "Banana Bread": _bake(
        _food("ripe bananas", None, "3|4", "mashed"), _food("plain flour", "g", "225|250"),
        _food("light brown sugar", "g", "100|125"),
        _food("unsalted butter", "g", "100|115", "melted"),
        _food("eggs", None, "2"), _food("bicarbonate of soda", "tsp", "1"),
        servings=(8, 10), yield_text="1 loaf", cook=(50, 55, 60), oven=170,
        tin="900 g loaf tin", tags=("Baking", "Breakfast", "Fruit"),
    ),
    "Lemon Drizzle Cake": _bake(
        _food("self-raising flour", "g", "225"), _food("caster sugar", "g", "225"),
        _food("unsalted butter", "g", "225", "softened"), _food("eggs", None, "4"),
        _food("unwaxed lemons", None, "2", "zested"),
        part=("For the drizzle", (_food("lemons", None, "1|2", "juiced"),
                                  _food("granulated sugar", "g", "85|100"))),
        servings=(8, 10), yield_text="1 loaf cake", cook=(45, 50), tin="900 g loaf tin",
        tags=("Baking", "Afternoon Tea"),
    ),
    "Apple Crumble": _bake(
        _food("Bramley apples|cooking apples", "g", "750|1000", "peeled, cored and sliced"),
        _food("caster sugar", "g", "50|75"), _food("ground cinnamon", "tsp", "1/2|1"),
        part=("For the topping", (_food("plain flour", "g", "150|175"),
                                  _food("cold butter", "g", "100", "cubed"),
                                  _food("demerara sugar", "g", "75|100"),
                                  _food("rolled oats", "g", "50"))),
        core_title="For the filling", servings=(6, 8), cook=(35, 40, 45), oven=190,
        tin="2 litre baking dish", tags=("Dessert", "Fruit", "Comfort Food"),
    ),
    "Brownies": _bake(
        _food("dark chocolate", "g", "185|200", "broken into pieces"),
        _food("unsalted butter", "g", "185", "cubed"), _food("golden caster sugar", "g", "250|275"),
        _food("eggs", None, "3"), _food("plain flour", "g", "85"), _food("cocoa powder", "g", "40"),
        servings=(12, 16), yield_text="{n} squares", cook=(25, 30), tin="20 cm square tin",
        tags=("Baking", "Chocolate", "Party"),
    ),
    "Cheesecake": _bake(
        _food("full-fat cream cheese", "g", "600", "at room temperature"),
        _food("caster sugar", "g", "150"), _food("eggs", None, "2|3"),
        _food("soured cream", "g", "150"),
        part=("For the base", (_food("digestive biscuits", "g", "200|250", "crushed"),
                               _food("unsalted butter", "g", "85|100", "melted"))),
        core_title="For the filling", servings=(10, 12), yield_text="one 23 cm cheesecake",
        cook=(45, 50, 55), oven=160, tin="23 cm springform tin", tags=("Dessert", "Make-Ahead"),
    ),
    "Cinnamon Rolls": _bake(
        _food("strong white flour", "g", "500"), _food("instant yeast", "g", "7"),
        _food("caster sugar", "g", "50"), _food("whole milk", "ml", "250", "lukewarm"),
        _food("unsalted butter", "g", "50", "melted"), _food("egg", None, "1"),
        part=("For the filling", (_food("soft light brown sugar", "g", "100"),
                                  _food("ground cinnamon", "tbsp", "1|2"))),
        core_title="For the dough", servings=(9, 12), yield_text="{n} rolls", cook=(20, 25),
        oven=190, tin="23 cm square tin", tags=("Baking", "Breakfast", "Brunch"),
    ),
    "Scones": _bake(
        _food("self-raising flour", "g", "350"), _food("cold butter", "g", "85", "cubed"),
        _food("caster sugar", "tbsp", "3"), _food("whole milk", "ml", "175"),
        _food("baking powder", "tsp", "1"), _food("egg", None, "1", "beaten, to glaze"),
        yield_text="{n} scones", cook=(10, 12, 15), oven=220, tin="baking sheet",
        tags=("Baking", "Afternoon Tea"),
    ),
    "Pancakes": _bake(
        _food("plain flour", "g", "135|150"), _food("baking powder", "tsp", "1|2"),
        _food("caster sugar", "tbsp", "1|2"), _food("whole milk", "ml", "150|200"),
        _food("egg", None, "1"), _food("unsalted butter", "tbsp", "2", "melted"),
        core_title="For the batter", servings=(2, 3, 4), yield_text="about 12 pancakes",
        cook=(10, 15, 20), method="pan", tags=("Breakfast", "Brunch", "Kid-Friendly"),
    ),
    "Carrot Cake": _bake(
        _food("carrots", "g", "200|300", "coarsely grated"),
        _food("self-raising flour", "g", "250"),
        _food("light muscovado sugar", "g", "200"), _food("sunflower oil", "ml", "175|200"),
        _food("eggs", None, "3"), _food("walnuts", "g", "75|100", "chopped"),
        part=("For the icing", (_food("full-fat cream cheese", "g", "200"),
                                _food("icing sugar", "g", "100|150"))),
        servings=(12,), yield_text="one 20 cm cake", cook=(30, 35),
        tags=("Baking", "Afternoon Tea"),
    ),
    "Focaccia": _bake(
        _food("strong white bread flour", "g", "500"), _food("instant yeast", "g", "7"),
        _food("fine salt", "tsp", "2"), _food("lukewarm water", "ml", "400|425"),
        _food("olive oil", "tbsp", "4|5"), _food("flaky sea salt", "tsp", "1"),
        core_title="For the dough", servings=(8, 12), yield_text="1 large tray",
        cook=(20, 25), oven=220, tin="30 x 20 cm roasting tin", tags=("Bread", "Baking", "Vegan"),
        extras=_BREAD_PANTRY,
    ),
    "Sourdough Loaf": _bake(
        _food("strong white bread flour", "g", "450|500"), _food("wholemeal flour", "g", "50"),
        _food("active sourdough starter", "g", "100|150"), _food("water", "ml", "350|375"),
        _food("fine salt", "g", "10"),
        core_title="For the dough", servings=(8, 10), yield_text="1 loaf", cook=(40, 45),
        oven=240, tin="lidded casserole dish", tags=("Bread", "Baking", "Vegan"),
        extras=_BREAD_PANTRY,
    ),
    "Shortbread": _bake(
        _food("plain flour", "g", "180|225"), _food("unsalted butter", "g", "125|150", "softened"),
        _food("caster sugar", "g", "55|75"), _food("rice flour|cornflour", "g", "25"),
        core_title="For the biscuits", servings=(16, 20), yield_text="{n} fingers",
        cook=(20, 25), oven=160, tin="20 cm square tin", tags=("Baking", "Christmas"),
    ),
    "Panna Cotta": _bake(
        _food("double cream", "ml", "500|600"), _food("whole milk", "ml", "100|150"),
        _food("caster sugar", "g", "50|75"), _food("gelatine leaves", None, "2|3", "soaked"),
        _food("vanilla pod", None, "1", "split"),
        core_title="For the cream", servings=(4, 6), yield_text="{n} pots", cook=(5, 10),
        method="chill", tags=("Dessert", "Make-Ahead", "Party"),
    ),
    "Tiramisu": _bake(
        _food("mascarpone", "g", "250|500"), _food("double cream", "ml", "300"),
        _food("egg yolks", None, "3|4"), _food("caster sugar", "g", "75|100"),
        _food("savoiardi biscuits", "g", "175|200"),
        _food("strong coffee", "ml", "250|300", "cooled"),
        _food("cocoa powder", "tbsp", "2", "for dusting"),
        core_title="For the layers", servings=(6, 8), cook=(0,), method="chill",
        tags=("Dessert", "Make-Ahead", "Italian"),
    ),
    "Pavlova": _bake(
        _food("egg whites", None, "4|6", "at room temperature"),
        _food("caster sugar", "g", "225|300"),
        _food("cornflour", "tsp", "1|2"), _food("white wine vinegar", "tsp", "1"),
        part=("For the topping", (_food("double cream", "ml", "300|400"),
                                  _food("mixed berries", "g", "300|400"))),
        core_title="For the meringue", servings=(8,), cook=(60, 75, 90), oven=120,
        tin="baking sheet", tags=("Dessert", "Summer", "Gluten-Free"),
    ),
    "Bread Pudding": _bake(
        _food("stale bread", "g", "500", "torn into pieces"), _food("whole milk", "ml", "500|600"),
        _food("mixed dried fruit", "g", "300|400"), _food("eggs", None, "2"),
        _food("soft dark brown sugar", "g", "150"), _food("mixed spice", "tsp", "2|3"),
        core_title="For the pudding", servings=(9, 12), yield_text="{n} squares",
        cook=(75, 90), tin="20 x 30 cm baking tin", tags=("Dessert", "Comfort Food", "Budget"),
    ),
    "Muffins": _bake(
        _food("plain flour", "g", "250|300"), _food("caster sugar", "g", "150|175"),
        _food("baking powder", "tsp", "2|3"), _food("eggs", None, "2"),
        _food("whole milk", "ml", "200|250"), _food("sunflower oil", "ml", "80|100"),
        core_title="For the muffins", servings=(12,), yield_text="{n} muffins", cook=(20, 25),
        oven=200, tin="12-hole muffin tin", tags=("Baking", "Breakfast", "Kid-Friendly"),
    ),
    "Granola": _bake(
        _food("rolled oats", "g", "300|400"),
        _food("mixed nuts", "g", "100|150", "roughly chopped"),
        _food("pumpkin seeds", "g", "50"), _food("runny honey|maple syrup", "tbsp", "4|5"),
        _food("sunflower oil|coconut oil", "tbsp", "3"),
        core_title="For the granola", servings=(10, 12), yield_text="about 700 g",
        cook=(25, 30, 35), oven=160, tin="large baking tray", tags=("Breakfast", "Make-Ahead"),
    ),
    "Flapjacks": _bake(
        _food("rolled oats", "g", "250|300"), _food("unsalted butter", "g", "125|150"),
        _food("light brown sugar", "g", "100|125"), _food("golden syrup", "tbsp", "3|4"),
        core_title="For the flapjacks", servings=(12, 16), yield_text="{n} bars",
        cook=(20, 25), oven=180, tin="20 cm square tin", tags=("Baking", "Kid-Friendly", "Picnic"),
    ),
}  # fmt: skip
_BAKE_FLAVOURS: dict[str, _Food] = {
    "Salted Caramel": _food("salted caramel sauce", "tbsp", "4|6"),
    "Raspberry": _food("raspberries", "g", "150|200", "fresh or frozen"),
    "Blueberry": _food("blueberries", "g", "150|200"),
    "Cardamom": _food("cardamom pods", None, "6|8", "seeds ground"),
    "Orange": _food("oranges", None, "1|2", "zested"),
    "Pistachio": _food("shelled pistachios", "g", "50|75", "roughly chopped"),
    "Maple": _food("maple syrup", "tbsp", "3|4"),
    "Espresso": _food("instant espresso powder", "tsp", "1|2", "dissolved in 1 tbsp hot water"),
    "Ginger": _food("ground ginger", "tsp", "1|2"),
    "Rhubarb": _food("rhubarb", "g", "300|400", "cut into 2 cm pieces"),
    "Brown Butter": _food("brown butter", "g", "50|75", "cooled"),
    "Coconut": _food("desiccated coconut", "g", "50|75"),
    "Cherry": _food("cherries", "g", "100|150", "stoned and halved"),
    "Hazelnut": _food("blanched hazelnuts", "g", "75|100", "toasted and chopped"),
    "Vanilla": _food("vanilla bean paste", "tsp", "1|2"),
}
_FRUITY_FLAVOURS = frozenset({"Raspberry", "Blueberry", "Orange", "Rhubarb", "Cherry"})

_OWNERS = (
    "Grandma's", "Nonna's", "Mum's", "Dad's", "Auntie's", "The Best", "Ultimate",
    "Perfect", "Simple", "Foolproof", "Family", "Sunday", "Summer", "Winter", "Holiday",
)  # fmt: skip
_METHOD_TAGS = {
    "One-Pot": "One-Pot", "Sheet-Pan": "Sheet-Pan", "Slow-Cooked": "Slow Cooker",
    "Pressure-Cooker": "Pressure Cooker", "Grilled": "Barbecue", "Charred": "Barbecue",
    "Smoked": "Barbecue", "Quick": "Quick", "Easy": "Quick", "Weeknight": "Weeknight",
    "Spicy": "Spicy",
}  # fmt: skip
_OWNER_TAGS = {
    "Family": "Family", "Sunday": "Comfort Food", "Summer": "Summer", "Winter": "Winter",
    "Holiday": "Holiday", "Grandma's": "Comfort Food", "Nonna's": "Comfort Food",
}  # fmt: skip
# Tags that suit any savoury dish, and any bake.
_ANY_DISH_TAGS = (
    "Dinner", "Lunch", "Weeknight", "Family", "Budget", "Make-Ahead", "Freezer-Friendly",
    "Comfort Food", "Party", "Healthy", "Batch Cooking", "Kid-Friendly", "Summer", "Winter",
)  # fmt: skip
_ANY_BAKE_TAGS = (
    "Baking", "Dessert", "Party", "Holiday", "Christmas", "Picnic", "Kid-Friendly", "Brunch",
)  # fmt: skip


def _tag_names() -> tuple[str, ...]:
    names = [
        *_CUISINES, *_MAIN_TAGS.values(), _VEGETARIAN_TAG, *_DISH_TAGS.values(),
        *_METHOD_TAGS.values(), *_OWNER_TAGS.values(), *_ANY_DISH_TAGS, *_ANY_BAKE_TAGS,
        "Fruit", *(tag for bake in _BAKES.values() for tag in bake.tags),
    ]  # fmt: skip
    return tuple(dict.fromkeys(names))


# Every tag a generated recipe may have (about 60).
TAGS = _tag_names()

_ADJECTIVES = (
    "hearty", "bright", "comforting", "light", "fragrant", "rich", "fresh", "simple",
    "warming", "punchy", "generous", "no-fuss",
)  # fmt: skip
# Without an article: some dishes are plural ("skewers", "flapjacks").
_DESCRIPTIONS = (
    "{Adjective} {dish} of {main} with {extra}.",
    "{Main} and {extra}, made into {adjective} {dish} for {occasion}.",
    "Our go-to {dish} for using up {main}; {extra} gives it a lift.",
    "{Adjective} {dish} for {servings}, with very little washing up.",
    "{Main}, {extra} and a few things from the cupboard: {adjective} {dish} for {occasion}.",
)
_BAKE_DESCRIPTIONS = (
    "{Adjective} {dish} with {extra}, for {occasion}.",
    "{Dish} as we like them: not too sweet, and best the day they are made.",
    "Easy {dish} from {main}, {extra} and a few store-cupboard basics.",
    "{Adjective} {dish} that keep for a few days, well wrapped.",
)
_TIMED = " From start to finish it takes about {total} minutes."
_OCCASIONS = (
    "a weeknight", "a lazy Sunday", "feeding friends", "a packed lunch", "a cold evening",
    "a summer table", "the weekend",
)  # fmt: skip
_ADJECTIVE_BAKES = ("tender", "golden", "simple", "generous", "classic", "rich", "light")

# Steps: an opener, some middle steps in the order they appear here, and a closer. A
# step is used only when the recipe has every word it names, and those in its leading
# "[...]" (see _steps).
_OPENERS = (
    "Get everything ready before you start: prepare the {main} and chop the {aromatic}.",
    "[meat] Take the {main} out of the fridge 20 minutes before cooking and pat dry.",
    "Heat the oven to {temp}°C. Prepare the {main} and the rest of the ingredients.",
    "Weigh out and prepare all the ingredients first; the cooking goes quickly after that.",
)
_MIDDLES = (
    "[meat] Heat a splash of oil in a large pan over a medium-high heat and brown the {main} "
    "in batches, then lift out onto a plate.",
    "[veg] Heat a splash of oil in a wide pan and cook the {main} over a medium heat for 5 to "
    "8 minutes, until starting to colour.",
    "Cook the {aromatic} gently in a little oil with a pinch of salt for 8 to 10 minutes, "
    "stirring now and then, until soft.",
    "Stir in the {flavour} and cook for a minute more, until it smells fragrant.",
    "{dish_step}",
    "[temp] Spread the {main} over a large roasting tray, toss with oil and seasoning, and "
    "roast for {minutes} minutes, turning once.",
    "[meat,simmer] Put the {main} back in, cover, and cook for {minutes} minutes, until tender.",
    "[simmer] If it looks too thin, simmer uncovered for a few minutes to thicken.",
    "Meanwhile, get the {part} ready and set it aside.",
    "Meanwhile, prepare the {side}.",
    "Taste and adjust the seasoning with salt, pepper or a squeeze of lemon.",
    "Take it off the heat and leave to rest for 5 minutes.",
)
_CLOSERS = (
    "Serve hot, scattered with {herb}.",
    "Divide between warm plates and serve with the {side}.",
    "Serve straight away, or cool and keep in the fridge for up to 3 days.",
    "Bring the pan to the table and let everyone help themselves.",
)
_BAKE_OPENERS = (
    "Heat the oven to {temp}°C (fan {fan}°C) and grease and line a {tin}.",
    "Weigh out all the ingredients before you start, and bring the {egg} to room temperature.",
    "Heat the oven to {temp}°C and get the {tin} ready.",
    "Read the recipe through and weigh out every ingredient before you begin.",
)
_BAKE_MIDDLES = (
    "[oven] Beat the {fat} and {sugar} together until pale and fluffy, about 3 to 4 minutes.",
    "[chill] Warm the {cream} and {sugar} gently in a pan, stirring until the sugar dissolves.",
    "Add the {egg} a little at a time, beating well after each addition.",
    "Mix the {flour} with the rest of the dry ingredients and fold it in until just combined.",
    "Stir the {flavour} through.",
    "Make the {part} and keep it to one side.",
    "Tip the mixture into the {tin} and level the top.",
    "Bake for {minutes} minutes, until golden; a skewer pushed into the middle should come "
    "out clean.",
    "[pan] Cook ladlefuls in a hot, lightly buttered frying pan for about 2 minutes a side, "
    "until golden.",
    "[chill] Spoon into the dish or pots and chill for at least 4 hours, or overnight, until set.",
    "Leave to cool in the {tin} for 10 minutes, then turn out onto a wire rack.",
)
_BAKE_CLOSERS = (
    "[tin] Cut into {servings} pieces and serve.",
    "[tin] Keeps for up to 4 days in an airtight container.",
    "[chill] Serve chilled, straight from the fridge.",
    "[pan] Serve warm, with whatever toppings you like.",
    "Best eaten on the day it is made.",
)


@dataclass(frozen=True)
class _Template:
    text: str
    # The words it needs (see _steps).
    needs: frozenset[str]


def _templates(texts: Sequence[str]) -> tuple[_Template, ...]:
    templates = []
    for text in texts:
        flags: list[str] = []
        if text.startswith("["):
            marker, _, text = text[1:].partition("] ")
            flags = marker.split(",")
        fields = (name for _, name, _, _ in string.Formatter().parse(text) if name)
        templates.append(_Template(text, frozenset([*flags, *fields])))
    return tuple(templates)


_STEP_TEMPLATES = {
    False: tuple(map(_templates, (_OPENERS, _MIDDLES, _CLOSERS))),
    True: tuple(map(_templates, (_BAKE_OPENERS, _BAKE_MIDDLES, _BAKE_CLOSERS))),
}


@cache
def _eligible(baked: bool, words: frozenset[str]) -> list[list[_Template]]:
    """The openers, middles and closers a recipe with these words can have."""
    return [[t for t in templates if t.needs <= words] for templates in _STEP_TEMPLATES[baked]]


@dataclass(frozen=True)
class _Idea:
    """What a label says about its recipe."""

    label: str
    mains: tuple[str, ...] = ()
    dish: str | None = None
    method: str | None = None
    flavour: str | None = None
    cuisine: str | None = None
    side: str | None = None
    owner: str | None = None
    bake: str | None = None


_MAIN_NAMES = tuple(_MAINS)
_FLAVOUR_NAMES = tuple(_FLAVOURS)
_CUISINE_NAMES = tuple(_CUISINES)
_SIDE_NAMES = tuple(_SIDES)
_BAKE_NAMES = tuple(_BAKES)
_BAKE_FLAVOUR_NAMES = tuple(_BAKE_FLAVOURS)


def _idea(rng: Random) -> _Idea:
    c = rng.choice
    match rng.randrange(8):
        case 0:
            method, main, dish = c(_METHODS), c(_MAIN_NAMES), c(_DISHES)
            return _Idea(f"{method} {main} {dish}", (main,), dish, method=method)
        case 1:
            main, dish, side = c(_MAIN_NAMES), c(_DISHES), c(_SIDE_NAMES)
            return _Idea(f"{main} {dish} with {side}", (main,), dish, side=side)
        case 2:
            cuisine, main, dish = c(_CUISINE_NAMES), c(_MAIN_NAMES), c(_DISHES)
            return _Idea(f"{cuisine} {main} {dish}", (main,), dish, cuisine=cuisine)
        case 3:
            method, flavour, main = c(_METHODS), c(_FLAVOUR_NAMES), c(_MAIN_NAMES)
            return _Idea(f"{method} {flavour} {main}", (main,), method=method, flavour=flavour)
        case 4:
            first, second = rng.sample(_MAIN_NAMES, 2)
            dish = c(_DISHES)
            return _Idea(f"{first} and {second} {dish}", (first, second), dish)
        case 5:
            owner, main, dish = c(_OWNERS), c(_MAIN_NAMES), c(_DISHES)
            return _Idea(f"{owner} {main} {dish}", (main,), dish, owner=owner)
        case 6:
            flavour, bake = c(_BAKE_FLAVOUR_NAMES), c(_BAKE_NAMES)
            return _Idea(f"{flavour} {bake}", flavour=flavour, bake=bake)
        case _:
            owner, bake = c(_OWNERS), c(_BAKE_NAMES)
            return _Idea(f"{owner} {bake}", owner=owner, bake=bake)


class _Lines:
    """A recipe's ingredient lines as they are picked, each food once. The lines of a
    section come together, in the order the sections were first named."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.sections: dict[str | None, list[dict[str, Any]]] = {}
        self.foods: set[str] = set()

    def __len__(self) -> int:
        return len(self.foods)

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [line for lines in self.sections.values() for line in lines]

    def add(self, food: _Food, section: str | None = None) -> str | None:
        """Add a line of `food` (unless one of its names is listed); the name used."""
        # One draw for all of the line's choices, each taken from its own digits: the
        # generator's calls are most of the time spent making up a recipe.
        draw = self.rng.getrandbits(32)
        draw, pick = divmod(draw, len(food.names))
        name = food.names[pick]
        if name in self.foods:
            return None
        self.foods.add(name)
        amount = None
        if food.amounts:
            draw, pick = divmod(draw, len(food.amounts))
            amount = food.amounts[pick]
        note = None
        draw, noted = divmod(draw, 5)
        if food.notes and noted < 3:
            note = food.notes[draw % len(food.notes)]
        self.sections.setdefault(section, []).append(
            {
                "quantity": amount,
                "unit": food.unit if amount else None,
                "food": name,
                "note": note,
                "section": section,
            }
        )
        return name

    def add_some(self, pool: Sequence[_Food], number: int, section: str | None = None) -> None:
        """Add `number` lines of foods from `pool` not listed yet (fewer if it runs out)."""
        added = 0
        # The pool in one of many orders (a random start, and a random stride that
        # reaches every food): varied enough, for one draw instead of a shuffle's many.
        size = len(pool)
        strides = _STRIDES.get(size) or _STRIDES.setdefault(
            size, [stride for stride in range(1, size) if gcd(stride, size) == 1] or [1]
        )
        start, pick = divmod(self.rng.getrandbits(24), len(strides))
        for i in range(size):
            if added == number:
                break
            if self.add(pool[(start + i * strides[pick]) % size], section) is not None:
                added += 1


# The strides that visit every item of a pool of this size, by size.
_STRIDES: dict[int, list[int]] = {}


@dataclass
class _Draft:
    """A recipe taking shape: its lines, and what its steps and description name."""

    lines: _Lines
    words: dict[str, str]
    servings: int
    yield_text: str | None
    prep: int | None
    cook: int | None
    tags: list[str]


def _savoury(rng: Random, idea: _Idea) -> _Draft:
    lines = _Lines(rng)
    part: _Part | None = None
    main_title: str | None = None
    if idea.side is not None:
        part = (f"For the {idea.side.lower()}", _SIDES[idea.side])
    elif idea.dish in _DISH_PARTS:
        title, dish_part = _DISH_PARTS[idea.dish]
        # A dish whose rest has a title of its own (a pie's filling) always has the part.
        if title is not None or rng.random() < 0.7:
            main_title, part = title, dish_part
    if part is not None and main_title is None:
        main_title = f"For the {(idea.dish or idea.mains[0]).lower()}"

    mains = [lines.add(_MAINS[main], main_title) for main in idea.mains]
    # Flags are words too, for the steps that need them (see _MIDDLES).
    words = {
        "main": mains[0] or "",
        "dish": (idea.dish or "dish").lower(),
        "meat" if idea.mains[0] in _MAIN_TAGS else "veg": "",
    }
    if idea.dish is not None:
        words["dish_step"] = _DISH_STEPS[idea.dish]
    if idea.dish in _SIMMERED_DISHES:
        words["simmer"] = ""
    before = len(lines)
    lines.add_some(_AROMATICS, rng.randint(1, 2), main_title)
    if len(lines) > before:
        words["aromatic"] = str(lines.sections[main_title][before]["food"])
    flavours = (*_FLAVOURS.get(idea.flavour or "", ()), *_CUISINES.get(idea.cuisine or "", ()))
    for role, foods in (("flavour", flavours), ("base", _DISH_BASES.get(idea.dish or "", ()))):
        for food in foods:
            name = lines.add(food, main_title)
            if name is not None:
                words.setdefault(role, name)
    if part is not None:
        title, foods = part
        for food in foods:
            lines.add(food, title)
        if idea.side is not None:
            words["side"] = idea.side.lower()
        else:
            words["part"] = title.removeprefix("For the ")
    target = rng.randint(MIN_INGREDIENTS, MAX_INGREDIENTS)
    seasoning = 2 if target - len(lines) >= 4 and rng.random() < 0.7 else 0
    lines.add_some(_PANTRY, max(target - len(lines) - seasoning, 0), main_title)
    for food in _SEASONING[:seasoning]:
        lines.add(food, main_title)
    herbs = [
        line["food"]
        for line in lines.sections[main_title]
        if line["food"] in ("flat-leaf parsley", "fresh coriander")
    ]
    if herbs:
        words["herb"] = f"the {str(herbs[0]).removeprefix('fresh ')}"

    dish = idea.dish or ""
    if dish in _SLOW_DISHES or idea.method == "Slow-Cooked":
        cook = rng.choice((60, 90, 120, 180) if idea.method != "Slow-Cooked" else (240, 360, 480))
    elif dish in _NO_COOK_DISHES:
        cook = rng.choice((0, 5, 10, 15))
    elif idea.method in _QUICK_METHODS:
        cook = rng.choice((10, 15, 20))
    else:
        cook = rng.choice((15, 20, 25, 30, 40, 45, 60))
    prep = rng.choice((5, 10, 10, 15, 15, 20, 25, 30, 40))
    if idea.method in _QUICK_METHODS:
        prep = min(prep, 15)
    # Some recipes do not say how long one part takes.
    unknown = rng.random()
    prep_minutes = None if unknown < 0.04 else prep
    cook_minutes = None if 0.04 <= unknown < 0.08 else cook
    if cook:
        words["minutes"] = str(max(cook - 10, 5) if cook > 15 else cook)
    if idea.method in _OVEN_METHODS or dish in ("Pie", "Tart", "Gratin", "Traybake", "Galette"):
        words["temp"] = str(rng.choice((180, 190, 200, 220)))
    servings = rng.choice((2, 2, 4, 4, 4, 4, 6, 6, 8))
    yield_text = None
    if dish in _DISH_YIELDS and rng.random() < 0.6:
        each, noun = _DISH_YIELDS[dish]
        yield_text = f"{servings * each} {noun}"

    tags = [idea.cuisine] if idea.cuisine else []
    meat = [_MAIN_TAGS[main] for main in idea.mains if main in _MAIN_TAGS]
    tags += meat or [_VEGETARIAN_TAG]
    for extra, table in (
        (dish, _DISH_TAGS),
        (idea.method, _METHOD_TAGS),
        (idea.owner, _OWNER_TAGS),
    ):
        if extra in table:
            tags.append(table[extra or ""])
    tags += rng.sample(_ANY_DISH_TAGS, 3)
    return _Draft(lines, words, servings, yield_text, prep_minutes, cook_minutes, tags)


def _baked(rng: Random, idea: _Idea) -> _Draft:
    bake = _BAKES[idea.bake or ""]
    lines = _Lines(rng)
    title = bake.core_title if bake.part is not None else None
    for food in bake.core:
        lines.add(food, title)
    # The method is a word too: it is what some steps need (see _BAKE_MIDDLES).
    words = {
        "dish": (idea.bake or "").lower(),
        "main": str(lines.lines[0]["food"]),
        bake.method: "",
    }
    roles = {"flour": "flour", "sugar": "sugar", "egg": "egg", "fat": "butter"}
    if bake.method == "chill":
        roles["cream"] = "cream"
    for role, marker in roles.items():
        found = next((name for name in sorted(lines.foods) if marker in name), None)
        if found is not None:
            words[role] = found
    if idea.flavour is not None:
        name = lines.add(_BAKE_FLAVOURS[idea.flavour], title)
        if name is not None:
            words["flavour"] = name
    if bake.part is not None:
        part_title, foods = bake.part
        for food in foods:
            lines.add(food, part_title)
        words["part"] = part_title.removeprefix("For the ")
    target = rng.randint(MIN_INGREDIENTS, MAX_INGREDIENTS)
    lines.add_some(bake.extras, max(target - len(lines), 0), title)
    servings = rng.choice(bake.servings)
    cook = rng.choice(bake.cook)
    if bake.oven is not None and bake.tin is not None:
        words |= {"temp": str(bake.oven), "fan": str(bake.oven - 20), "tin": bake.tin}
        words["minutes"] = str(cook)
    words["servings"] = str(servings)
    tags = list(bake.tags)
    if idea.flavour in _FRUITY_FLAVOURS:
        tags.append("Fruit")
    if idea.owner in _OWNER_TAGS:
        tags.append(_OWNER_TAGS[idea.owner or ""])
    tags += rng.sample(_ANY_BAKE_TAGS, 3)
    return _Draft(
        lines,
        words,
        servings,
        bake.yield_text.format(n=servings) if bake.yield_text else None,
        prep=rng.choice((10, 15, 20, 25, 30, 40)),
        cook=cook,
        tags=tags,
    )


def _steps(rng: Random, draft: _Draft, *, baked: bool) -> list[dict[str, str | None]]:
    words = draft.words
    openers, middles, closers = _eligible(baked, frozenset(words))
    number = min(rng.randint(MIN_STEPS, MAX_STEPS), len(middles) + 2)
    chosen = [rng.choice(openers)]
    chosen += [middles[i] for i in sorted(rng.sample(range(len(middles)), number - 2))]
    chosen.append(rng.choice(closers))
    return [{"text": t.text.format_map(words), "section": None} for t in chosen]


def _description(rng: Random, draft: _Draft, *, baked: bool, total: int | None) -> str:
    foods = [str(line["food"]) for line in draft.lines.lines]
    main = draft.words["main"]
    extra = draft.words.get("flavour") or rng.choice([f for f in foods if f != main] or [main])
    template = rng.choice(_BAKE_DESCRIPTIONS if baked else _DESCRIPTIONS)
    dish = draft.words["dish"]
    adjective = rng.choice(_ADJECTIVE_BAKES if baked else _ADJECTIVES)
    text = template.format(
        adjective=adjective,
        Adjective=adjective[:1].upper() + adjective[1:],
        dish=dish,
        Dish=dish[:1].upper() + dish[1:],
        main=main,
        Main=main[:1].upper() + main[1:],
        extra=extra,
        occasion=rng.choice(_OCCASIONS),
        servings=draft.servings,
    )
    if total and rng.random() < 0.5:
        text += _TIMED.format(total=total)
    return text


def _recipe(rng: Random, idea: _Idea) -> dict[str, Any]:
    """A recipe's fields as the API takes them, but for where it comes from."""
    baked = idea.bake is not None
    draft = _baked(rng, idea) if baked else _savoury(rng, idea)
    times = [t for t in (draft.prep, draft.cook) if t is not None]
    tags = list(dict.fromkeys(draft.tags))[: rng.randint(MIN_TAGS, MAX_TAGS)]
    return {
        "label": idea.label,
        "description": _description(rng, draft, baked=baked, total=sum(times) if times else None),
        "servings": draft.servings,
        "yield_text": draft.yield_text,
        "prep_minutes": draft.prep,
        "cook_minutes": draft.cook,
        "ingredients": draft.lines.lines,
        "steps": _steps(rng, draft, baked=baked),
        "tags": tags,
    }


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
    if not recipes:
        return Added(users=users, recipes=0)
    if not submitter_ids:
        submitter_ids = list(db.scalars(select(User.id).order_by(User.id)))
    tags = {tag.slug: (tag.id, tag.name) for tag in crud.tag.named(db, list(TAGS))}
    db.commit()
    # Zipf-like: the k-th submitter adds about 1/k as many recipes as the first.
    cum_weights = list(accumulate(1 / rank for rank in range(1, len(submitter_ids) + 1)))
    generated = _recipes(recipes, rng, submitter_ids, cum_weights, start=start, until=until)
    for batch in _batches(generated, batch_size):
        _insert_recipes(db, batch, tags)
        db.commit()
        on_progress(len(batch))
    _refresh_statistics(db)
    return Added(users=users, recipes=recipes)


def _refresh_statistics(db: Session) -> None:
    """Give PostgreSQL's planner the statistics of what was just loaded. Its autovacuum
    analyzes the tables only a minute or more later; until then it plans with the
    tables as they were, and reads a list page's tags (100 recipes' links) by scanning
    every link. MySQL and MariaDB recalculate InnoDB's statistics themselves after a
    load this size (and their ANALYZE TABLE would commit the caller's transaction);
    SQLite plans without any."""
    if db.get_bind().dialect.name != "postgresql":
        return
    db.execute(sql("ANALYZE"))
    db.commit()


# RecipeCreate's fields that are columns of recipes (the others are lists).
_RECIPE_COLUMNS = [
    name for name in RecipeCreate.model_fields if name not in ("ingredients", "steps", "tags")
]
_INGREDIENTS = Base.metadata.tables[Ingredient.__tablename__]
_STEPS = Base.metadata.tables[Step.__tablename__]


def _insert(model: type[Base]) -> Insert:
    # Nulls written out: the ORM leaves a None out of its row, and rows with different
    # columns go in different statements, one per run of rows alike.
    return insert(model).execution_options(render_nulls=True)


@dataclass(frozen=True)
class _Generated:
    fields: RecipeCreate
    submitter_id: int
    created_at: datetime
    # The columns of its lines and steps, but for the recipe and the position.
    line_rows: list[dict[str, Any]]
    step_rows: list[dict[str, Any]]


def _insert_recipes(db: Session, batch: list[_Generated], tags: dict[str, tuple[int, str]]) -> None:
    """Insert the recipes, then their lines, steps and tag links."""
    rows = []
    tag_ids: list[list[int]] = []
    for recipe in batch:
        fields = recipe.fields
        # A name sent twice counts once, and a tag is named as it was first written.
        linked = [tags[slug] for slug in dict.fromkeys(map(slug_of, fields.tags))]
        tag_ids.append([id for id, _ in linked])
        # Never edited: an edit would have bumped the version, which the ORM sets to 1
        # on every INSERT (bulk ones too), whatever the row says.
        rows.append(
            {name: getattr(fields, name) for name in _RECIPE_COLUMNS}
            | derived_columns(
                prep_minutes=fields.prep_minutes,
                cook_minutes=fields.cook_minutes,
                foods=[line.food for line in fields.ingredients],
                tags=[name for _, name in linked],
            )
            | {
                "submitter_id": recipe.submitter_id,
                "created_at": recipe.created_at,
                "updated_at": recipe.created_at,
            }
        )
    # RETURNING gives the rows in no set order (SQLite's documentation says so; asking
    # SQLAlchemy for the order sends SQLite one row per statement), so each row is found
    # by its created_at, which no two generated recipes share.
    returned = db.execute(_insert(Recipe).returning(Recipe.created_at, Recipe.id), rows)
    id_by_created_at = {created_at: id for created_at, id in returned}
    ids = [id_by_created_at[recipe.created_at] for recipe in batch]
    lines, steps, links = [], [], []
    for id, recipe, recipe_tag_ids in zip(ids, batch, tag_ids, strict=True):
        lines += [
            {"recipe_id": id, "position": position, **row}
            for position, row in enumerate(recipe.line_rows)
        ]
        steps += [
            {"recipe_id": id, "position": position, **row}
            for position, row in enumerate(recipe.step_rows)
        ]
        links += [{"recipe_id": id, "tag_id": tag_id} for tag_id in recipe_tag_ids]
    # Core INSERTs: these tables have nothing for the ORM to do, and skipping it halves
    # their cost.
    for table, values in ((_INGREDIENTS, lines), (_STEPS, steps), (recipe_tags, links)):
        if values:
            db.execute(insert(table), values)


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


def _recipes(
    number: int,
    rng: Random,
    submitter_ids: Sequence[int],
    cum_weights: Sequence[float],
    *,
    start: datetime,
    until: datetime,
) -> Iterator[_Generated]:
    # Each recipe gets a random time in its own slot of the span, so created_at grows
    # with the id, as it does when recipes are added one by one, yet the gaps vary. It
    # grows strictly (by a microsecond at least, what every engine stores), so it tells
    # the recipes apart (see _insert_recipes).
    slot = (until - start) / max(number, 1)
    created_at = start - _MICROSECOND
    validated = _Validated()
    for i in range(number):
        created_at = max(start + (i + rng.random()) * slot, created_at + _MICROSECOND)
        idea = _idea(rng)
        recipe = _recipe(rng, idea)
        source, url = rng.choice(_SOURCES)
        lines = [validated.line(line) for line in recipe["ingredients"]]
        steps = [validated.step(step) for step in recipe["steps"]]
        fields = RecipeCreate.model_validate(
            recipe
            | {
                "source": source,
                "url": url(slug(idea.label), rng.randrange(1000, 1_000_000), created_at),
                "ingredients": [line for line, _ in lines],
                "steps": [step for step, _ in steps],
            }
        )
        submitter_id = rng.choices(submitter_ids, cum_weights=cum_weights)[0]
        yield _Generated(
            fields,
            submitter_id,
            created_at,
            line_rows=[row for _, row in lines],
            step_rows=[row for _, row in steps],
        )


class _Validated:
    """Ingredient lines and steps validated by the API's own schemas, each distinct one
    once: recipes share most of theirs, and a validated one is taken by RecipeCreate as
    it is. Each comes with its columns, as its table stores them."""

    def __init__(self) -> None:
        self._lines: dict[tuple[Any, ...], tuple[IngredientIn, dict[str, Any]]] = {}
        self._steps: dict[tuple[Any, ...], tuple[StepIn, dict[str, Any]]] = {}

    def line(self, fields: dict[str, Any]) -> tuple[IngredientIn, dict[str, Any]]:
        key = tuple(fields.values())
        found = self._lines.get(key)
        if found is None:
            line = IngredientIn.model_validate(fields)
            quantity = line.quantity
            found = self._lines[key] = (
                line,
                {
                    "quantity_numerator": None if quantity is None else quantity.numerator,
                    "quantity_denominator": None if quantity is None else quantity.denominator,
                    "unit": line.unit,
                    "food": line.food,
                    "note": line.note,
                    "section": line.section,
                },
            )
        return found

    def step(self, fields: dict[str, Any]) -> tuple[StepIn, dict[str, Any]]:
        key = tuple(fields.values())
        found = self._steps.get(key)
        if found is None:
            step = StepIn.model_validate(fields)
            found = self._steps[key] = (step, {"text": step.text, "section": step.section})
        return found


def _batches(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(islice(rows, size)):
        yield batch
