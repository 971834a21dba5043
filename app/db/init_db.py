"""The seed: the first superuser and a starter set of real recipes.

Idempotent: each row is looked up before it is created, so running it again adds
nothing. The superuser gets FIRST_SUPERUSER_PASSWORD when created, or later if they
have no password yet (a database from before accounts); a password that is already
set is left alone, so one changed through the API survives a restart.

A starter recipe is the superuser's recipe with its URL. The recipes are written here
in our own words (the facts of a dish, what goes in it, are the dish's; the prose is
ours) and validated by the API's input schema, lists included.

Databases seeded before recipes had lists hold the starter recipes as bare bookmarks:
a label, a source and a URL. The seed fills those in with the rest of the recipe, but
only a bookmark untouched since the seed wrote it: still the superuser's, never
edited (version 1), and with no details, ingredients, steps or tags. Anything else is
someone's own recipe now and is left alone. Once filled in, a recipe has lists, so
the next run leaves it alone too: the seed stays idempotent.
"""

import logging
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.models import Ingredient, Recipe, Step, User
from app.models.tag import recipe_tags
from app.schemas.recipe import RecipeCreate, RecipeUpdate

logger = logging.getLogger(__name__)

STARTER_RECIPES: tuple[dict[str, Any], ...] = (
    {
        "label": "No-Knead Bread",
        "source": "NYT Cooking",
        "url": "https://cooking.nytimes.com/recipes/11376-no-knead-bread",
        "description": "A crusty, open-crumbed loaf from four ingredients and no kneading: "
        "a wet dough rises slowly overnight, then bakes inside a hot lidded pot. The times "
        "leave out the 14 to 20 hours the dough spends rising.",
        "servings": 8,
        "yield_text": "1 loaf",
        "prep_minutes": 15,
        "cook_minutes": 45,
        "ingredients": [
            {"quantity": "430", "unit": "g", "food": "bread flour", "note": "or plain flour"},
            {"quantity": "1/4", "unit": "tsp", "food": "instant yeast"},
            {"quantity": "1 1/4", "unit": "tsp", "food": "fine salt"},
            {"quantity": "345", "unit": "ml", "food": "water", "note": "cool"},
            {"food": "cornmeal", "note": "or wheat bran, for dusting"},
        ],
        "steps": [
            {
                "text": "Stir the flour, yeast and salt together in a large bowl, pour in "
                "the water and mix until no dry flour is left. The dough is wet and shaggy."
            },
            {
                "text": "Cover the bowl and leave it at room temperature for 12 to 18 "
                "hours, until the top is dotted with bubbles."
            },
            {
                "text": "Turn the dough out onto a floured worktop, fold it over on itself "
                "once or twice, and let it rest for 15 minutes."
            },
            {
                "text": "Shape it into a ball and set it seam side down on a cloth dusted "
                "with cornmeal. Cover and leave for about 2 hours, until doubled."
            },
            {
                "text": "Half an hour before it is ready, put a heavy lidded pot (cast "
                "iron or enamelled) in the oven and heat to 230°C."
            },
            {
                "text": "Tip the dough into the hot pot, put the lid on and bake for 30 "
                "minutes. Take the lid off and bake for 15 to 30 minutes more, until "
                "deep brown."
            },
            {"text": "Cool on a rack for at least an hour before slicing."},
        ],
        "tags": ["Bread", "Baking", "Vegan"],
    },
    {
        "label": "Marcella Hazan's Tomato Sauce",
        "source": "NYT Cooking",
        "url": "https://cooking.nytimes.com/recipes/1015178-marcella-hazans-tomato-sauce",
        "description": "Tomatoes, butter and an onion, simmered slowly together: almost no "
        "work, and a sweet, mellow sauce for pasta.",
        "servings": 4,
        "yield_text": "enough for 500 g pasta",
        "prep_minutes": 5,
        "cook_minutes": 45,
        "ingredients": [
            {
                "quantity": "800",
                "unit": "g",
                "food": "tinned whole tomatoes",
                "note": "with their juice",
            },
            {"quantity": "70", "unit": "g", "food": "unsalted butter"},
            {"quantity": "1", "food": "onion", "note": "peeled and halved"},
            {"food": "salt", "note": "to taste"},
            {"quantity": "500", "unit": "g", "food": "spaghetti", "note": "to serve"},
            {"food": "Parmesan", "note": "grated, to serve"},
        ],
        "steps": [
            {
                "text": "Put the tomatoes and their juice in a heavy saucepan with the "
                "butter and the onion halves, cut side down."
            },
            {
                "text": "Bring to a simmer over a medium heat, then turn the heat down so "
                "that it bubbles slowly and steadily."
            },
            {
                "text": "Cook uncovered for about 45 minutes, stirring now and then and "
                "crushing the tomatoes against the side of the pan, until the butter "
                "pools on top."
            },
            {"text": "Lift out the onion and season the sauce with salt."},
            {
                "text": "Toss with freshly cooked spaghetti and bring Parmesan to the "
                "table to go with it."
            },
        ],
        "tags": ["Italian", "Pasta", "Vegetarian"],
    },
    {
        "label": "World's Best Lasagna",
        "source": "Allrecipes",
        "url": "https://www.allrecipes.com/recipe/23600/worlds-best-lasagna/",
        "description": "A tall lasagna for a crowd: a sausage and beef sauce simmered for "
        "an hour and a half, layered with ricotta, mozzarella and Parmesan. It can be "
        "put together a day ahead and baked when needed.",
        "servings": 12,
        "yield_text": "one 23 x 33 cm dish",
        "prep_minutes": 30,
        "cook_minutes": 150,
        "ingredients": [
            {
                "quantity": "450",
                "unit": "g",
                "food": "sweet Italian sausage",
                "note": "skins removed",
                "section": "For the sauce",
            },
            {
                "quantity": "340",
                "unit": "g",
                "food": "lean beef mince",
                "section": "For the sauce",
            },
            {
                "quantity": "1",
                "food": "onion",
                "note": "finely chopped",
                "section": "For the sauce",
            },
            {
                "quantity": "2",
                "unit": "clove",
                "food": "garlic",
                "note": "crushed",
                "section": "For the sauce",
            },
            {
                "quantity": "800",
                "unit": "g",
                "food": "crushed tomatoes",
                "section": "For the sauce",
            },
            {
                "quantity": "340",
                "unit": "g",
                "food": "tomato paste",
                "section": "For the sauce",
            },
            {
                "quantity": "370",
                "unit": "g",
                "food": "tomato sauce",
                "note": "passata works too",
                "section": "For the sauce",
            },
            {"quantity": "2", "unit": "tbsp", "food": "sugar", "section": "For the sauce"},
            {
                "quantity": "1 1/2",
                "unit": "tsp",
                "food": "dried basil",
                "section": "For the sauce",
            },
            {
                "quantity": "4",
                "unit": "tbsp",
                "food": "flat-leaf parsley",
                "note": "chopped",
                "section": "For the sauce",
            },
            {
                "quantity": "450",
                "unit": "g",
                "food": "ricotta",
                "section": "For the filling",
            },
            {"quantity": "1", "food": "egg", "section": "For the filling"},
            {"quantity": "12", "food": "lasagne sheets", "section": "For the layers"},
            {
                "quantity": "340",
                "unit": "g",
                "food": "mozzarella",
                "note": "sliced",
                "section": "For the layers",
            },
            {
                "quantity": "75",
                "unit": "g",
                "food": "Parmesan",
                "note": "grated",
                "section": "For the layers",
            },
        ],
        "steps": [
            {
                "text": "Brown the sausage, beef, onion and garlic in a large pot over a "
                "medium heat, breaking the meat up as it cooks, then spoon off most of "
                "the fat.",
                "section": "For the sauce",
            },
            {
                "text": "Stir in the tomatoes, tomato paste and tomato sauce, a splash of "
                "water, the sugar, the basil and half the parsley, and season. Cover and "
                "simmer for about 1 1/2 hours, stirring from time to time.",
                "section": "For the sauce",
            },
            {
                "text": "Boil the lasagne sheets in salted water for 8 to 10 minutes, "
                "drain and rinse them in cold water.",
                "section": "For the layers",
            },
            {
                "text": "Mix the ricotta with the egg, the rest of the parsley and a pinch "
                "of salt.",
                "section": "For the filling",
            },
            {
                "text": "Heat the oven to 190°C. Spread a ladleful of sauce over the base "
                "of the dish, then layer sheets, half the ricotta, a third of the "
                "mozzarella, more sauce and some Parmesan. Repeat, and finish with "
                "mozzarella and Parmesan.",
                "section": "For the layers",
            },
            {
                "text": "Cover with foil, tented so it does not touch the cheese, and bake "
                "for 25 minutes; uncover and bake for 25 minutes more."
            },
            {"text": "Let it stand for 15 minutes before cutting."},
        ],
        "tags": ["Italian", "Pasta", "Family", "Make-Ahead"],
    },
    {
        "label": "Good Old-Fashioned Pancakes",
        "source": "Allrecipes",
        "url": "https://www.allrecipes.com/recipe/21014/good-old-fashioned-pancakes/",
        "description": "Thick, fluffy pancakes from things most kitchens have, mixed in "
        "one bowl and on the table in about 20 minutes.",
        "servings": 4,
        "yield_text": "8 pancakes",
        "prep_minutes": 5,
        "cook_minutes": 15,
        "ingredients": [
            {"quantity": "1 1/2", "unit": "cup", "food": "plain flour"},
            {"quantity": "3 1/2", "unit": "tsp", "food": "baking powder"},
            {"quantity": "1", "unit": "tbsp", "food": "sugar"},
            {"quantity": "1/4", "unit": "tsp", "food": "salt"},
            {"quantity": "1 1/4", "unit": "cup", "food": "milk"},
            {"quantity": "1", "food": "egg"},
            {"quantity": "3", "unit": "tbsp", "food": "butter", "note": "melted"},
            {"food": "maple syrup", "note": "to serve"},
        ],
        "steps": [
            {
                "text": "Whisk the flour, baking powder, sugar and salt together in a "
                "large bowl and make a well in the middle."
            },
            {
                "text": "Pour in the milk, egg and melted butter and stir just until "
                "smooth; a few small lumps do no harm."
            },
            {"text": "Heat a lightly oiled griddle or frying pan over a medium-high heat."},
            {
                "text": "Pour in about 1/4 cup of batter for each pancake. Cook until "
                "bubbles rise on top and the underside is golden, then flip and cook the "
                "other side."
            },
            {"text": "Serve hot, with maple syrup."},
        ],
        "tags": ["Breakfast", "Brunch", "Vegetarian", "Quick"],
    },
    {
        "label": "Chicken Vesuvio",
        "source": "Serious Eats",
        "url": "https://www.seriouseats.com/chicken-vesuvio-recipe",
        "description": "A Chicago Italian-American favourite: bone-in chicken and potato "
        "wedges roasted in one pan with plenty of garlic, oregano and white wine, "
        "finished with peas.",
        "servings": 4,
        "prep_minutes": 15,
        "cook_minutes": 60,
        "ingredients": [
            {
                "quantity": "1 1/2",
                "unit": "kg",
                "food": "chicken pieces",
                "note": "bone-in, skin on",
            },
            {"food": "salt and black pepper"},
            {"quantity": "3", "unit": "tbsp", "food": "olive oil"},
            {
                "quantity": "700",
                "unit": "g",
                "food": "floury potatoes",
                "note": "cut into wedges",
            },
            {"quantity": "8", "unit": "clove", "food": "garlic", "note": "peeled"},
            {"quantity": "1", "unit": "tsp", "food": "dried oregano"},
            {"quantity": "240", "unit": "ml", "food": "dry white wine"},
            {"quantity": "120", "unit": "ml", "food": "chicken stock"},
            {"quantity": "150", "unit": "g", "food": "frozen peas", "note": "thawed"},
            {"quantity": "2", "unit": "tbsp", "food": "flat-leaf parsley", "note": "chopped"},
        ],
        "steps": [
            {
                "text": "Heat the oven to 220°C. Pat the chicken dry and season it well "
                "with salt and pepper."
            },
            {
                "text": "Heat the oil in a large ovenproof frying pan over a medium-high "
                "heat and brown the chicken all over, skin side first, then set it aside."
            },
            {
                "text": "Brown the potato wedges on their cut sides in the same pan, then "
                "add the garlic and oregano and cook for a minute."
            },
            {
                "text": "Pour in the wine, scraping up the browned bits from the bottom of "
                "the pan, add the stock and bring to a simmer."
            },
            {
                "text": "Put the chicken back, skin side up, with the potatoes around it, "
                "and roast for 25 to 35 minutes, until the chicken is cooked through."
            },
            {
                "text": "Scatter the peas over for the last 5 minutes, then sprinkle with "
                "parsley and serve from the pan."
            },
        ],
        "tags": ["Italian", "Poultry", "Dinner"],
    },
    {
        "label": "Best spaghetti bolognese",
        "source": "BBC Good Food",
        "url": "https://www.bbcgoodfood.com/recipes/best-spaghetti-bolognese-recipe",
        "description": "Beef and smoky bacon cooked slowly with red wine and tomatoes "
        "until thick and rich, then tossed with spaghetti. Make double: the sauce "
        "freezes well.",
        "servings": 6,
        "prep_minutes": 25,
        "cook_minutes": 120,
        "ingredients": [
            {"quantity": "2", "unit": "tbsp", "food": "olive oil"},
            {
                "quantity": "4",
                "unit": "rasher",
                "food": "smoked streaky bacon",
                "note": "chopped",
            },
            {"quantity": "2", "food": "onions", "note": "finely chopped"},
            {"quantity": "2", "food": "carrots", "note": "finely chopped"},
            {"quantity": "2", "unit": "stick", "food": "celery", "note": "finely chopped"},
            {"quantity": "2", "unit": "clove", "food": "garlic", "note": "crushed"},
            {"quantity": "500", "unit": "g", "food": "beef mince"},
            {"quantity": "125", "unit": "ml", "food": "red wine"},
            {"quantity": "2", "unit": "can", "food": "plum tomatoes", "note": "400 g each"},
            {"quantity": "2", "unit": "tbsp", "food": "tomato purée"},
            {"quantity": "1", "unit": "tsp", "food": "dried oregano"},
            {"quantity": "2", "food": "bay leaves"},
            {"quantity": "400", "unit": "g", "food": "spaghetti"},
            {"quantity": "75", "unit": "g", "food": "Parmesan", "note": "grated"},
        ],
        "steps": [
            {
                "text": "Fry the bacon in the oil in a large, heavy pan until golden. Add "
                "the onions, carrots, celery and garlic and cook gently for about 10 "
                "minutes, until soft."
            },
            {
                "text": "Turn up the heat, add the mince and cook, breaking it up, until "
                "browned all over."
            },
            {"text": "Pour in the wine and let it bubble for a couple of minutes."},
            {
                "text": "Add the tomatoes, tomato purée, oregano and bay leaves with a "
                "splash of water, season, and bring to a simmer."
            },
            {
                "text": "Cover and cook very gently for at least 1 1/2 hours, stirring now "
                "and then, until thick; add a little water if it starts to catch."
            },
            {
                "text": "Boil the spaghetti in salted water, drain, and toss it with the "
                "sauce and half the Parmesan. Serve with the rest of the cheese."
            },
        ],
        "tags": ["Italian", "Pasta", "Beef", "Freezer-Friendly"],
    },
    {
        "label": "Classic Victoria sandwich",
        "source": "BBC Good Food",
        "url": "https://www.bbcgoodfood.com/recipes/classic-victoria-sandwich-recipe",
        "description": "Two light butter sponges sandwiched with vanilla buttercream and "
        "strawberry jam: the British teatime cake.",
        "servings": 10,
        "yield_text": "one 20 cm cake",
        "prep_minutes": 40,
        "cook_minutes": 20,
        "ingredients": [
            {
                "quantity": "200",
                "unit": "g",
                "food": "caster sugar",
                "section": "For the sponges",
            },
            {
                "quantity": "200",
                "unit": "g",
                "food": "butter",
                "note": "softened",
                "section": "For the sponges",
            },
            {
                "quantity": "4",
                "food": "eggs",
                "note": "beaten",
                "section": "For the sponges",
            },
            {
                "quantity": "200",
                "unit": "g",
                "food": "self-raising flour",
                "section": "For the sponges",
            },
            {
                "quantity": "1",
                "unit": "tsp",
                "food": "baking powder",
                "section": "For the sponges",
            },
            {
                "quantity": "2",
                "unit": "tbsp",
                "food": "milk",
                "section": "For the sponges",
            },
            {
                "quantity": "100",
                "unit": "g",
                "food": "butter",
                "note": "softened",
                "section": "For the filling",
            },
            {
                "quantity": "140",
                "unit": "g",
                "food": "icing sugar",
                "note": "sifted",
                "section": "For the filling",
            },
            {
                "food": "vanilla extract",
                "note": "a few drops",
                "section": "For the filling",
            },
            {
                "quantity": "170",
                "unit": "g",
                "food": "strawberry jam",
                "section": "For the filling",
            },
            {"food": "icing sugar", "note": "to dust", "section": "For the filling"},
        ],
        "steps": [
            {
                "text": "Heat the oven to 190°C (170°C fan). Butter two 20 cm sandwich "
                "tins and line their bases with baking paper."
            },
            {
                "text": "Beat the sugar, butter, eggs, flour, baking powder and milk "
                "together until just smooth; stop as soon as it is."
            },
            {
                "text": "Share the mixture between the tins, level the tops and bake for "
                "about 20 minutes, until golden and springy when pressed."
            },
            {
                "text": "Leave in the tins for 5 minutes, then turn out onto a rack to "
                "cool completely."
            },
            {
                "text": "Beat the butter for the filling until smooth, then beat in the "
                "icing sugar and vanilla."
            },
            {
                "text": "Spread the buttercream over one sponge, spoon the jam on top and "
                "cover with the other sponge. Dust with icing sugar."
            },
        ],
        "tags": ["Baking", "Afternoon Tea"],
    },
)

