"""The catalogue: list, read, create, update and delete products."""

from typing import Annotated

from fastapi import Header, Query, Request, Response
from pydantic import StringConstraints
from pydantic.json_schema import SkipJsonSchema

from shop.api.dependencies import CurrentUser, product_service
from shop.api.etags import etag_of, matches_if_none_match, versions_in_if_match
from shop.api.problems import problem_responses
from shop.api.routes import resource_router
from shop.api.schemas.fields import PriceIn, ProductId
from shop.api.schemas.pages import PageCursor, PageSize, page_out
from shop.api.schemas.products import (
    PRODUCT_JSON,
    PRODUCT_PAGE_JSON,
    ProductCreate,
    ProductSort,
    ProductUpdate,
    SearchText,
    product_out,
)
from shop.domain.limits import DEFAULT_PAGE_SIZE
from shop.domain.product_listing import ProductFilter, ProductOrdering

router = resource_router("products")

PriceBound = Annotated[PriceIn | None, Query()]
DEFAULT_SORT = ProductSort(str(ProductOrdering()))

# "*" or a list of entity tags; an empty list is allowed, and matches nothing.
IF_MATCH = r'^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)?\s*$'
IfMatchText = Annotated[str, StringConstraints(pattern=IF_MATCH)]
_IF_NONE_MATCH_PARAMETER = {
    "name": "if-none-match",
    "in": "header",
    "required": False,
    "description": "An ETag the client holds: 304 without a body while it is current.",
    "schema": {"type": "string"},
}
_ETAG_HEADER = {"ETag": {"description": "The product's version.", "schema": {"type": "string"}}}


@router.get("", response_model=PRODUCT_PAGE_JSON.model, responses=problem_responses(422, 503))
async def list_products(
    request: Request,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    cursor: PageCursor = None,
    q: Annotated[
        SearchText | None, Query(description="Case-insensitive search in the name.")
    ] = None,
    min_price: PriceBound = None,
    max_price: PriceBound = None,
    in_stock: Annotated[
        bool | None, Query(description="true: quantity above 0; false: sold out.")
    ] = None,
    sort: ProductSort = DEFAULT_SORT,
) -> Response:
    page = await product_service(request).list_products(
        ProductFilter(name_contains=q, min_price=min_price, max_price=max_price, in_stock=in_stock),
        ProductOrdering.parse(sort),
        limit,
        cursor,
    )
    return PRODUCT_PAGE_JSON.response(page_out(page, product_out))


@router.get(
    "/{product_id}",
    response_model=PRODUCT_JSON.model,
    openapi_extra={"parameters": [_IF_NONE_MATCH_PARAMETER]},
    responses={
        200: {"headers": _ETAG_HEADER},
        304: {"description": "Not modified: If-None-Match names the current version."},
        **problem_responses(404, 422, 503),
    },
)
async def get_product(product_id: ProductId, request: Request) -> Response:
    # The hottest route: the optional If-None-Match is read from the request (and documented
    # in `openapi_extra`) rather than declared as a validated parameter.
    product = await product_service(request).get_product(product_id)
    etag = etag_of(product)
    if matches_if_none_match(request.headers.get("if-none-match"), product):
        return Response(status_code=304, headers={"ETag": etag})
    return PRODUCT_JSON.response(product_out(product), headers={"ETag": etag})


@router.post(
    "",
    status_code=201,
    response_model=PRODUCT_JSON.model,
    responses={
        201: {"headers": {**_ETAG_HEADER, "Location": {"schema": {"type": "string"}}}},
        **problem_responses(401, 403, 422, 503),
    },
)
async def create_product(
    body: ProductCreate,
    caller: CurrentUser,
    request: Request,
) -> Response:
    """Add a product (admins only)."""
    product = await product_service(request).create_product(caller, body.to_new_product())
    location = request.app.url_path_for("get_product", product_id=product.id)
    headers = {"Location": location, "ETag": etag_of(product)}
    return PRODUCT_JSON.response(product_out(product), status_code=201, headers=headers)


@router.patch(
    "/{product_id}",
    response_model=PRODUCT_JSON.model,
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(401, 403, 404, 412, 422, 503)},
)
async def update_product(
    product_id: ProductId,
    body: ProductUpdate,
    caller: CurrentUser,
    request: Request,
    if_match: Annotated[
        IfMatchText | SkipJsonSchema[None],
        Header(description="Update only while the product is at one of these ETags (or `*`)."),
    ] = None,
) -> Response:
    """Change some fields of a product (admins only)."""
    product = await product_service(request).update_product(
        caller, product_id, body.changes(), versions_in_if_match(if_match)
    )
    return PRODUCT_JSON.response(product_out(product), headers={"ETag": etag_of(product)})


@router.delete(
    "/{product_id}", status_code=204, responses=problem_responses(401, 403, 404, 409, 422, 503)
)
async def delete_product(product_id: ProductId, caller: CurrentUser, request: Request) -> Response:
    """Delete a product no order refers to (admins only)."""
    await product_service(request).delete_product(caller, product_id)
    return Response(status_code=204)
