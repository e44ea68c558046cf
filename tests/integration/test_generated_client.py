"""A consumer's journey through a client generated from the live /openapi.json, and nothing else.

openapi-python-client writes the client into a temporary directory while the test runs (it is
never committed); the test imports it and does everything a shop customer and an admin do
through its typed functions and models: errors included, which must arrive as typed problems.
"""

import importlib
import subprocess
import sys
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from shop.container import Container
from tests.plugins.processes import LiveServer

PACKAGE = "shop_api_client"
ADMIN = ("client-admin@example.com", "client-admin-password")
CUSTOMER = ("grace@example.com", "grace", "client-customer-password")
# No formatting of the generated code: nothing here reads it but the interpreter.
GENERATOR_CONFIG = "post_hooks: []\n"

pytestmark = pytest.mark.slow


class GeneratedClient:
    """The generated package, imported: `api("products.list_products")`, `models.ProductOut`."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.client_module = importlib.import_module(PACKAGE)

    def api(self, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{name}")

    def anonymous(self) -> Any:
        return self.client_module.Client(base_url=self.base_url, raise_on_unexpected_status=True)

    def as_user(self, token: str) -> Any:
        return self.client_module.AuthenticatedClient(
            base_url=self.base_url, token=token, raise_on_unexpected_status=True
        )


def generate_client(openapi_url: str, directory: Path) -> None:
    config = directory / "generator.yaml"
    config.write_text(GENERATOR_CONFIG)
    result = subprocess.run(  # noqa: S603 - the project's own dev tool, fixed arguments
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--url",
            openapi_url,
            "--output-path",
            str(directory / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The generator reports what it could not turn into code as warnings, and carries on.
    assert "Warning" not in output, output


@pytest.fixture
def generated(live_server: LiveServer, tmp_path: Path) -> Iterator[GeneratedClient]:
    generate_client(f"{live_server.base_url}/openapi.json", tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield GeneratedClient(live_server.base_url)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


async def log_in(shop: GeneratedClient, email: str, password: str) -> str:
    response = await shop.api("auth.issue_token").asyncio_detailed(
        client=shop.anonymous(), body=shop.models.LoginForm(username=email, password=password)
    )
    assert response.status_code == HTTPStatus.OK, response.content
    token = response.parsed
    assert isinstance(token, shop.models.TokenOut)
    return str(token.access_token)


async def stock_the_shop(shop: GeneratedClient, admin: Any) -> list[Any]:
    create = shop.api("products.create_product")
    products = []
    for number, (name, price) in enumerate(
        [("Espresso machine", "199.90"), ("Grinder", 80), ("Kettle", "24.50")], start=1
    ):
        body = shop.models.ProductCreate(name=name, price=price, quantity=5 * number)
        response = await create.asyncio_detailed(client=admin, body=body)
        assert response.status_code == HTTPStatus.CREATED, response.content
        assert isinstance(response.parsed, shop.models.ProductOut)
        products.append(response.parsed)
    return products


async def every_product(shop: GeneratedClient, client: Any) -> list[Any]:
    """Page through the catalogue two at a time, cheapest first, until next_cursor is null."""
    list_products = shop.api("products.list_products")
    seen, cursor = [], importlib.import_module(f"{PACKAGE}.types").UNSET
    for _ in range(10):
        response = await list_products.asyncio_detailed(
            client=client, limit=2, cursor=cursor, sort=shop.models.ProductSort.PRICE
        )
        assert response.status_code == HTTPStatus.OK, response.content
        page = response.parsed
        assert isinstance(page, shop.models.PageProductOut)
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor
    pytest.fail("next_cursor never ended")


async def test_a_consumer_shops_with_nothing_but_the_generated_client(
    live_server: LiveServer, generated: GeneratedClient, container: Container
) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        validate((await http.get("/openapi.json")).json())
    shop, models = generated, generated.models
    try:
        await container.user_service().create_admin(ADMIN[0], "client_admin", ADMIN[1])
    finally:
        await container.engine().dispose()
    admin = shop.as_user(await log_in(shop, *ADMIN))
    espresso, grinder, kettle = await stock_the_shop(shop, admin)

    email, username, password = CUSTOMER
    registered = await shop.api("users.register_user").asyncio_detailed(
        client=shop.anonymous(),
        body=models.UserCreate(email=email, username=username, password=password),
    )
    assert registered.status_code == HTTPStatus.CREATED, registered.content
    assert isinstance(registered.parsed, models.UserOut)
    assert registered.parsed.role == models.Role.CUSTOMER
    customer = shop.as_user(await log_in(shop, email, password))

    catalogue = await every_product(shop, customer)
    assert [p.name for p in catalogue] == ["Kettle", "Grinder", "Espresso machine"]
    assert [p.price for p in catalogue] == ["24.50", "80.00", "199.90"]

    place_order = shop.api("orders.place_order")
    order_body = models.OrderCreate(items=[models.OrderItemIn(product_id=espresso.id, quantity=2)])
    placed = await place_order.asyncio_detailed(
        client=customer, body=order_body, idempotency_key="journey-1"
    )
    assert placed.status_code == HTTPStatus.CREATED, placed.content
    order = placed.parsed
    assert isinstance(order, models.OrderOut)
    assert order.status == models.OrderStatus.PENDING
    assert order.total == "399.80"

    replayed = await place_order.asyncio_detailed(
        client=customer, body=order_body, idempotency_key="journey-1"
    )
    assert replayed.status_code == HTTPStatus.OK, replayed.content
    assert isinstance(replayed.parsed, models.OrderOut)
    assert replayed.parsed.id == order.id
    assert replayed.headers["idempotent-replayed"] == "true"

    paid = await shop.api("orders.pay_order").asyncio_detailed(order.id, client=customer)
    assert paid.status_code == HTTPStatus.OK, paid.content
    read_back = await shop.api("orders.get_order").asyncio_detailed(order.id, client=customer)
    assert isinstance(read_back.parsed, models.OrderOut)
    assert read_back.parsed.status == models.OrderStatus.PAID
    assert [(line.product_name, line.quantity) for line in read_back.parsed.items] == [
        ("Espresso machine", 2)
    ]

    second = await place_order.asyncio_detailed(
        client=customer,
        body=models.OrderCreate(items=[models.OrderItemIn(product_id=kettle.id, quantity=3)]),
    )
    assert isinstance(second.parsed, models.OrderOut), second.content
    cancelled = await shop.api("orders.cancel_order").asyncio_detailed(
        second.parsed.id, client=customer
    )
    assert isinstance(cancelled.parsed, models.OrderOut), cancelled.content
    assert cancelled.parsed.status == models.OrderStatus.CANCELLED
    kettle_now = await shop.api("products.get_product").asyncio_detailed(kettle.id, client=customer)
    assert isinstance(kettle_now.parsed, models.ProductOut)
    assert kettle_now.parsed.quantity == kettle.quantity  # the stock came back

    await a_stale_if_match_is_a_typed_412(shop, admin, grinder.id)
    await an_order_beyond_the_stock_is_a_typed_409(shop, customer, grinder.id)


async def a_stale_if_match_is_a_typed_412(shop: GeneratedClient, admin: Any, product: int) -> None:
    models, update = shop.models, shop.api("products.update_product")
    read = await shop.api("products.get_product").asyncio_detailed(product, client=admin)
    etag = read.headers["etag"]
    changed = await update.asyncio_detailed(
        product, client=admin, body=models.ProductUpdate(price="79.00"), if_match=etag
    )
    assert changed.status_code == HTTPStatus.OK, changed.content

    stale = await update.asyncio_detailed(
        product, client=admin, body=models.ProductUpdate(price="78.00"), if_match=etag
    )

    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
    problem = stale.parsed
    assert isinstance(problem, models.Problem), stale.content
    assert (problem.status, problem.title) == (412, "Precondition Failed")
    assert problem.type_ == "urn:problem:shop:stale-product"


async def an_order_beyond_the_stock_is_a_typed_409(
    shop: GeneratedClient, customer: Any, product: int
) -> None:
    models = shop.models
    response = await shop.api("orders.place_order").asyncio_detailed(
        client=customer,
        body=models.OrderCreate(items=[models.OrderItemIn(product_id=product, quantity=999)]),
    )

    assert response.status_code == HTTPStatus.CONFLICT
    problem = response.parsed
    assert isinstance(problem, models.Problem), response.content
    assert (problem.status, problem.type_) == (409, "urn:problem:shop:out-of-stock")
    assert "Grinder" in problem.detail
