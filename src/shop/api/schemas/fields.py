"""Field types shared by the schemas: the wire form of the domain's rules.

Each type's OpenAPI schema says exactly what its validation accepts, so clients (and
schema-driven fuzzers) can tell valid input from invalid without trying it.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from shop.domain.errors import InvalidInput
from shop.domain.limits import MAX_ID, MAX_PRICE

# PostgreSQL refuses NUL in text, so it is refused here, where the client can be told.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK_NO_NUL = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _json_integer(value: object) -> object:
    """JSON Schema's integer: 5 and 5.0, never "5" or true."""
    if isinstance(value, str | bool):
        raise ValueError("must be a JSON integer")
    return value


def domain_rule(check: Callable[[str], str]) -> AfterValidator:
    """A domain's check as a field validator: the rule stays the domain's, and a refusal is
    a 422 that names the field, with the domain's message."""

    def validate(value: str) -> str:
        try:
            return check(value)
        except InvalidInput as refusal:
            raise ValueError(str(refusal)) from None

    return AfterValidator(validate)


JSON_INTEGER = BeforeValidator(_json_integer)
"""Put last in an `Annotated` int of a JSON body, after its bounds (so the schema shows them)."""

Id = Annotated[int, Field(ge=1, le=MAX_ID, examples=[42])]


def _id_in_path(entity: str) -> Any:
    """The `{id}` path parameter of an `entity`."""
    return Path(ge=1, le=MAX_ID, description=f"The {entity}'s id.")


# The `{id}` in the path of each resource's routes.
ProductId = Annotated[int, _id_in_path("product")]
UserId = Annotated[int, _id_in_path("user")]
OrderId = Annotated[int, _id_in_path("order")]


PRICE_TEXT = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"
# Exact by construction: a decimal string, or a whole number. A JSON number with cents
# (19.99) is still read, at most two places, but the schema does not offer it: it would
# need `multipleOf: 0.01`, which float arithmetic cannot check (validators refuse 0.07).
_PRICE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": PRICE_TEXT},
        {"type": "integer", "minimum": 0, "maximum": int(MAX_PRICE)},
    ],
    "description": "A decimal string with at most two places, 0 to 9999999999.99, "
    "or a whole number.",
    "examples": ["19.99"],
}


def _price_text(value: object) -> object:
    """Decimal strings in the plain form the schema names; numbers are checked as numbers."""
    if isinstance(value, str) and not re.fullmatch(PRICE_TEXT, value):
        raise ValueError("a price is written like 19.99: digits, at most two decimal places")
    return value


PriceIn = Annotated[
    Decimal,
    BeforeValidator(_price_text),
    Field(ge=0, le=MAX_PRICE, max_digits=12, decimal_places=2, allow_inf_nan=False),
    WithJsonSchema(_PRICE_SCHEMA),
]

PriceOut = Annotated[
    Decimal,
    PlainSerializer(lambda price: f"{price:.2f}", return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]+\.[0-9]{2}$",
            "description": "A decimal string with two places.",
            "examples": ["19.99"],
        },
        mode="serialization",
    ),
]

PlainText = Annotated[str, StringConstraints(pattern=NO_NUL)]

CURSOR = r"^[A-Za-z0-9_-]{1,512}$"
Cursor = Annotated[
    str,
    StringConstraints(pattern=CURSOR),
    Field(description="`next_cursor` of the previous page, as it was given."),
]
