"""Reading one product (GET /products/{id}): its ETag, conditional reads, impossible ids."""

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import DB_INT_MAX, create_product, product_body
from tests.integration.problems import assert_problem
from tests.integration.products.catalogue import assert_product_shape, product_rows


async def test_reading_a_product_answers_200_with_its_etag(client: AsyncClient) -> None:
    created = await client.post("/products", json=product_body())
    product_id = created.json()["id"]

    response = await client.get(f"/products/{product_id}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert_product_shape(response.json())
    assert response.json() == created.json()
    assert response.headers["etag"] == created.headers["etag"]


async def test_reading_a_missing_product_is_a_404_problem(client: AsyncClient) -> None:
    await create_product(client)

    problem = assert_problem(await client.get("/products/999"), 404)

    assert "999" in problem["detail"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("product_id", ["99999999999999999999", "2147483648", "0", "-1", "abc"])
async def test_an_impossible_product_id_is_refused_as_a_client_error(
    client: AsyncClient, db: AsyncEngine, method: str, product_id: str
) -> None:
    await create_product(client)
    before = await product_rows(db)

    body = {"name": "Renamed"} if method == "PATCH" else None
    response = await client.request(method, f"/products/{product_id}", json=body)

    assert response.status_code in {404, 422}
    assert_problem(response, response.status_code)
    assert await product_rows(db) == before


async def test_the_largest_possible_id_is_simply_not_found(client: AsyncClient) -> None:
    assert_problem(await client.get(f"/products/{DB_INT_MAX}"), 404)


@pytest.mark.parametrize("form", ["{etag}", "W/{etag}", '"nope", {etag}', "*"])
async def test_if_none_match_naming_the_current_etag_is_a_304_without_a_body(
    client: AsyncClient, form: str
) -> None:
    created = await client.post("/products", json=product_body())
    etag = created.headers["etag"]

    response = await client.get(
        created.headers["location"], headers={"If-None-Match": form.format(etag=etag)}
    )

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag


async def test_if_none_match_with_an_old_etag_gets_the_product_again(client: AsyncClient) -> None:
    created = await client.post("/products", json=product_body())
    old_etag = created.headers["etag"]
    await client.patch(created.headers["location"], json={"quantity": 1})

    response = await client.get(created.headers["location"], headers={"If-None-Match": old_etag})

    assert response.status_code == 200
    assert response.json()["quantity"] == 1
    assert response.headers["etag"] != old_etag
