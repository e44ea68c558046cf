"""Thin `async def` providers that hand routes their services from the container.

`async def` on purpose: FastAPI runs sync callables (and dependency-injector's `Provide`
marker is one) in its thread pool on every request.
"""

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from shop.container import Container
from shop.domain.order_service import OrderService
from shop.domain.product_service import ProductService
from shop.domain.readiness import ReadinessProbe
from shop.domain.user_service import UserService
from shop.domain.users import InvalidToken, User

# auto_error=False: a missing token is answered by the problem handlers, as problem+json.
bearer_token = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def container_of(request: Request) -> Container:
    return cast(Container, request.app.state.container)


async def product_service(request: Request) -> ProductService:
    product_service: ProductService = container_of(request).product_service()
    return product_service


async def order_service(request: Request) -> OrderService:
    service: OrderService = container_of(request).order_service()
    return service


async def readiness_probe(request: Request) -> ReadinessProbe:
    probe: ReadinessProbe = container_of(request).readiness_probe()
    return probe


async def user_service(request: Request) -> UserService:
    service: UserService = container_of(request).user_service()
    return service


async def current_user(
    token: Annotated[str | None, Depends(bearer_token)],
    users: Annotated[UserService, Depends(user_service)],
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
