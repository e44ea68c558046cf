"""OAuth2 password flow: an e-mail and a password for a bearer token."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from pydantic.json_schema import SkipJsonSchema

from shop.api.dependencies import ClientAddress, user_service
from shop.api.problems import problem_responses
from shop.api.schemas.users import TokenOut
from shop.domain.limits import MAX_PASSWORD_LENGTH
from shop.domain.user_service import UserService

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", responses=problem_responses(401, 422, 429, 503))
async def issue_token(
    username: Annotated[str, Form(max_length=320, description="The e-mail address.")],
    password: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)],
    users: Annotated[UserService, Depends(user_service)],
    client: ClientAddress,
    grant_type: Annotated[str | SkipJsonSchema[None], Form(pattern="^password$")] = None,
) -> TokenOut:
    """Log in. A wrong e-mail, a wrong password and a deactivated user get the same 401.

    Throttled per account and per client address: 429 with `Retry-After` (seconds).
    """
    token = await users.authenticate(username, password, client)
    return TokenOut(access_token=token.token, expires_in=token.expires_in)
