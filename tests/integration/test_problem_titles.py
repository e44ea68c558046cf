"""A problem's title is its status's RFC 9110 reason phrase; messages carry no library prefix."""

from httpx import AsyncClient

from tests.integration.problems import assert_problem
from tests.plugins.users import Caller


async def test_titles_are_the_reason_phrases_whoever_raised_the_error(
    client: AsyncClient, customer: Caller
) -> None:
    answers = [
        ("Not Found", await client.get("/products/999")),  # the domain's
        ("Not Found", await client.get("/no-such-path")),  # the router's
        ("Unauthorized", await client.get("/users/me")),
        ("Forbidden", await client.get("/users", headers=customer.headers)),
        ("Unprocessable Content", await client.get("/products", params={"limit": 0})),
        ("Unprocessable Content", await client.get("/products", params={"cursor": "forged"})),
        ("Method Not Allowed", await client.put("/products")),
    ]
    for title, response in answers:
        problem = assert_problem(response, response.status_code)
        assert problem["title"] == title, (response.request.url, problem)


async def test_our_own_validation_messages_come_without_pydantics_prefix(
    client: AsyncClient, admin: Caller
) -> None:
    response = await client.post(
        "/products",
        json={"name": "Kettle", "price": "1.999", "quantity": "5"},
        headers=admin.headers,
    )

    problem = assert_problem(response, 422)
    messages = {tuple(e["loc"]): e["msg"] for e in problem["errors"]}
    assert messages[("body", "price")] == (
        "a price is written like 19.99: digits, at most two decimal places"
    )
    assert messages[("body", "quantity")] == "must be a JSON integer"
    assert not any("Value error" in message for message in messages.values())


async def test_a_whole_price_may_still_be_a_json_number(client: AsyncClient, admin: Caller) -> None:
    response = await client.post(
        "/products", json={"name": "Kettle", "price": 20, "quantity": 5}, headers=admin.headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["price"] == "20.00"
