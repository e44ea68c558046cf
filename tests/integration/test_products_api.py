"""The products endpoints over HTTP, as a client sees them, checked against the rows behind them.

Every request is made as an admin (the `admin` fixture's token) unless a test says otherwise:
only the tests of authentication and permissions send other credentials, or none.
"""

import base64
import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import MISSING, cursor_of, rows, walk_pages, with_overrides
from tests.integration.problems import assert_problem, error_fields

if TYPE_CHECKING:
    from tests.plugins.users import Caller

PRODUCT_KEYS = {"id", "name", "description", "price", "quantity", "created_at", "updated_at"}
STRONG_ETAG = re.compile(r'"[^"]*"')
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
JSON_HEADERS = {"Content-Type": "application/json"}
DB_INT_MAX = 2_147_483_647

# A catalogue with ties on name (up to case), on price, and on stock, and both price extremes.
CATALOGUE = [
    ("Apple", "5.00", 3),
    ("apple", "5.00", 0),
    ("Banana", "0.00", 7),
    ("banana", "12.50", 0),
    ("Cherry", "5.00", 1),
    ("cherry pie", "12.50", 2),
    ("Date", "9999999999.99", 0),
    ("Elderberry", "0.99", 4),
    ("Fig", "5.00", 0),
    ("Grape", "12.50", 9),
    ("Grape", "3.10", 1),
    ("Grape", "3.10", 0),
    ("Kiwi", "100.00", 5),
    ("Lime", "0.00", 0),
]


# --- helpers -----------------------------------------------------------------------------------


def product_body(**overrides: Any) -> dict[str, Any]:
    """A valid create body; `overrides` replace fields, and a field set to MISSING is left out."""
    body = {"name": "Espresso machine", "description": "15 bar", "price": "249.90", "quantity": 12}
    return with_overrides(body, **overrides)


async def create_product(client: AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/products", json=product_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def create_catalogue(client: AsyncClient) -> list[dict[str, Any]]:
    return [
        await create_product(client, name=name, price=price, quantity=quantity)
        for name, price, quantity in CATALOGUE
    ]


async def send(client: AsyncClient, method: str, url: str, body: Any, **headers: str) -> Response:
    """Send `body` as JSON, or verbatim when it is a str (for malformed or non-standard JSON)."""
    if isinstance(body, str):
        return await client.request(method, url, content=body, headers={**JSON_HEADERS, **headers})
    return await client.request(method, url, json=body, headers=headers)


async def product_rows(db: AsyncEngine) -> list[dict[str, Any]]:
    return await rows(db, "SELECT * FROM products ORDER BY id")


async def product_row(db: AsyncEngine, product_id: int) -> dict[str, Any] | None:
    found = await rows(db, "SELECT * FROM products WHERE id = :id", id=product_id)
    return found[0] if found else None


async def add_order_for(db: AsyncEngine, product_id: int) -> None:
    async with db.begin() as connection:
        user_id = (
            await connection.execute(
                text(
                    "INSERT INTO users (email, username, hashed_password) "
                    "VALUES ('buyer@example.com', 'buyer', 'not-a-real-hash') RETURNING id"
                )
            )
        ).scalar_one()
        await connection.execute(
            text(
                "WITH o AS (INSERT INTO orders (user_id, total) VALUES (:u, 1) RETURNING id) "
                "INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price)"
                " SELECT o.id, :p, 'x', 1, 1 FROM o"
            ),
            {"u": user_id, "p": product_id},
        )


def assert_product_shape(product: dict[str, Any]) -> None:
    assert product.keys() == PRODUCT_KEYS
    assert isinstance(product["price"], str)
    assert re.fullmatch(r"\d+\.\d\d", product["price"]), product["price"]
    for stamp in ("created_at", "updated_at"):
        assert datetime.fromisoformat(product[stamp]).utcoffset() is not None


async def walk(client: AsyncClient, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a products listing, following next_cursor until it is null."""
    return await walk_pages(client, "/products", **params)


def ids(products: list[dict[str, Any]]) -> list[int]:
    return [product["id"] for product in products]


# Each sort order as SQL: the oracle for listings (the database's collation orders names).
SORTED_IDS_SQL = {
    "id": "SELECT id FROM products ORDER BY id",
    "-id": "SELECT id FROM products ORDER BY id DESC",
    "name": "SELECT id FROM products ORDER BY name, id",
    "-name": "SELECT id FROM products ORDER BY name DESC, id DESC",
    "price": "SELECT id FROM products ORDER BY price, id",
    "-price": "SELECT id FROM products ORDER BY price DESC, id DESC",
    "created_at": "SELECT id FROM products ORDER BY created_at, id",
    "-created_at": "SELECT id FROM products ORDER BY created_at DESC, id DESC",
}
SORTS = list(SORTED_IDS_SQL)


@pytest.fixture(autouse=True)
def _as_admin(client: AsyncClient, admin: "Caller") -> None:
    """Writes need an admin; reads don't care, so every request here is made as one."""
    client.headers.update(admin.headers)


async def send_without_credentials(
    client: AsyncClient, method: str, url: str, body: Any = None
) -> Response:
    request = client.build_request(method, url, json=body)
    del request.headers["Authorization"]
    return await client.send(request)


# --- POST /products ----------------------------------------------------------------------------


async def test_creating_a_product_answers_201_with_location_etag_and_the_product(
    client: AsyncClient, db: AsyncEngine
) -> None:
    response = await client.post("/products", json=product_body())

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    product = response.json()
    assert_product_shape(product)
    assert product["name"] == "Espresso machine"
    assert product["description"] == "15 bar"
    assert product["price"] == "249.90"
    assert product["quantity"] == 12
    assert product["created_at"] == product["updated_at"]
    assert response.headers["location"] == f"/products/{product['id']}"
    assert STRONG_ETAG.fullmatch(response.headers["etag"])

    row = await product_row(db, product["id"])
    assert row is not None
    assert (row["name"], row["description"], row["price"], row["quantity"]) == (
        "Espresso machine",
        "15 bar",
        Decimal("249.90"),
        12,
    )


async def test_the_location_of_a_new_product_serves_it_with_the_same_etag(
    client: AsyncClient,
) -> None:
    created = await client.post("/products", json=product_body())

    fetched = await client.get(created.headers["location"])

    assert fetched.status_code == 200
    assert fetched.json() == created.json()
    assert fetched.headers["etag"] == created.headers["etag"]


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        (1500, "1500.00"),
        ("1500", "1500.00"),
        ("1500.00", "1500.00"),
        (19.99, "19.99"),
        ("19.99", "19.99"),
        (0.1, "0.10"),
        ("1.5", "1.50"),
        (0, "0.00"),
        ("0.00", "0.00"),
        (9999999999.99, "9999999999.99"),
        ("9999999999.99", "9999999999.99"),
    ],
)
async def test_a_price_sent_as_number_or_string_is_stored_exactly_and_shown_with_two_places(
    client: AsyncClient, db: AsyncEngine, sent: Any, shown: str
) -> None:
    product = await create_product(client, price=sent)

    assert product["price"] == shown
    [row] = await rows(
        db, "SELECT price, price::text AS price_text FROM products WHERE id = :id", id=product["id"]
    )
    assert row["price"] == Decimal(shown)
    assert row["price_text"] == shown
    assert (await client.get(f"/products/{product['id']}")).json()["price"] == shown


