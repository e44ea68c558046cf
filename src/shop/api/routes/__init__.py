"""One router per resource; each turns HTTP into a service call and the result back."""

from fastapi import APIRouter

from shop.api.openapi import operation_id


def resource_router(resource: str) -> APIRouter:
    """The router of `/<resource>`, tagged with its name, its operations named after their
    route functions (`listProducts`)."""
    return APIRouter(
        prefix=f"/{resource}", tags=[resource], generate_unique_id_function=operation_id
    )
