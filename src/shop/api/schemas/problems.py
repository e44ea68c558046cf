"""Problem details (RFC 9457) as documented in the OpenAPI schema."""

from pydantic import BaseModel, Field


class Problem(BaseModel):
    type: str = Field(examples=["urn:problem:shop:product-not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(ge=100, le=599, examples=[404])
    detail: str = Field(examples=["Product 42 does not exist."])
    instance: str = Field(examples=["/products/42"])


class ValidationErrorItem(BaseModel):
    loc: list[str | int] = Field(examples=[["body", "price"]])
    msg: str = Field(examples=["Decimal input should have no more than 2 decimal places"])
    type: str = Field(examples=["decimal_max_places"])


class ValidationProblem(Problem):
    errors: list[ValidationErrorItem]