async def test_the_description_is_optional_and_then_null(
    client: AsyncClient, db: AsyncEngine
) -> None:
    product = await create_product(client, description=MISSING)

    assert product["description"] is None
    row = await product_row(db, product["id"])
    assert row is not None
    assert row["description"] is None


async def test_names_at_the_limits_are_kept_as_sent(client: AsyncClient, db: AsyncEngine) -> None:
    longest = "é" * 200
    padded = "  Padded name  "

    first = await create_product(client, name=longest)
    second = await create_product(client, name=padded)

    assert first["name"] == longest
    assert second["name"] == padded
    assert [row["name"] for row in await product_rows(db)] == [longest, padded]


async def test_quantity_bounds_are_inclusive(client: AsyncClient) -> None:
    assert (await create_product(client, quantity=0))["quantity"] == 0
    assert (await create_product(client, quantity=DB_INT_MAX))["quantity"] == DB_INT_MAX


BAD_CREATE_BODIES = [
    pytest.param(product_body(price=-1), "price", id="negative price"),
    pytest.param(product_body(price="-0.01"), "price", id="negative price string"),
    pytest.param(product_body(price="1.999"), "price", id="three decimals as string"),
    pytest.param(product_body(price=1.999), "price", id="three decimals as number"),
    pytest.param(product_body(price="NaN"), "price", id="NaN string"),
    pytest.param(product_body(price="Infinity"), "price", id="Infinity string"),
    pytest.param(product_body(price="-Infinity"), "price", id="minus Infinity string"),
    pytest.param(
        '{"name": "x", "price": NaN, "quantity": 1}', "price", id="NaN literal in the JSON"
    ),
    pytest.param('{"name": "x", "price": Infinity, "quantity": 1}', "price", id="Infinity literal"),
    pytest.param('{"name": "x", "price": 1e400, "quantity": 1}', "price", id="number overflow"),
    pytest.param(product_body(price="10000000000.00"), "price", id="price over the maximum"),
    pytest.param(product_body(price=10000000000), "price", id="price over the maximum, number"),
    pytest.param(product_body(price="abc"), "price", id="price not a number"),
    pytest.param(product_body(price=True), "price", id="price a boolean"),
    pytest.param(product_body(name="n" * 300), "name", id="300-char name"),
    pytest.param(product_body(name="n" * 201), "name", id="201-char name"),
    pytest.param(product_body(name=""), "name", id="empty name"),
    pytest.param(product_body(name="   \t\n"), "name", id="whitespace-only name"),
    pytest.param(product_body(name="nul\x00byte"), "name", id="NUL in the name"),
    pytest.param('{"name": "\\ud800", "price": 1, "quantity": 1}', "name", id="lone surrogate"),
    pytest.param(product_body(name=42), "name", id="name a number"),
    pytest.param(product_body(description="nul\x00byte"), "description", id="NUL in description"),
    pytest.param(product_body(description="d" * 5001), "description", id="5001-char description"),
    pytest.param(product_body(quantity=-1), "quantity", id="quantity -1"),
    pytest.param(product_body(quantity=DB_INT_MAX + 1), "quantity", id="quantity 2147483648"),
    pytest.param(product_body(quantity="5"), "quantity", id="quantity as string"),
    pytest.param(product_body(quantity=5.5), "quantity", id="quantity as float"),
    pytest.param(product_body(quantity=True), "quantity", id="quantity a boolean"),
    pytest.param(product_body(colour="red"), "colour", id="unknown extra field"),
    pytest.param(product_body(name=None), "name", id="null name"),
    pytest.param(product_body(name=MISSING), "name", id="missing name"),
    pytest.param(product_body(price=MISSING), "price", id="missing price"),
    pytest.param(product_body(quantity=MISSING), "quantity", id="missing quantity"),
    pytest.param({}, "name", id="empty object"),
    pytest.param('{"name": "x", "price": 1,', None, id="truncated JSON"),
    pytest.param("{'name': 'x'}", None, id="single-quoted pseudo JSON"),
    pytest.param("", None, id="no body at all"),
    pytest.param("[]", None, id="a list instead of an object"),
    pytest.param('"a string"', None, id="a string instead of an object"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATE_BODIES)
async def test_bad_input_on_create_is_a_422_problem_and_writes_nothing(
    client: AsyncClient, db: AsyncEngine, body: Any, field: str | None
) -> None:
    response = await send(client, "POST", "/products", body)

    problem = assert_problem(response, 422)
    if field is not None:
        assert field in error_fields(problem), problem["errors"]
    assert "location" not in response.headers
    assert "etag" not in response.headers
    assert await product_rows(db) == []


async def test_a_body_that_is_not_utf8_is_a_client_error_and_writes_nothing(
    client: AsyncClient, db: AsyncEngine
) -> None:
    response = await client.post("/products", content=b"\xff\xfe", headers=JSON_HEADERS)

    assert response.status_code in {400, 422}
    assert_problem(response, response.status_code)
    assert await product_rows(db) == []


# --- GET /products/{id} ------------------------------------------------------------------------


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


# --- GET /products: paging ---------------------------------------------------------------------


async def insert_products(db: AsyncEngine, count: int) -> None:
    async with db.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO products (name, price, quantity) "
                "SELECT 'Bulk ' || n, n, n FROM generate_series(1, :count) AS n"
            ),
            {"count": count},
        )


