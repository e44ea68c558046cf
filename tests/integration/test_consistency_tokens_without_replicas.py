"""Without read replicas every read is on the primary: no consistency token is given out,
read or documented (with replicas: test_read_replicas)."""

from httpx import AsyncClient

from tests.integration.helpers import create_product
from tests.plugins.users import Caller

TOKEN = "X-Consistency-Token"


async def test_a_write_answers_without_a_token(client: AsyncClient, admin: Caller) -> None:
    created = await client.post(
        "/products", json={"name": "Kettle", "price": "20.00", "quantity": 3}, headers=admin.headers
    )

    assert created.status_code == 201
    assert TOKEN.lower() not in created.headers


async def test_a_read_ignores_a_token_it_could_not_have_given_out(
    client: AsyncClient, admin: Caller
) -> None:
    product = await create_product(client, admin, "Kettle", price="20.00", quantity=3)

    answer = await client.get(f"/products/{product['id']}", headers={TOKEN: "not-a-position"})

    assert answer.status_code == 200
    assert answer.json()["name"] == "Kettle"


async def test_the_openapi_document_does_not_mention_the_token(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).text

    assert TOKEN not in document
