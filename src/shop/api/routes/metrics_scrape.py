"""Prometheus metrics."""

from fastapi import APIRouter, Response

from shop.api.prometheus_exposition import exposition

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def metrics() -> Response:
    """Requests and latency by route and status, the database pool, orders placed and refused."""
    body, content_type = exposition()
    return Response(body, media_type=content_type)
