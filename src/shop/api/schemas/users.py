"""Users and tokens on the wire. A password or its hash is never part of a response."""

from datetime import datetime
from typing import Annotated, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)
from pydantic.json_schema import SkipJsonSchema
from typing_extensions import TypedDict

from shop.api.responses import JsonBody
from shop.api.schemas.fields import domain_rule
from shop.api.schemas.pages import page_json
from shop.api.schemas.partial_updates import PartialUpdate
from shop.domain.limits import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from shop.domain.users import USERNAME_PATTERN, Role, User, checked_email_address

Email = Annotated[
    str,
    Field(
        max_length=MAX_EMAIL_LENGTH,
        json_schema_extra={"format": "email"},
        examples=["ada@example.com"],
    ),
    domain_rule(checked_email_address),
]
Username = Annotated[
    str, StringConstraints(pattern=USERNAME_PATTERN.pattern), Field(examples=["ada"])
]
Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        examples=["correct horse battery staple"],
    ),
]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    username: Username
    password: Password


class UserUpdate(PartialUpdate):
    """Any of `username` and `password`; a new password needs `current_password`."""

    model_config = ConfigDict(
        json_schema_extra={"dependentRequired": {"password": ["current_password"]}}
    )

    username: Username | SkipJsonSchema[None] = None
    password: Password | SkipJsonSchema[None] = None
    current_password: (
        Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH)] | SkipJsonSchema[None]
    ) = None


class UserAdminUpdate(PartialUpdate):
    """What an administrator may change about a user: any of `is_active` and `role`."""

    # Strict: the schema says boolean, so 0, 1 and "no" are 422s, not a quiet guess.
    is_active: StrictBool | SkipJsonSchema[None] = Field(
        default=None, description="false ends every token of the user and refuses their logins."
    )
    role: Role | SkipJsonSchema[None] = None


class UserOut(TypedDict):
    id: Annotated[int, Field(examples=[7])]
    email: Annotated[str, Field(examples=["ada@example.com"])]
    username: Annotated[str, Field(examples=["ada"])]
    role: Role
    is_active: bool
    created_at: datetime


_USER_FIELDS = tuple(UserOut.__annotations__)


def user_out(user: User) -> UserOut:
    """The fields UserOut declares, read from the user, and nothing else (a password hash)."""
    return cast(UserOut, {name: getattr(user, name) for name in _USER_FIELDS})


class LoginForm(BaseModel):
    """The OAuth2 password grant's form (RFC 6749 4.3.2): the e-mail is the username."""

    username: str = Field(max_length=MAX_EMAIL_LENGTH, description="The e-mail address.")
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    grant_type: Annotated[str, StringConstraints(pattern="^password$")] | SkipJsonSchema[None] = (
        None
    )


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_in: int = Field(description="Seconds until the token expires.", examples=[3600])


USER_JSON: JsonBody[UserOut] = JsonBody(UserOut)
USER_PAGE_JSON = page_json(UserOut)
TOKEN_JSON: JsonBody[TokenOut] = JsonBody(TokenOut)
