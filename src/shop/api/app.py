"""The app factory: `uvicorn --factory shop.api.app:create_app`."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shop.api.problems import install_problem_handlers
from shop.api.request_context import RequestContextMiddleware
from shop.api.routes import auth, health, orders, products, users
from shop.container import Container
from shop.infrastructure.database import describe, wait_for_database

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start-up: the database must answer; shutdown: the pool is closed."""
    container: Container = app.state.container
    # Building the engine may start the embedded server: keep that off the event loop.
    engine = await asyncio.to_thread(container.engine)
    container.token_service()  # a missing or weak JWT_SECRET stops start-up, not a request
    settings = container.settings()
    version = await wait_for_database(engine, settings.db_connect_timeout)
    logger.info("database %s is up: %s", describe(engine.url), version.split(" on ")[0])
    try:
        yield
    finally:
        await engine.dispose()


def create_app(container: Container | None = None) -> FastAPI:
    app = FastAPI(
        title="Shop",
        version="1.0.0",
        summary="Products, users and orders.",
        lifespan=lifespan,
    )
    app.state.container = container or Container()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(products.router)
    app.include_router(orders.router)
    return app
