"""The OpenAPI document as generators and validators read it, and the docs pages that show it."""

import re
from typing import Any

import pytest
from httpx import AsyncClient
from openapi_spec_validator import validate

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z]+)*$")
OUTSIDE_URL = re.compile(r"""(?:https?:)?//[^\s"'<>]+""")


@pytest.fixture
async def document(client: AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def walk(node: Any) -> list[dict[str, Any]]:
    """Every JSON object in `node`, nested ones included."""
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in walk(value))]
    if isinstance(node, list):
        return [found for value in node for found in walk(value)]
    return []


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_every_error_of_every_operation_is_a_typed_problem_with_its_own_example(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        errors = {int(code): r for code, r in operation["responses"].items() if int(code) >= 400}
        assert {405, 500} <= errors.keys(), (method, path)
        for status, response in errors.items():
            where = (method, path, status)
            assert list(response["content"]) == ["application/problem+json"], where
            content = response["content"]["application/problem+json"]
            expected = "ValidationProblem" if status == 422 else "Problem"
            assert content["schema"] == {"$ref": f"#/components/schemas/{expected}"}, where
            assert content["example"]["status"] == status, where
            assert content["example"]["type"], where
            if status == 401:
                assert "WWW-Authenticate" in response["headers"], where
            if status in (429, 503):
                assert "Retry-After" in response["headers"], where


def test_operations_with_a_body_declare_413_and_415(document: dict[str, Any]) -> None:
    with_body = [(m, p, op) for m, p, op in operations(document) if "requestBody" in op]
    assert len(with_body) >= 5
    for method, path, operation in with_body:
        assert {"413", "415"} <= operation["responses"].keys(), (method, path)


def test_throttled_operations_declare_429(document: dict[str, Any]) -> None:
    assert "429" in document["paths"]["/auth/token"]["post"]["responses"]
    assert "429" in document["paths"]["/users"]["post"]["responses"]


def test_operation_ids_are_readable_and_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(OPERATION_ID.fullmatch(i) for i in ids), ids
    assert {"listProducts", "getProduct", "placeOrder", "payOrder", "issueToken"} <= set(ids)
    assert not [i for i in ids if re.search(r"_(get|post|put|patch|delete)$", i)]


def test_no_schema_asks_a_float_to_be_a_multiple(document: dict[str, Any]) -> None:
    assert not [node for node in walk(document) if "multipleOf" in node]


def test_prices_are_exact_decimal_strings_or_whole_numbers(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    price_in = schemas["ProductCreate"]["properties"]["price"]["anyOf"]
    assert {branch["type"] for branch in price_in} == {"string", "integer"}
    assert all("pattern" in branch for branch in price_in if branch["type"] == "string")
    price_out = schemas["ProductOut"]["properties"]["price"]
    assert price_out["type"] == "string"
    assert re.fullmatch(price_out["pattern"], "19.99")


def test_sort_orders_have_names_and_the_login_form_has_one(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    sort = schemas["ProductSort"]
    assert dict(zip(sort["enum"], sort["x-enum-varnames"], strict=True))["-price"] == "PRICE_DESC"
    form = document["paths"]["/auth/token"]["post"]["requestBody"]["content"]
    assert form["application/x-www-form-urlencoded"]["schema"] == {
        "$ref": "#/components/schemas/LoginForm"
    }
    assert not [name for name in schemas if name.startswith("Body_")]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_name_no_other_host(client: AsyncClient, page: str) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert OUTSIDE_URL.findall(response.text) == []
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for asset in re.findall(r'(?:src|href)="([^"]+)"', response.text):
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert served.content, asset
