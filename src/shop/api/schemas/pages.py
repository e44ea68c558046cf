"""Keyset-paginated lists on the wire: the domain's `Page`, as
`{"items": [...], "next_cursor": ...}`."""

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ConfigDict, with_config

from shop.api.responses import JsonBody
from shop.domain.pagination import Page

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
