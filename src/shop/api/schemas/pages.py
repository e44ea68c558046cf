"""Keyset-paginated lists: `{"items": [...], "next_cursor": ...}`."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page.",
        examples=["WyJpZCIsNDJd"],
    )
