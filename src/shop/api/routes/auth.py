"""OAuth2 password flow: an e-mail and a password for a bearer token."""

from typing import Annotated

from fastapi import Form, Request, Response

from shop.api.dependencies import client_address, user_service
from shop.api.problems import problem_responses
from shop.api.routes import resource_router
from shop.api.schemas.users import TOKEN_JSON, LoginForm, TokenOut

router = resource_router("auth")


@router.post(
    "/token", response_model=TOKEN_JSON.model, responses=problem_responses(401, 422, 429, 503)
)
async def issue_token(form: Annotated[LoginForm, Form()], request: Request) -> Response:
    """Log in. A wrong e-mail, a wrong password and a deactivated user get the same 401.

    Throttled per account and per client address: 429 with `Retry-After` (seconds).
    """
    users = user_service(request)
    token = await users.authenticate(form.username, form.password, client_address(request))
    return TOKEN_JSON.response(TokenOut(access_token=token.token, expires_in=token.expires_in))