async def test_an_empty_catalogue_is_one_empty_page(client: AsyncClient) -> None:
    response = await client.get("/products")

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_a_listing_holds_20_products_by_default(client: AsyncClient, db: AsyncEngine) -> None:
    await insert_products(db, 25)

    first = (await client.get("/products")).json()
    second = (await client.get("/products", params={"cursor": first["next_cursor"]})).json()

    assert len(first["items"]) == 20
    assert isinstance(first["next_cursor"], str)
    assert len(second["items"]) == 5
    assert second["next_cursor"] is None
    for item in first["items"] + second["items"]:
        assert_product_shape(item)


async def test_a_page_that_takes_the_last_product_has_no_next_cursor(
    client: AsyncClient, db: AsyncEngine
) -> None:
    await insert_products(db, 20)

    page = (await client.get("/products")).json()

    assert len(page["items"]) == 20
    assert page["next_cursor"] is None


@pytest.mark.parametrize("limit", [1, 100])
async def test_limits_from_1_to_100_are_accepted(
    client: AsyncClient, db: AsyncEngine, limit: int
) -> None:
    await insert_products(db, 101)

    page = (await client.get("/products", params={"limit": limit})).json()

    assert len(page["items"]) == limit
    assert page["next_cursor"] is not None


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5", ""])
async def test_a_limit_outside_1_to_100_is_a_422_problem(client: AsyncClient, limit: str) -> None:
    problem = assert_problem(await client.get("/products", params={"limit": limit}), 422)

    assert "limit" in error_fields(problem)


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", [1, 4])
async def test_walking_every_page_lists_each_product_once_in_sort_order(
    client: AsyncClient, db: AsyncEngine, sort: str, limit: int
) -> None:
    await create_catalogue(client)
    # Products imported together share a creation time: ties for created_at too.
    async with db.begin() as connection:
        await connection.execute(
            text("UPDATE products SET created_at = '2026-01-01T00:00:00Z' WHERE id % 3 = 0")
        )

    pages = await walk(client, sort=sort, limit=limit)

    listed = [product for page in pages for product in page]
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit
    assert ids(listed) == [row["id"] for row in await rows(db, SORTED_IDS_SQL[sort])]


