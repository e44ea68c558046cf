"""A body in a media type the operation does not read is a 415 problem, and changes nothing."""

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import create_product, rows
from tests.integration.problems import assert_problem
from tests.plugins.users import Caller

PRODUCT = '{"name": "Kettle", "price": "20.00", "quantity": 3}'


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("text/plain", PRODUCT, id="text"),
        pytest.param("application/xml", "<product><name>Kettle</name></product>", id="xml"),
        pytest.param("application/x-www-form-urlencoded", "name=Kettle", id="form"),
        pytest.param(None, PRODUCT, id="no content type"),
    ],
)
async def test_a_product_sent_as_anything_but_json_is_a_415(
    client: AsyncClient, admin: Caller, db: AsyncEngine, content_type: str | None, body: str
) -> None:
    headers = dict(admin.headers)
    if content_type:
        headers["content-type"] = content_type

    response = await client.post("/products", content=body, headers=headers)

    problem = assert_problem(response, 415)
    assert problem["title"] == "Unsupported Media Type"
    assert "application/json" in problem["detail"]
    assert response.headers["accept-post"] == "application/json"
    assert await rows(db, "SELECT id FROM products") == []


async def test_a_patch_in_text_is_a_415_that_names_what_it_accepts(
    client: AsyncClient, admin: Caller
) -> None:
    product = await create_product(client, admin, "Kettle", price="20.00", quantity=3)

    response = await client.patch(
        f"/products/{product['id']}",
        content='{"quantity": 1}',
        headers={**admin.headers, "content-type": "text/plain"},
    )

    assert_problem(response, 415)
    assert response.headers["accept-patch"] == "application/json"


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", "application/x+json"]
)
async def test_json_media_types_with_parameters_or_suffixes_are_read(
    client: AsyncClient, admin: Caller, content_type: str
) -> None:
    response = await client.post(
        "/products", content=PRODUCT, headers={**admin.headers, "content-type": content_type}
    )

    assert response.status_code == 201, response.text


async def test_the_login_form_in_json_is_a_415(client: AsyncClient, customer: Caller) -> None:
    response = await client.post(
        "/auth/token", json={"username": customer.email, "password": customer.password}
    )

    assert_problem(response, 415)
    assert response.headers["accept-post"] == (
        "application/x-www-form-urlencoded, multipart/form-data"
    )


async def test_an_empty_body_without_a_type_is_still_a_422_that_asks_for_it(
    client: AsyncClient, admin: Caller
) -> None:
    response = await client.post("/products", headers=admin.headers)

    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body"]
