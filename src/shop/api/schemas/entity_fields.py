"""Response models filled from domain entities, field by field, by the names they share."""

from typing import Any, TypeVar

from pydantic import BaseModel

Out = TypeVar("Out", bound=BaseModel)


def out_of(out: type[Out], entity: object, **given: Any) -> Out:
    """An `out` whose fields are the entity's attributes of the same names, except those
    `given`. Only the fields `out` declares are read, so nothing else of the entity (a
    password hash) reaches a response; not validated again (`model_construct`), as the
    entity already holds the domain's checked values."""
    taken = {name: getattr(entity, name) for name in out.model_fields if name not in given}
    return out.model_construct(**taken, **given)