@pytest.mark.parametrize("sort", ["price", "-price", "created_at", "-created_at"])
async def test_ties_are_broken_by_id_in_the_direction_of_the_sort(
    client: AsyncClient, db: AsyncEngine, sort: str
) -> None:
    await create_catalogue(client)
    async with db.begin() as connection:
        await connection.execute(
            text("UPDATE products SET created_at = '2026-01-01T00:00:00Z' WHERE id % 3 = 0")
        )
    field = sort.removeprefix("-")
    descending = sort.startswith("-")

    listed = [product for page in await walk(client, sort=sort, limit=3) for product in page]

    def key(product: dict[str, Any]) -> tuple[Any, int]:
        value = product[field]
        typed = Decimal(value) if field == "price" else datetime.fromisoformat(value)
        return (typed, product["id"])

    assert listed == sorted(listed, key=key, reverse=descending)
    assert len({key(product)[0] for product in listed}) < len(listed), "the catalogue has ties"


@pytest.mark.parametrize("sort", ["name", "-name"])
async def test_products_with_the_same_name_are_ordered_by_id(
    client: AsyncClient, sort: str
) -> None:
    await create_catalogue(client)

    listed = [product for page in await walk(client, sort=sort, limit=2) for product in page]

    grapes = [product["id"] for product in listed if product["name"] == "Grape"]
    assert len(grapes) == 3
    assert grapes == sorted(grapes, reverse=sort.startswith("-"))


async def test_the_default_sort_is_by_id(client: AsyncClient) -> None:
    catalogue = await create_catalogue(client)

    listed = [product for page in await walk(client, limit=5) for product in page]

    assert ids(listed) == sorted(ids(catalogue))
    assert listed == catalogue


async def test_an_unknown_sort_is_a_422_problem(client: AsyncClient) -> None:
    for sort in ["colour", "--id", "+price", "ID", ""]:
        problem = assert_problem(await client.get("/products", params={"sort": sort}), 422)
        assert "sort" in error_fields(problem)


# --- GET /products: filters --------------------------------------------------------------------


async def listed_names(client: AsyncClient, **params: Any) -> list[str]:
    pages = await walk(client, limit=100, **params)
    return [product["name"] for page in pages for product in page]


async def test_q_finds_names_containing_it_whatever_the_case(client: AsyncClient) -> None:
    for name in ["Red Apple", "apple pie", "PINEAPPLE", "Banana", "Appel"]:
        await create_product(client, name=name)

    assert await listed_names(client, q="APPLE") == ["Red Apple", "apple pie", "PINEAPPLE"]
    assert await listed_names(client, q="pLe P") == ["apple pie"]
    assert await listed_names(client, q="cherry") == []


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("%", ["100% cotton"]),
        ("0%", ["100% cotton"]),
        ("_", ["a_b"]),
        ("a_b", ["a_b"]),
        ("\\", ["back\\slash"]),
        ("'", ["it's"]),
    ],
)
async def test_like_wildcards_in_q_are_taken_literally(
    client: AsyncClient, q: str, found: list[str]
) -> None:
    for name in ["100% cotton", "100 cotton", "a_b", "axb", "ab", "back\\slash", "it's"]:
        await create_product(client, name=name)

    assert await listed_names(client, q=q) == found


async def test_min_and_max_price_are_inclusive_bounds(client: AsyncClient) -> None:
    await create_catalogue(client)

    prices = [
        Decimal(product["price"])
        for page in await walk(client, min_price="3.10", max_price="12.50", sort="price")
        for product in page
    ]

    assert prices == sorted(
        Decimal(price)
        for _, price, _ in CATALOGUE
        if Decimal("3.10") <= Decimal(price) <= Decimal("12.50")
    )
    assert prices[0] == Decimal("3.10")
    assert prices[-1] == Decimal("12.50")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"min_price": "100"}, lambda price, quantity: price >= 100),
        ({"max_price": "0"}, lambda price, quantity: price == 0),
        ({"max_price": 5}, lambda price, quantity: price <= 5),
        ({"in_stock": "true"}, lambda price, quantity: quantity > 0),
        ({"in_stock": "false"}, lambda price, quantity: quantity == 0),
        ({"min_price": "5", "max_price": "5"}, lambda price, quantity: price == 5),
        (
            {"min_price": "1", "max_price": "20", "in_stock": "false"},
            lambda price, quantity: 1 <= price <= 20 and quantity == 0,
        ),
    ],
    ids=["min", "max 0", "max as int", "in stock", "sold out", "min = max", "combined"],
)
async def test_price_and_stock_filters_keep_exactly_the_matching_products(
    client: AsyncClient, params: dict[str, Any], expected: Any
) -> None:
    catalogue = await create_catalogue(client)

    listed = [product for page in await walk(client, limit=3, **params) for product in page]

    assert ids(listed) == [
        product["id"]
        for product in catalogue
        if expected(Decimal(product["price"]), product["quantity"])
    ]


