"""Thin `async def` providers that hand routes their services from the container.

`async def` on purpose: FastAPI runs sync callables (and dependency-injector's `Provide`
marker is one) in its thread pool on every request.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from shop.domain.order_service import OrderService
from shop.domain.product_service import ProductService
from shop.domain.readiness import ReadinessProbe
from shop.domain.user_service import UserService
from shop.domain.users import InvalidToken, User

# auto_error=False: a missing token is answered by the problem handlers, as problem+json.
bearer_token = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def _from_container(provider: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency that calls the container's provider of that name (a factory), so tests
    that override the provider are obeyed."""

    async def provide(request: Request) -> Any:
        return getattr(request.app.state.container, provider)()

    provide.__name__ = provider
    return provide


product_service: Callable[[Request], Awaitable[ProductService]] = _from_container("product_service")
order_service: Callable[[Request], Awaitable[OrderService]] = _from_container("order_service")
readiness_probe: Callable[[Request], Awaitable[ReadinessProbe]] = _from_container("readiness_probe")
user_service: Callable[[Request], Awaitable[UserService]] = _from_container("user_service")

Products = Annotated[ProductService, Depends(product_service)]
Orders = Annotated[OrderService, Depends(order_service)]
Users = Annotated[UserService, Depends(user_service)]


async def current_user(
    token: Annotated[str | None, Depends(bearer_token)],
    users: Users,
) -> User:
    """The caller, from `Authorization: Bearer <token>`; 401 when absent or not valid."""
    if token is None:
        raise InvalidToken
    return await users.user_for_token(token)


CurrentUser = Annotated[User, Depends(current_user)]


async def client_address(request: Request) -> str:
    """The address logins and registrations are throttled by: the connection's peer.

    Behind a proxy that is the proxy, unless FORWARDED_ALLOW_IPS names it, in which case the
    server has already replaced it with the client its X-Forwarded-For names.
    """
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
