"""OAuth2 password flow: an e-mail and a password for a bearer token."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form

from shop.api.dependencies import user_service
from shop.api.openapi import operation_id
from shop.api.problems import problem_responses
from shop.api.schemas.users import LoginForm, TokenOut
from shop.domain.user_service import UserService

router = APIRouter(prefix="/auth", tags=["auth"], generate_unique_id_function=operation_id)


@router.post("/token", responses=problem_responses(401, 422, 429, 503))
async def issue_token(
    form: Annotated[LoginForm, Form()],
    users: Annotated[UserService, Depends(user_service)],
) -> TokenOut:
    """Log in. A wrong e-mail and a wrong password get the same 401."""
    token = await users.authenticate(form.username, form.password)
    return TokenOut(access_token=token.token, expires_in=token.expires_in)