async def test_all_filters_combine_and_page_in_any_order(
    client: AsyncClient, db: AsyncEngine
) -> None:
    await create_catalogue(client)

    listed = [
        product
        for page in await walk(
            client,
            q="GRAPE",
            min_price="3.10",
            max_price="12.50",
            in_stock="true",
            sort="-price",
            limit=1,
        )
        for product in page
    ]

    expected = await rows(
        db,
        "SELECT id FROM products WHERE name ILIKE '%grape%' AND price BETWEEN 3.10 AND 12.50 "
        "AND quantity > 0 ORDER BY price DESC, id DESC",
    )
    assert ids(listed) == [row["id"] for row in expected]
    assert len(listed) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_price": "10", "max_price": "9.99"}, "min_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"max_price": "10000000000"}, "max_price"),
        ({"min_price": "1.999"}, "min_price"),
        ({"min_price": "NaN"}, "min_price"),
        ({"max_price": "Infinity"}, "max_price"),
        ({"max_price": "cheap"}, "max_price"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"q": ""}, "q"),
        ({"q": "n" * 201}, "q"),
        ({"q": "nul\x00"}, "q"),
    ],
)
async def test_a_bad_filter_is_a_422_problem(
    client: AsyncClient, params: dict[str, str], field: str
) -> None:
    await create_catalogue(client)

    problem = assert_problem(await client.get("/products", params=params), 422)

    assert field in error_fields(problem)


# --- GET /products: cursors --------------------------------------------------------------------

GARBAGE_CURSORS = [
    pytest.param("garbage", id="garbage"),
    pytest.param("!!!", id="punctuation"),
    pytest.param("", id="empty"),
    pytest.param("ü", id="not ascii"),
    pytest.param("A" * 600, id="too long"),
    pytest.param(base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(), id="base64 of bytes"),
    pytest.param(cursor_of({"a": 1}), id="JSON object"),
    pytest.param(cursor_of([1, 2, 3]), id="list of numbers"),
    pytest.param(cursor_of(None), id="JSON null"),
    pytest.param(cursor_of([]), id="empty list"),
    pytest.param(cursor_of(["id"]), id="no key"),
    pytest.param(cursor_of(["id", 1, 2]), id="key too long"),
    pytest.param(cursor_of(["id", "1"]), id="id as string"),
    pytest.param(cursor_of(["id", 1.5]), id="id as float"),
    pytest.param(cursor_of(["id", True]), id="id as boolean"),
    pytest.param(cursor_of(["id", [1]]), id="id as list"),
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
async def test_a_garbage_cursor_is_a_422_problem(client: AsyncClient, cursor: str) -> None:
    await create_catalogue(client)

    problem = assert_problem(await client.get("/products", params={"cursor": cursor}), 422)

    assert "cursor" in error_fields(problem)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        pytest.param("id", [DB_INT_MAX + 1], id="id beyond the integer column"),
        pytest.param("id", [99999999999999999999], id="huge id"),
        pytest.param("name", ["Apple", 99999999999999999999], id="huge tie-breaking id"),
        pytest.param("price", ["5.00", -99999999999999999999], id="huge negative id"),
        pytest.param("name", ["nul\x00", 1], id="NUL in the name"),
        pytest.param("name", ["\ud800", 1], id="lone surrogate in the name"),
        pytest.param("price", ["abc", 1], id="price not a number"),
        pytest.param("price", ["NaN", 1], id="price NaN"),
        pytest.param("price", ["1e999999", 1], id="price beyond NUMERIC"),
        pytest.param("created_at", ["yesterday", 1], id="not a timestamp"),
        pytest.param("created_at", ["9999-12-31T23:59:59-14:00", 1], id="timestamp past year 9999"),
        pytest.param("created_at", ["0001-01-01T00:00:00+14:00", 1], id="timestamp before year 1"),
        pytest.param("-name", [5, 1], id="name as number"),
    ],
)
async def test_a_forged_cursor_with_impossible_values_is_a_422_problem(
    client: AsyncClient, sort: str, key: list[Any]
) -> None:
    await create_catalogue(client)

    response = await client.get(
        "/products", params={"sort": sort, "cursor": cursor_of([sort, *key])}
    )

    problem = assert_problem(response, 422)
    assert "cursor" in error_fields(problem)


@pytest.mark.parametrize(
    ("made_for", "used_with"), [("price", "name"), ("id", "-id"), ("name", "id")]
)
async def test_a_cursor_from_another_sort_order_is_a_422_problem(
    client: AsyncClient, made_for: str, used_with: str
) -> None:
    await create_catalogue(client)
    first = (await client.get("/products", params={"sort": made_for, "limit": 2})).json()

    response = await client.get(
        "/products", params={"sort": used_with, "cursor": first["next_cursor"]}
    )

    problem = assert_problem(response, 422)
    assert "cursor" in error_fields(problem)


async def test_a_cursor_keeps_working_after_its_product_is_deleted(client: AsyncClient) -> None:
    catalogue = await create_catalogue(client)
    first = (await client.get("/products", params={"limit": 2})).json()
    await client.delete(f"/products/{first['items'][-1]['id']}")

    second = await client.get("/products", params={"limit": 2, "cursor": first["next_cursor"]})

    assert second.status_code == 200
    assert ids(second.json()["items"]) == ids(catalogue[2:4])


# --- PATCH /products/{id} ----------------------------------------------------------------------


