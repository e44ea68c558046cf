"""Keyset-paginated lists on the wire: the domain's `Page`, as
`{"items": [...], "next_cursor": ...}`."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import ConfigDict, with_config

from shop.api.responses import JsonBody
from shop.api.schemas.fields import Cursor
from shop.domain.limits import MAX_PAGE_SIZE
from shop.domain.pagination import Page

PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
"""The `limit` of a list route; its default is `DEFAULT_PAGE_SIZE`."""
PageCursor = Annotated[Cursor | None, Query()]
"""The `cursor` of a list route: where the page starts, or the first page when absent."""

Item = TypeVar("Item")
Out = TypeVar("Out")


def _wire_schema(schema: dict[str, Any]) -> None:
    # The title would be the class's name, "Page" for every item type, and client generators
    # name models by title (two models "Page"); untitled, they use the component's name,
    # which pydantic makes one per item type (`Page_ProductOut_`).
    del schema["title"]
    schema["properties"]["next_cursor"]["examples"] = ["WyJpZCIsNDJd"]


# One Page for the domain and the wire: its field docstrings are the OpenAPI descriptions.
with_config(ConfigDict(use_attribute_docstrings=True, json_schema_extra=_wire_schema))(Page)


def page_out(page: Page[Item], item_out: Callable[[Item], Out]) -> Page[Out]:
    """The same page with every item in its wire form."""
    return Page([item_out(item) for item in page.items], page.next_cursor)


def page_json(item: type[Out]) -> JsonBody[Page[Out]]:
    """The response body of a page of `item`s (after the config above, which it needs)."""
    return JsonBody(Page[item])  # type: ignore[valid-type]  # a runtime alias, which is right
