"""Prometheus metrics."""

from fastapi import APIRouter, Response

from shop.api.openapi import operation_id
from shop.api.prometheus_exposition import exposition

router = APIRouter(tags=["health"], generate_unique_id_function=operation_id)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def get_metrics() -> Response:
    """Requests and latency by route and status, the database pool, orders placed and refused."""
    body, content_type = exposition()
    return Response(body, media_type=content_type)
