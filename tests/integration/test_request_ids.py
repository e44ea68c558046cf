"""Request ids: one the client sends is echoed when sane; otherwise one is generated.

Every route answers with an X-Request-ID, whatever its status: the id sent when it is sane,
else a new one, never the same twice.
"""

import re
from typing import TYPE_CHECKING

import pytest
from httpx import AsyncClient

from tests.integration.helpers import GENERATED_REQUEST_ID, create_product, product_body

if TYPE_CHECKING:
    from tests.plugins.users import Caller

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@pytest.fixture
def admin_client(client: AsyncClient, admin: "Caller") -> AsyncClient:
    """The client sending the admin's token with every request, so that writes go through."""
    client.headers.update(admin.headers)
    return client


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health/live", 200),
        ("GET", "/no/such/route", 404),
        ("GET", "/users/me", 401),
        ("POST", "/users", 422),
    ],
)
async def test_a_sane_request_id_is_echoed_on_every_response(
    client: AsyncClient, method: str, path: str, status: int
) -> None:
    sent = "client-chosen_id.42:a"
    response = await client.request(method, path, json={}, headers={"X-Request-ID": sent})

    assert response.status_code == status
    assert response.headers["X-Request-ID"] == sent


async def test_a_request_id_that_is_sent_is_echoed(admin_client: AsyncClient) -> None:
    product = await create_product(admin_client)
    requests = [
        ("GET", "/products"),
        ("GET", f"/products/{product['id']}"),
        ("GET", "/products/999"),
        ("PUT", "/products"),
        ("DELETE", f"/products/{product['id']}"),
    ]

    for method, path in requests:
        response = await admin_client.request(method, path, headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123", (method, path)


async def test_every_response_carries_a_generated_request_id_when_none_is_sent(
    admin_client: AsyncClient,
) -> None:
    created = await admin_client.post("/products", json=product_body())
    responses = [
        created,
        await admin_client.get(created.headers["location"]),
        await admin_client.get(
            created.headers["location"], headers={"If-None-Match": created.headers["etag"]}
        ),
        await admin_client.get("/products", params={"limit": 0}),
        await admin_client.put("/products"),
        await admin_client.delete(created.headers["location"]),
    ]

    request_ids = [response.headers.get("x-request-id") for response in responses]
    assert [response.status_code for response in responses] == [201, 200, 304, 422, 405, 204]
    assert all(rid and SANE_REQUEST_ID.fullmatch(rid) for rid in request_ids), request_ids
    assert len(set(request_ids)) == len(request_ids)


@pytest.mark.parametrize(
    "sent",
    [None, "has spaces in it", "a;b=c", "x" * 129, ""],
    ids=["none", "spaces", "punctuation", "too-long", "empty"],
)
async def test_a_missing_or_unsafe_request_id_is_replaced_by_a_generated_one(
    client: AsyncClient, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = await client.get("/health/live", headers=headers)
    second = await client.get("/health/live", headers=headers)

    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(GENERATED_REQUEST_ID.fullmatch(i) for i in ids), ids
    assert ids[0] != ids[1]


@pytest.mark.parametrize(
    "insane", ["a" * 300, "has spaces", "semi;colon", "<script>", 'quote"d', "ümlaut".encode()]
)
async def test_an_insane_request_id_is_replaced(client: AsyncClient, insane: str | bytes) -> None:
    response = await client.get("/products", headers={"X-Request-ID": insane})

    request_id = response.headers["x-request-id"]
    assert request_id != (insane if isinstance(insane, str) else insane.decode("latin-1"))
    assert SANE_REQUEST_ID.fullmatch(request_id)
