"""Every request in the products tests is made as an admin unless a test takes the token away."""

from typing import TYPE_CHECKING

import pytest
from httpx import AsyncClient

if TYPE_CHECKING:
    from tests.plugins.users import Caller


@pytest.fixture(autouse=True)
def _as_admin(client: AsyncClient, admin: "Caller") -> None:
    """Writes need an admin; reads don't care, so every request here is made as one."""
    client.headers.update(admin.headers)
