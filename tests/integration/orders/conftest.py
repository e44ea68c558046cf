"""Two products on the shelf, added by the admin through the API, for the orders tests."""

from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient

from tests.integration.helpers import create_product

if TYPE_CHECKING:
    from tests.plugins.users import Caller


@pytest.fixture
async def espresso(client: AsyncClient, admin: "Caller") -> dict[str, Any]:
    return await create_product(client, admin, "Espresso machine", price="249.90", quantity=10)


@pytest.fixture
async def beans(client: AsyncClient, admin: "Caller") -> dict[str, Any]:
    return await create_product(client, admin, "Coffee beans", price="0.99", quantity=50)
