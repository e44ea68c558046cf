"""The one way routes answer with JSON: a body type declared once, serialized once."""

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from fastapi import Response
from pydantic import TypeAdapter

Body = TypeVar("Body")


class JsonBody(Generic[Body]):
    """A response body type: the route's `response_model` and its serializer in one object.

    A route declares `response_model=X.model` and returns `X.response(value)`, so what the
    OpenAPI document promises and what is sent come from the same type. The value is
    serialized once by pydantic, from what the domain has already checked: no validation
    pass and no second serialization through FastAPI's response model (the product read
    and the page of 20 were already answered this way, for speed).
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self._adapter: TypeAdapter[Body] = TypeAdapter(model)

    def response(
        self, body: Body, *, status_code: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        return Response(
            self._adapter.dump_json(body),
            status_code=status_code,
            headers=headers,
            media_type="application/json",
        )
