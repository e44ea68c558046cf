"""The app factory: `uvicorn --factory shop.api.app:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from shop.api.access_log import AccessLog
from shop.api.body_limit import BodySizeLimitMiddleware
from shop.api.problems import install_problem_handlers
from shop.api.request_context import RequestContextMiddleware
from shop.api.routes import auth, health, metrics_scrape, orders, products, users
from shop.container import Container, shut_down, start_up

MAX_BODY_SIZE = 1024 * 1024
"""Larger request bodies are refused with 413 before they are read."""


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
    app = FastAPI(
        title="Shop",
        version="1.0.0",
        summary="Products, users and orders.",
        lifespan=lifespan,
        # Metrics are Prometheus' (see /metrics); FastAPI's own OpenTelemetry hooks would
        # look for a provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.container = container or Container()
    app.state.access_log = AccessLog()
    install_problem_handlers(app)
    # The last added is the outermost: the request context wraps the body limit too.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=MAX_BODY_SIZE)
    app.add_middleware(RequestContextMiddleware, access_log=app.state.access_log)
    for module in (products, orders, users, auth, health, metrics_scrape):
        _add_routes(app, module.router)
    return app


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add the router's routes to the app's own router, refusing what that would drop.

    Not `include_router`: FastAPI 0.165 keeps an included router as one more layer of
    matching that every request walks (about 5% of a product read, measured when this was
    written). What an inclusion would pass on to the routes (router-level dependencies,
    responses, callbacks, lifespan handlers) is refused here, so that none is ever ignored.
    """
    inherited = (router.dependencies, router.responses, router.callbacks, router.on_startup)
    if any(inherited) or router.on_shutdown:
        raise RuntimeError(
            f"the router with prefix {router.prefix!r} carries settings for its routes: "
            "include it with app.include_router"
        )
    app.router.routes.extend(router.routes)
