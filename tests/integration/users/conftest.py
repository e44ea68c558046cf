"""The fixture users by name, for the users tests parametrized over who calls."""

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.plugins.users import Caller


@pytest.fixture
def everyone(admin: "Caller", customer: "Caller", other_customer: "Caller") -> dict[str, "Caller"]:
    """The fixture users by fixture name, for tests parametrized over who calls."""
    return {"admin": admin, "customer": customer, "other_customer": other_customer}
