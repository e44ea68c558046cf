"""The app factory: `uvicorn --factory shop.api.app:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.middleware.cors import CORSMiddleware

from shop.api.access_log import AccessLog
from shop.api.body_limit import BodySizeLimitMiddleware
from shop.api.consistency_tokens import (
    CONSISTENCY_TOKEN_HEADER,
    ConsistencyTokenMiddleware,
    document_consistency_tokens,
)
from shop.api.docs import add_offline_docs
from shop.api.head import HeadAsGetMiddleware
from shop.api.log_setup import leave_out_unused_record_fields
from shop.api.media_types import refuse_unsupported_media_types
from shop.api.openapi import install_openapi
from shop.api.problems import install_problem_handlers
from shop.api.request_context import REQUEST_ID_HEADER, RequestContextMiddleware
from shop.api.routes import auth, health, metrics_scrape, orders, products, users
from shop.container import Container, shut_down, start_up
from shop.settings import Settings

MAX_BODY_SIZE = 1024 * 1024
"""Larger request bodies are refused with 413 before they are read."""

# What a browser app on another origin may send, and read from the answers (CORS).
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    REQUEST_ID_HEADER,
    CONSISTENCY_TOKEN_HEADER,
)
CORS_EXPOSED_HEADERS = (
    "ETag",
    "Location",
    REQUEST_ID_HEADER,
    "Idempotent-Replayed",
    "Retry-After",
    CONSISTENCY_TOKEN_HEADER,
)
CORS_MAX_AGE_SECONDS = 600


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start-up: the database must answer; shutdown: the pool is closed, the log written."""
    container: Container = app.state.container
    await start_up(container)
    try:
        yield
    finally:
        await shut_down(container)
        app.state.access_log.flush()


def create_app(container: Container | None = None) -> FastAPI:
    leave_out_unused_record_fields()
    app = FastAPI(
        title="Shop",
        version="1.0.0",
        summary="Products, users and orders.",
        lifespan=lifespan,
        # Metrics are Prometheus' (see /metrics); FastAPI's own OpenTelemetry hooks would
        # look for a provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # Served by add_offline_docs, from the service's own copies of their assets.
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container = container or Container()
    app.state.access_log = AccessLog()
    install_problem_handlers(app)
    install_openapi(app)
    # The last added is the outermost: the request context wraps the body limit too.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=MAX_BODY_SIZE)
    settings = container.settings()
    _read_your_writes_across_replicas(app, settings)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(RequestContextMiddleware, access_log=app.state.access_log)
    _allow_cross_origin_calls(app, settings)
    for module in (products, orders, users, auth, health, metrics_scrape):
        _add_routes(app, module.router)
    refuse_unsupported_media_types(app)
    add_offline_docs(app)
    return app


def _read_your_writes_across_replicas(app: FastAPI, settings: Settings) -> None:
    """Consistency tokens, given out, read and documented only when reads may use replicas.

    Without replicas every read is on the primary and sees every committed write: a token
    would promise nothing, and its middleware would cost every request (about 2% of a
    product read).
    """
    if not settings.database_replica_urls:
        return
    app.add_middleware(ConsistencyTokenMiddleware)
    document_consistency_tokens(app)


def _allow_cross_origin_calls(app: FastAPI, settings: Settings) -> None:
    """CORS for the origins in CORS_ORIGINS; with none (the default), no CORS layer at all.

    Outermost, so that every answer, errors included, carries the CORS headers a browser
    needs before it lets the page read it.
    """
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
        allow_headers=list(CORS_REQUEST_HEADERS),
        expose_headers=list(CORS_EXPOSED_HEADERS),
        max_age=CORS_MAX_AGE_SECONDS,
    )


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add the router's routes to the app's own router, refusing what that would drop.

    Not `include_router`: FastAPI 0.165 keeps an included router as one more layer of
    matching that every request walks: 12% more instructions for a product read (984k
    against 879k per request under `make bench-instructions`, December 2026). What an
    inclusion would pass on to the routes (router-level dependencies, responses, callbacks,
    lifespan handlers) is refused here, so that none is ever ignored.
    """
    inherited = (router.dependencies, router.responses, router.callbacks, router.on_startup)
    if any(inherited) or router.on_shutdown:
        raise RuntimeError(
            f"the router with prefix {router.prefix!r} carries settings for its routes: "
            "include it with app.include_router"
        )
    app.router.routes.extend(router.routes)
