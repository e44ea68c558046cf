"""Orders on the wire."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from shop.api.responses import JsonBody
from shop.api.schemas.fields import JSON_INTEGER, PriceOut
from shop.api.schemas.pages import page_json
from shop.domain.limits import MAX_ID, MAX_LINE_QUANTITY, MAX_LINES
from shop.domain.orders import (
    Order,
    OrderItem,
    OrderRequest,
    OrderStatus,
)


class OrderItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Annotated[int, Field(ge=1, le=MAX_ID, examples=[42]), JSON_INTEGER]
    quantity: Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY, examples=[2]), JSON_INTEGER]


class OrderCreate(BaseModel):
    """1 to 50 lines; a product appears at most once."""

    model_config = ConfigDict(extra="forbid")

    items: Annotated[list[OrderItemIn], Field(min_length=1, max_length=MAX_LINES)]

    def to_request(self) -> OrderRequest:
        return OrderRequest(tuple(OrderItem(i.product_id, i.quantity) for i in self.items))


class OrderLineOut(TypedDict):
    product_id: Annotated[int, Field(examples=[42])]
    product_name: Annotated[str, Field(examples=["Espresso machine"])]
    quantity: Annotated[int, Field(examples=[2])]
    unit_price: PriceOut
    line_total: PriceOut


class OrderOut(TypedDict):
    id: Annotated[int, Field(examples=[1001])]
    user_id: Annotated[int, Field(examples=[7])]
    status: OrderStatus
    items: list[OrderLineOut]
    total: PriceOut
    created_at: datetime
    updated_at: datetime


def order_out(order: Order) -> OrderOut:
    items: list[OrderLineOut] = [
        {
            "product_id": line.product_id,
            "product_name": line.product_name,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "line_total": line.line_total,
        }
        for line in order.lines
    ]
    return {
        "id": order.id,
        "user_id": order.user_id,
        "status": order.status,
        "items": items,
        "total": order.total,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


ORDER_JSON: JsonBody[OrderOut] = JsonBody(OrderOut)
ORDER_PAGE_JSON = page_json(OrderOut)