async def test_a_partial_update_changes_only_the_given_fields(
    client: AsyncClient, db: AsyncEngine
) -> None:
    created = await client.post("/products", json=product_body())
    before = created.json()

    response = await client.patch(created.headers["location"], json={"price": "12.50"})

    assert response.status_code == 200
    after = response.json()
    assert_product_shape(after)
    assert after["price"] == "12.50"
    unchanged = PRODUCT_KEYS - {"price", "updated_at"}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    row = await product_row(db, before["id"])
    assert row is not None
    assert (row["name"], row["description"], row["price"], row["quantity"]) == (
        "Espresso machine",
        "15 bar",
        Decimal("12.50"),
        12,
    )
    assert (await client.get(created.headers["location"])).json() == after


async def test_an_update_gives_a_new_etag_and_moves_updated_at_forward(
    client: AsyncClient,
) -> None:
    created = await client.post("/products", json=product_body())

    response = await client.patch(created.headers["location"], json={"name": "Grinder"})

    assert STRONG_ETAG.fullmatch(response.headers["etag"])
    assert response.headers["etag"] != created.headers["etag"]
    before, after = created.json(), response.json()
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(
        before["updated_at"]
    )
    assert after["created_at"] == before["created_at"]
    fetched = await client.get(created.headers["location"])
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_every_update_gives_an_etag_never_seen_before(client: AsyncClient) -> None:
    created = await client.post("/products", json=product_body())
    etags = [created.headers["etag"]]

    for quantity in range(1, 6):
        response = await client.patch(created.headers["location"], json={"quantity": quantity})
        etags.append(response.headers["etag"])

    assert len(set(etags)) == len(etags)


async def test_an_update_may_change_every_field_at_once(
    client: AsyncClient, db: AsyncEngine
) -> None:
    product = await create_product(client)
    changes = {"name": "Grinder", "description": "Burr", "price": 80, "quantity": 0}

    response = await client.patch(f"/products/{product['id']}", json=changes)

    assert response.status_code == 200
    assert {key: response.json()[key] for key in changes} == {**changes, "price": "80.00"}
    row = await product_row(db, product["id"])
    assert row is not None
    assert (row["name"], row["description"], row["price"], row["quantity"]) == (
        "Grinder",
        "Burr",
        Decimal("80.00"),
        0,
    )


@pytest.mark.parametrize("if_match", ["{etag}", '"0", {etag}', "*"])
async def test_if_match_with_the_current_etag_or_a_star_lets_the_update_through(
    client: AsyncClient, db: AsyncEngine, if_match: str
) -> None:
    created = await client.post("/products", json=product_body())

    response = await client.patch(
        created.headers["location"],
        json={"quantity": 3},
        headers={"If-Match": if_match.format(etag=created.headers["etag"])},
    )

    assert response.status_code == 200
    assert response.json()["quantity"] == 3
    row = await product_row(db, created.json()["id"])
    assert row is not None
    assert row["quantity"] == 3


@pytest.mark.parametrize(
    ("stale", "status"), [("old", 412), ("W/{etag}", 412), ('"999"', 412), ("garbage", 422)]
)
async def test_a_stale_or_malformed_if_match_is_refused_and_changes_nothing(
    client: AsyncClient, db: AsyncEngine, stale: str, status: int
) -> None:
    created = await client.post("/products", json=product_body())
    old_etag = created.headers["etag"]
    await client.patch(created.headers["location"], json={"quantity": 3})
    current = await client.get(created.headers["location"])
    before = await product_rows(db)
    if_match = old_etag if stale == "old" else stale.format(etag=current.headers["etag"])

    response = await client.patch(
        created.headers["location"], json={"name": "Lost update"}, headers={"If-Match": if_match}
    )

    assert_problem(response, status)
    assert await product_rows(db) == before
    after = await client.get(created.headers["location"])
    assert after.json() == current.json()
    assert after.headers["etag"] == current.headers["etag"]


async def test_the_description_can_be_cleared_with_null(
    client: AsyncClient, db: AsyncEngine
) -> None:
    product = await create_product(client, description="To be removed")

    response = await client.patch(f"/products/{product['id']}", json={"description": None})

    assert response.status_code == 200
    assert response.json()["description"] is None
    row = await product_row(db, product["id"])
    assert row is not None
    assert row["description"] is None


async def test_an_empty_update_answers_the_product_and_keeps_its_etag(
    client: AsyncClient, db: AsyncEngine
) -> None:
    created = await client.post("/products", json=product_body())
    before = await product_rows(db)

    response = await client.patch(created.headers["location"], json={})

    assert response.status_code == 200
    assert response.json() == created.json()
    assert response.headers["etag"] == created.headers["etag"]
    assert await product_rows(db) == before


@pytest.mark.parametrize(
    ("price", "shown"),
    [
        ("0", "0.00"),
        (-0.0, "0.00"),
        ("10", "10.00"),
        (7, "7.00"),
        (0.1, "0.10"),
        ("9999999999.99", "9999999999.99"),
    ],
)
async def test_an_update_answers_the_product_exactly_as_it_is_stored(
    client: AsyncClient, price: Any, shown: str
) -> None:
    product = await create_product(client)

    response = await client.patch(f"/products/{product['id']}", json={"price": price})

    assert response.status_code == 200
    assert response.json()["price"] == shown
    assert (await client.get(f"/products/{product['id']}")).json() == response.json()


