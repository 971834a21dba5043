from typing import Annotated

from fastapi import Depends

from app import crud
from app.api.deps import SessionDep
from app.api.responses import DATABASE, INVALID_INPUT
from app.api.routing import APIRouter
from app.api.v1.paging import ListParams, list_params
from app.schemas import Page, TagPublic

router = APIRouter(prefix="/tags", tags=["tags"], responses=DATABASE | INVALID_INPUT)


@router.get("")
def list_tags(
    db: SessionDep, params: Annotated[ListParams, Depends(list_params(crud.tag))]
) -> Page[TagPublic]:
    """List tags with how many recipes have each, by slug unless sorted otherwise
    (`sort=-recipe_count` for the most used first). A tag stays when its last recipe
    goes, with a count of 0."""
    return params.fetch(db, crud.tag, Page[TagPublic], {})
