"""HEAD is served wherever GET is: the GET's status and headers, and no body."""

from httpx import AsyncClient

from tests.integration.helpers import create_product
from tests.integration.problems import assert_problem
from tests.plugins.users import Caller


async def test_head_on_the_product_list_is_the_get_without_its_body(
    client: AsyncClient, admin: Caller
) -> None:
    await create_product(client, admin, "Kettle", price="20.00", quantity=3)
    get = await client.get("/products")

    head = await client.head("/products")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["x-request-id"]


async def test_head_on_a_product_carries_its_etag(client: AsyncClient, admin: Caller) -> None:
    product = await create_product(client, admin, "Kettle", price="20.00", quantity=3)
    get = await client.get(f"/products/{product['id']}")

    head = await client.head(f"/products/{product['id']}")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]


async def test_head_of_a_missing_product_is_a_404_without_a_body(client: AsyncClient) -> None:
    head = await client.head("/products/999")

    assert head.status_code == 404
    assert head.content == b""
    assert head.headers["content-type"].startswith("application/problem+json")


async def test_head_on_health_and_the_docs(client: AsyncClient) -> None:
    for path in ("/health/live", "/health/ready", "/openapi.json", "/docs", "/redoc"):
        head = await client.head(path)
        assert (head.status_code, head.content) == (200, b""), path


async def test_head_where_no_get_is_served_is_a_405_that_lists_the_methods(
    client: AsyncClient,
) -> None:
    response = await client.head("/auth/token")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_a_405_names_head_beside_get(client: AsyncClient) -> None:
    response = await client.put("/products")

    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD, POST"