async def test_a_whole_number_written_as_5_0_is_an_integer_as_json_schema_says(
    client: AsyncClient,
) -> None:
    response = await client.post("/products", json=product_body(quantity=5.0))

    assert response.status_code == 201, response.text
    assert response.json()["quantity"] == 5


@pytest.mark.parametrize("price", ["-0", "1E+1", "+5", " 5", "5.", ".5", "05", "1,5"])
async def test_a_price_string_is_plain_digits_with_at_most_two_places(
    client: AsyncClient, db: AsyncEngine, price: str
) -> None:
    product = await create_product(client)
    before = await product_rows(db)

    response = await client.patch(f"/products/{product['id']}", json={"price": price})

    assert_problem(response, 422)
    assert await product_rows(db) == before


BAD_UPDATE_BODIES = [
    pytest.param({"name": None}, None, id="null name"),
    pytest.param({"price": None}, None, id="null price"),
    pytest.param({"quantity": None}, None, id="null quantity"),
    pytest.param({"name": ""}, "name", id="empty name"),
    pytest.param({"name": "  "}, "name", id="whitespace-only name"),
    pytest.param({"name": "n" * 300}, "name", id="300-char name"),
    pytest.param({"name": "nul\x00"}, "name", id="NUL in the name"),
    pytest.param({"description": "nul\x00"}, "description", id="NUL in the description"),
    pytest.param({"price": -1}, "price", id="negative price"),
    pytest.param({"price": "1.999"}, "price", id="three decimals"),
    pytest.param({"price": 1.999}, "price", id="three decimals as number"),
    pytest.param({"price": "NaN"}, "price", id="NaN"),
    pytest.param({"price": "Infinity"}, "price", id="Infinity"),
    pytest.param({"price": "10000000000"}, "price", id="price over the maximum"),
    pytest.param({"quantity": -1}, "quantity", id="quantity -1"),
    pytest.param({"quantity": DB_INT_MAX + 1}, "quantity", id="quantity 2147483648"),
    pytest.param({"quantity": "5"}, "quantity", id="quantity as string"),
    pytest.param({"quantity": 5.5}, "quantity", id="quantity as float"),
    pytest.param({"colour": "red"}, "colour", id="unknown field"),
    pytest.param({"id": 7}, "id", id="the id"),
    pytest.param({"quantity": 1, "version": 9}, "version", id="the version"),
    pytest.param('{"quantity": 1', None, id="truncated JSON"),
    pytest.param("[]", None, id="a list"),
    pytest.param("", None, id="no body"),
]


@pytest.mark.parametrize(("body", "field"), BAD_UPDATE_BODIES)
async def test_a_bad_update_is_a_422_problem_and_changes_nothing(
    client: AsyncClient, db: AsyncEngine, body: Any, field: str | None
) -> None:
    created = await client.post("/products", json=product_body())
    before = await product_rows(db)

    response = await send(client, "PATCH", created.headers["location"], body)

    problem = assert_problem(response, 422)
    if field is not None:
        assert field in error_fields(problem), problem["errors"]
    assert "etag" not in response.headers
    assert await product_rows(db) == before


async def test_updating_a_missing_product_is_a_404_problem(
    client: AsyncClient, db: AsyncEngine
) -> None:
    await create_product(client)
    before = await product_rows(db)

    for headers in [{}, {"If-Match": '"1"'}]:
        response = await client.patch("/products/999", json={"quantity": 1}, headers=headers)
        assert_problem(response, 404)

    assert await product_rows(db) == before


# --- DELETE /products/{id} ---------------------------------------------------------------------


