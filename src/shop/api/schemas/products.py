"""Products on the wire."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema
from typing_extensions import TypedDict

from shop.api.responses import JsonBody
from shop.api.schemas.fields import (
    JSON_INTEGER,
    NO_NUL,
    NOT_BLANK_NO_NUL,
    PlainText,
    PriceIn,
    PriceOut,
)
from shop.api.schemas.pages import page_json
from shop.api.schemas.partial_updates import PartialUpdate
from shop.domain.limits import MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_STOCK_QUANTITY
from shop.domain.product_listing import ProductSortField
from shop.domain.products import (
    NewProduct,
    Product,
    ProductChanges,
)

ProductName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NOT_BLANK_NO_NUL),
    Field(examples=["Espresso machine"]),
]
Description = Annotated[
    PlainText, Field(max_length=MAX_DESCRIPTION_LENGTH, examples=["15 bar, stainless steel"])
]
StockQuantity = Annotated[int, Field(ge=0, le=MAX_STOCK_QUANTITY, examples=[12]), JSON_INTEGER]


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ProductName
    description: Description | None = None
    price: PriceIn
    quantity: StockQuantity

    def to_new_product(self) -> NewProduct:
        return NewProduct(
            name=self.name, description=self.description, price=self.price, quantity=self.quantity
        )


class ProductUpdate(PartialUpdate):
    """Any subset of the fields; `description` may be set to null, the others may not."""

    NULLABLE = frozenset({"description"})

    # SkipJsonSchema: None is only the "not sent" default; the schema does not offer null.
    name: ProductName | SkipJsonSchema[None] = None
    description: Description | None = None
    price: PriceIn | SkipJsonSchema[None] = None
    quantity: StockQuantity | SkipJsonSchema[None] = None

    def changes(self) -> ProductChanges:
        return ProductChanges(**self.model_dump(include=self.model_fields_set))


class ProductOut(TypedDict):
    """A product as responses show it."""

    id: Annotated[int, Field(examples=[42])]
    name: Annotated[str, Field(examples=["Espresso machine"])]
    description: Annotated[str | None, Field(examples=["15 bar, stainless steel"])]
    price: PriceOut
    quantity: Annotated[int, Field(examples=[12], description="Stock on hand.")]
    created_at: datetime
    updated_at: datetime


def product_out(product: Product) -> ProductOut:
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "price": product.price,
        "quantity": product.quantity,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


PRODUCT_JSON: JsonBody[ProductOut] = JsonBody(ProductOut)
PRODUCT_PAGE_JSON = page_json(ProductOut)


class ProductSort(StrEnum):
    """A product field to sort by; a leading `-` sorts in descending order."""

    # Spelled from the domain's sort fields, so a new field is offered without a second list.
    _ignore_ = "spellings field"
    spellings = vars()
    for field in ProductSortField:
        spellings[field.name] = str(field)
        spellings[f"{field.name}_DESC"] = f"-{field}"

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Names for the values too (`x-enum-varnames`): generators cannot name `-id`."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        schema["x-enum-varnames"] = [member.name for member in cls]
        return schema


SearchText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NO_NUL)
]