# What a recipe from the API or this seed may have beyond a bookmark's three fields.
_DETAILS = ("description", "image_url", "servings", "yield_text", "prep_minutes", "cook_minutes")


def init_db(db: Session) -> int:
    """Seed what is missing; returns how many users and recipes were created."""
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
    filled = 0
    for fields in STARTER_RECIPES:
        recipe = RecipeCreate.model_validate(fields)
        recipe_id = _recipe_id(db, superuser, fields["url"])
        if recipe_id is None:
            crud.recipe.create_with_submitter(db, obj_in=recipe, submitter_id=superuser.id)
            created += 1
        elif _is_bare_bookmark(db, recipe_id):
            details = recipe.model_dump(exclude={"label", "source", "url"})
            crud.recipe.update(
                db,
                db_obj=crud.recipe.get_or_raise(db, recipe_id),
                obj_in=RecipeUpdate.model_validate(details),
            )
            filled += 1
    if filled:
        logger.info("seed: %d starter recipe(s) from before lists filled in", filled)
    return created


def _recipe_id(db: Session, submitter: User, url: str) -> int | None:
    statement = select(Recipe.id).where(Recipe.submitter_id == submitter.id, Recipe.url == url)
    return db.scalar(statement.limit(1))


def _is_bare_bookmark(db: Session, recipe_id: int) -> bool:
    """Whether the recipe is as a seed from before lists left it: never edited, with
    nothing but a label, a source and a URL."""
    statement = select(Recipe.id).where(
        Recipe.id == recipe_id,
        Recipe.version == 1,
        *(getattr(Recipe, name).is_(None) for name in _DETAILS),
        ~exists().where(Ingredient.recipe_id == recipe_id),
        ~exists().where(Step.recipe_id == recipe_id),
        ~exists().where(recipe_tags.c.recipe_id == recipe_id),
    )
    return db.scalar(statement) is not None