async def test_deleting_a_product_answers_204_and_removes_the_row(
    client: AsyncClient, db: AsyncEngine
) -> None:
    doomed = await create_product(client, name="Doomed")
    kept = await create_product(client, name="Kept")

    response = await client.delete(f"/products/{doomed['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert [row["id"] for row in await product_rows(db)] == [kept["id"]]
    assert_problem(await client.get(f"/products/{doomed['id']}"), 404)
    assert ids((await client.get("/products")).json()["items"]) == [kept["id"]]


async def test_deleting_twice_is_a_404_problem_the_second_time(client: AsyncClient) -> None:
    product = await create_product(client)
    await client.delete(f"/products/{product['id']}")

    problem = assert_problem(await client.delete(f"/products/{product['id']}"), 404)

    assert str(product["id"]) in problem["detail"]


async def test_deleting_a_product_that_orders_reference_is_a_409_problem_and_keeps_it(
    client: AsyncClient, db: AsyncEngine
) -> None:
    product = await create_product(client)
    await add_order_for(db, product["id"])
    before = await product_rows(db)

    response = await client.delete(f"/products/{product['id']}")

    assert_problem(response, 409)
    assert await product_rows(db) == before
    assert (await client.get(f"/products/{product['id']}")).json() == product


# --- who may do what ---------------------------------------------------------------------------

WRITES = [
    pytest.param("POST", "/products", product_body(name="Intruder"), id="create"),
    pytest.param("PATCH", "/products/{id}", {"name": "Intruder"}, id="update"),
    pytest.param("DELETE", "/products/{id}", None, id="delete"),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic cm9vdDpyb290"])
async def test_a_write_without_a_valid_token_is_a_401_problem_and_changes_nothing(
    client: AsyncClient,
    db: AsyncEngine,
    method: str,
    path: str,
    body: Any,
    authorization: str | None,
) -> None:
    product = await create_product(client)
    before = await product_rows(db)
    url = path.format(id=product["id"])

    if authorization is None:
        response = await send_without_credentials(client, method, url, body)
    else:
        response = await client.request(
            method, url, json=body, headers={"Authorization": authorization}
        )

    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert await product_rows(db) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
async def test_a_customer_may_not_write_and_gets_a_403_problem(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", method: str, path: str, body: Any
) -> None:
    product = await create_product(client)
    before = await product_rows(db)

    response = await client.request(
        method, path.format(id=product["id"]), json=body, headers=customer.headers
    )

    assert_problem(response, 403)
    assert await product_rows(db) == before


async def test_anyone_may_read_the_catalogue_without_a_token(client: AsyncClient) -> None:
    product = await create_product(client)

    listing = await send_without_credentials(client, "GET", "/products")
    single = await send_without_credentials(client, "GET", f"/products/{product['id']}")

    assert listing.status_code == 200
    assert listing.json()["items"] == [product]
    assert single.status_code == 200
    assert single.json() == product


# --- errors and request ids across the API -----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/products", {"GET", "POST"}),
        ("DELETE", "/products", {"GET", "POST"}),
        ("PATCH", "/products", {"GET", "POST"}),
        ("PUT", "/products/1", {"GET", "PATCH", "DELETE"}),
        ("POST", "/products/1", {"GET", "PATCH", "DELETE"}),
    ],
)
async def test_an_unsupported_method_is_a_405_problem_naming_the_allowed_ones(
    client: AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    await create_product(client)

    response = await client.request(method, path, json=product_body())

    assert_problem(response, 405)
    named = {part.strip() for part in response.headers.get("allow", "").split(",")} - {""}
    assert allowed <= named, f"Allow: {response.headers.get('allow')!r}"
    assert method not in named


@pytest.mark.parametrize("path", ["/nope", "/products/1/extra", "/product"])
async def test_an_unknown_path_is_a_404_problem(client: AsyncClient, path: str) -> None:
    assert_problem(await client.get(path), 404)


async def test_a_request_id_that_is_sent_is_echoed(client: AsyncClient) -> None:
    product = await create_product(client)
    requests = [
        ("GET", "/products"),
        ("GET", f"/products/{product['id']}"),
        ("GET", "/products/999"),
        ("PUT", "/products"),
        ("DELETE", f"/products/{product['id']}"),
    ]

    for method, path in requests:
        response = await client.request(method, path, headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123", (method, path)


async def test_every_response_carries_a_generated_request_id_when_none_is_sent(
    client: AsyncClient,
) -> None:
    created = await client.post("/products", json=product_body())
    responses = [
        created,
        await client.get(created.headers["location"]),
        await client.get(
            created.headers["location"], headers={"If-None-Match": created.headers["etag"]}
        ),
        await client.get("/products", params={"limit": 0}),
        await client.put("/products"),
        await client.delete(created.headers["location"]),
    ]

    request_ids = [response.headers.get("x-request-id") for response in responses]
    assert [response.status_code for response in responses] == [201, 200, 304, 422, 405, 204]
    assert all(rid and SANE_REQUEST_ID.fullmatch(rid) for rid in request_ids), request_ids
    assert len(set(request_ids)) == len(request_ids)


@pytest.mark.parametrize(
    "insane", ["a" * 300, "has spaces", "semi;colon", "<script>", 'quote"d', "ümlaut".encode()]
)
async def test_an_insane_request_id_is_replaced(client: AsyncClient, insane: str | bytes) -> None:
    response = await client.get("/products", headers={"X-Request-ID": insane})

    request_id = response.headers["x-request-id"]
    assert request_id != (insane if isinstance(insane, str) else insane.decode("latin-1"))
    assert SANE_REQUEST_ID.fullmatch(request_id)


async def test_error_bodies_hold_no_sql_or_internals(client: AsyncClient, db: AsyncEngine) -> None:
    product = await create_product(client)
    await add_order_for(db, product["id"])

    responses = [
        await client.delete(f"/products/{product['id']}"),
        await client.post("/products", json=product_body(price="1.999")),
        await client.get("/products", params={"cursor": "garbage"}),
    ]

    for response in responses:
        body = response.text.lower()
        for leak in ["select", "delete from", "sqlalchemy", "asyncpg", "traceback", "foreign key"]:
            assert leak not in body, (leak, response.text)
