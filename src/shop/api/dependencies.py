"""What routes take from the app and the request: services, the caller, the client's address.

A route asks the container for a service with a plain call, `product_service(request)`, not
through `Depends`. FastAPI solves every `Depends` anew on each request, and one costs about
75,000 instructions: 8.6% of a product read under `make bench-instructions` (872k against
797k per request, December 2026), for a value that needs nothing from the request but its
app. The calls still go to the container's providers, so tests that override a provider are
obeyed. The caller stays a dependency: `Depends(bearer_token)` is what puts the bearer
scheme, and the 401 it may bring, in the OpenAPI document.
"""

from typing import Annotated

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


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def product_service(request: Request) -> ProductService:
    return _container(request).product_service()


def order_service(request: Request) -> OrderService:
    return _container(request).order_service()


def user_service(request: Request) -> UserService:
    return _container(request).user_service()


def readiness_probe(request: Request) -> ReadinessProbe:
    return _container(request).readiness_probe()


async def current_user(
    request: Request, token: Annotated[str | None, Depends(bearer_token)]
) -> User:
    """The caller, from `Authorization: Bearer <token>`; 401 when absent or not valid."""
    if token is None:
        raise InvalidToken
    return await user_service(request).user_for_token(token)


CurrentUser = Annotated[User, Depends(current_user)]


def client_address(request: Request) -> str:
    """The address logins and registrations are throttled by: the connection's peer.

    Behind a proxy that is the proxy, unless FORWARDED_ALLOW_IPS names it, in which case the
    server has already replaced it with the client its X-Forwarded-For names.
    """
    return request.client.host if request.client else "unknown"
