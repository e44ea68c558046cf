"""The world every authorization case runs in, made fresh for each."""

from typing import TYPE_CHECKING

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.authorization.calls import FORGED_AUTHORIZATION, World, deleted_user_headers
from tests.integration.authorization.matrix import (
    ADMIN,
    ANONYMOUS,
    CUSTOMER,
    DELETED_USER,
    OTHER_CUSTOMER,
    PRODUCT_STOCK,
)
from tests.integration.helpers import create_product

if TYPE_CHECKING:
    from shop.container import Container
    from tests.plugins.users import Caller


@pytest.fixture
async def world(
    request: pytest.FixtureRequest,
    container: "Container",
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
) -> World:
    caller: str = request.param
    product = await create_product(
        client, admin, "Desk lamp", price="30.00", quantity=PRODUCT_STOCK
    )

    own_id, other_id = customer.id, other_customer.id
    headers: dict[str, str] = {}
    if caller in (CUSTOMER, OTHER_CUSTOMER, ADMIN):
        me = {CUSTOMER: customer, OTHER_CUSTOMER: other_customer, ADMIN: admin}[caller]
        headers, own_id = me.headers, me.id
        other_id = customer.id if me is not customer else other_customer.id
    elif caller == DELETED_USER:
        own_id, headers = await deleted_user_headers(container, client, db)
    elif caller in FORGED_AUTHORIZATION:
        headers = {"Authorization": FORGED_AUTHORIZATION[caller](customer.id)}
    else:
        assert caller == ANONYMOUS, f"no credentials defined for {caller!r}"
    return World(admin, customer, other_customer, product["id"], caller, headers, own_id, other_id)
