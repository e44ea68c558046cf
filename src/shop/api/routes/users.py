"""Registration, the caller's own profile, and (for admins) everyone's."""

from fastapi import Request, Response

from shop.api.dependencies import CurrentUser, client_address, user_service
from shop.api.problems import problem_responses
from shop.api.routes import listing_route, resource_router
from shop.api.schemas.fields import UserId
from shop.api.schemas.pages import PageCursor, PageSize, page_out
from shop.api.schemas.users import (
    USER_JSON,
    USER_PAGE_JSON,
    UserAdminUpdate,
    UserCreate,
    UserUpdate,
    user_out,
)
from shop.domain.limits import DEFAULT_PAGE_SIZE

router = resource_router("users")


@router.post(
    "",
    status_code=201,
    response_model=USER_JSON.model,
    responses={
        201: {"headers": {"Location": {"schema": {"type": "string"}}}},
        **problem_responses(409, 422, 429, 503),
    },
)
async def register_user(body: UserCreate, request: Request) -> Response:
    """Register a customer. Throttled per client address: 429 with `Retry-After` (seconds)."""
    user = await user_service(request).register_user(
        body.email, body.username, body.password, client_address(request)
    )
    location = request.app.url_path_for("get_user", user_id=user.id)
    return USER_JSON.response(user_out(user), status_code=201, headers={"Location": location})


@router.get("/me", response_model=USER_JSON.model, responses=problem_responses(401, 503))
async def get_current_user(caller: CurrentUser) -> Response:
    return USER_JSON.response(user_out(caller))


@router.patch(
    "/me", response_model=USER_JSON.model, responses=problem_responses(401, 403, 409, 422, 503)
)
async def update_current_user(body: UserUpdate, caller: CurrentUser, request: Request) -> Response:
    """Rename, or change the password (403 when `current_password` is wrong)."""
    user = await user_service(request).change_profile(
        caller, body.username, body.password, body.current_password
    )
    return USER_JSON.response(user_out(user))


@listing_route(router, USER_PAGE_JSON)
async def list_users(
    caller: CurrentUser,
    request: Request,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Response:
    """Every user, in id order (admins only)."""
    page = await user_service(request).list_users(caller, limit, cursor)
    return USER_PAGE_JSON.response(page_out(page, user_out))


@router.get(
    "/{user_id}", response_model=USER_JSON.model, responses=problem_responses(401, 404, 422, 503)
)
async def get_user(user_id: UserId, caller: CurrentUser, request: Request) -> Response:
    """A user: admins see anyone, a customer only themself (anyone else is a 404)."""
    return USER_JSON.response(user_out(await user_service(request).get_user(caller, user_id)))


@router.patch(
    "/{user_id}",
    response_model=USER_JSON.model,
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def administer_user(
    user_id: UserId, body: UserAdminUpdate, caller: CurrentUser, request: Request
) -> Response:
    """Deactivate or reactivate a user, or change their role (admins only).

    Deactivating ends every token the user holds and refuses their logins; their orders stay.
    """
    user = await user_service(request).administer_user(
        caller, user_id, is_active=body.is_active, role=body.role
    )
    return USER_JSON.response(user_out(user))
