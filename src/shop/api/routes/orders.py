"""Orders: place, list, read, and move through pending -> paid -> shipped, or cancelled."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Header, Query, Request, Response
from pydantic import StringConstraints
from pydantic.json_schema import SkipJsonSchema

from shop.api.dependencies import CurrentUser, order_service
from shop.api.problems import problem_responses
from shop.api.routes import listing_route, resource_router
from shop.api.schemas.fields import Id, OrderId
from shop.api.schemas.orders import ORDER_JSON, ORDER_PAGE_JSON, OrderCreate, OrderOut, order_out
from shop.api.schemas.pages import PageCursor, PageSize, page_out
from shop.domain.limits import (
    DEFAULT_PAGE_SIZE,
    MAX_IDEMPOTENCY_KEY_LENGTH,
)
from shop.domain.order_service import OrderService
from shop.domain.orders import Order, OrderStatus
from shop.domain.users import User

router = resource_router("orders")

MoveOrder = Callable[[OrderService, User, int], Awaitable[Order]]
# Printable ASCII without spaces; the constraints sit on `str` so the schema shows them.
KeyText = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH, pattern=r"^[\x21-\x7e]+$"
    ),
]
IdempotencyKey = Annotated[
    KeyText | SkipJsonSchema[None],
    Header(description="Makes retries safe: the same key and body return the first order."),
]


@router.post(
    "",
    status_code=201,
    response_model=ORDER_JSON.model,
    responses={
        200: {
            "model": OrderOut,
            "description": "A retry with the same Idempotency-Key and body: the first order.",
            "headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}},
        },
        201: {"headers": {"Location": {"schema": {"type": "string"}}}},
        **problem_responses(401, 409, 422, 503),
    },
)
async def place_order(
    body: OrderCreate,
    caller: CurrentUser,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Order some products: every line is served, or none is (409 names the short product)."""
    placement = await order_service(request).place_order(caller, body.to_request(), idempotency_key)
    headers = {"Location": request.app.url_path_for("get_order", order_id=placement.order.id)}
    if placement.replayed:
        headers["Idempotent-Replayed"] = "true"
    status = 200 if placement.replayed else 201
    return ORDER_JSON.response(order_out(placement.order), status_code=status, headers=headers)


@listing_route(router, ORDER_PAGE_JSON)
async def list_orders(
    caller: CurrentUser,
    request: Request,
    status: OrderStatus | None = None,
    user_id: Annotated[Id | None, Query(description="Admins: only this user's orders.")] = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
) -> Response:
    """The caller's orders, newest first; an admin sees everyone's."""
    page = await order_service(request).list_orders(
        caller, limit, cursor, status=status, user_id=user_id
    )
    return ORDER_PAGE_JSON.response(page_out(page, order_out))


@router.get(
    "/{order_id}", response_model=ORDER_JSON.model, responses=problem_responses(401, 404, 422, 503)
)
async def get_order(order_id: OrderId, caller: CurrentUser, request: Request) -> Response:
    return ORDER_JSON.response(order_out(await order_service(request).get_order(caller, order_id)))


# The moves through an order's states: POST /orders/{id}/<action>, answered with the order.
_MOVES: tuple[tuple[str, MoveOrder, str, tuple[int, ...]], ...] = (
    ("pay", OrderService.pay_order, "Its owner pays a pending order.", (403, 409)),
    ("ship", OrderService.ship_order, "An admin ships a paid order.", (403, 409)),
    (
        "cancel",
        OrderService.cancel_order,
        "Its owner or an admin cancels a pending or paid order; its stock goes back.",
        (409,),
    ),
)


def _add_move(action: str, move: MoveOrder, description: str, statuses: tuple[int, ...]) -> None:
    async def endpoint(order_id: OrderId, caller: CurrentUser, request: Request) -> Response:
        order = await move(order_service(request), caller, order_id)
        return ORDER_JSON.response(order_out(order))

    router.add_api_route(
        f"/{{order_id}}/{action}",
        endpoint,
        methods=["POST"],
        name=f"{action}_order",
        description=description,
        response_model=ORDER_JSON.model,
        responses=problem_responses(*sorted({401, 404, 422, 503, *statuses})),
    )


for _move in _MOVES:
    _add_move(*_move)
