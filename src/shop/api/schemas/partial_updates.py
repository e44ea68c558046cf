"""PATCH bodies: only the fields sent are changed, and sending null is refused where a field
cannot be empty."""

from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator


class PartialUpdate(BaseModel):
    """A body whose fields all default to None, which only means "not sent" (the schemas hide
    it with `SkipJsonSchema`); read the fields in `model_fields_set`, never the defaults."""

    model_config = ConfigDict(extra="forbid")

    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    """The fields that may be sent as null, to empty them."""

    @model_validator(mode="after")
    def _sent_fields_are_not_null(self) -> Self:
        for field in sorted(self.model_fields_set - self.NULLABLE):
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self
