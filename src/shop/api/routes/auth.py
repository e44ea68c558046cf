"""OAuth2 password flow: an e-mail and a password for a bearer token."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response
from pydantic.json_schema import SkipJsonSchema

from shop.api.dependencies import user_service
from shop.api.problems import problem_responses
from shop.api.schemas.users import TOKEN_JSON, TokenOut
from shop.domain.limits import MAX_PASSWORD_LENGTH
from shop.domain.user_service import UserService

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TOKEN_JSON.model, responses=problem_responses(401, 422, 503))
async def issue_token(
    username: Annotated[str, Form(max_length=320, description="The e-mail address.")],
    password: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)],
    users: Annotated[UserService, Depends(user_service)],
    grant_type: Annotated[str | SkipJsonSchema[None], Form(pattern="^password$")] = None,
) -> Response:
    """Log in. A wrong e-mail and a wrong password get the same 401."""
    token = await users.authenticate(username, password)
    return TOKEN_JSON.response(TokenOut(access_token=token.token, expires_in=token.expires_in))
