"""Field types shared by the schemas: the wire form of the domain's rules."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, StringConstraints

from shop.domain.products import MAX_PRICE

# PostgreSQL refuses NUL in text, so it is refused here, where the client can be told.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK_NO_NUL = r"^[^\x00]*[^\s\x00][^\x00]*$"

DB_INT_MAX = 2_147_483_647

Id = Annotated[int, Field(ge=1, le=DB_INT_MAX, examples=[42])]

PriceIn = Annotated[
    Decimal,
    Field(
        ge=0,
        le=MAX_PRICE,
        max_digits=12,
        decimal_places=2,
        allow_inf_nan=False,
        description="A JSON number or a decimal string, at most two decimal places.",
        examples=["19.99"],
    ),
]

PriceOut = Annotated[
    Decimal,
    PlainSerializer(lambda price: f"{price:.2f}", return_type=str, when_used="json"),
    Field(description="A decimal string with two places.", examples=["19.99"]),
]

PlainText = Annotated[str, StringConstraints(pattern=NO_NUL)]
