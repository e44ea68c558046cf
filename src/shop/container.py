"""The dependency-injector container: settings -> engine -> unit of work -> services.

The only module that knows every layer. Tests override its providers instead of patching.
"""

import asyncio
import logging

from dependency_injector import containers, providers

from shop.domain.order_service import OrderService
from shop.domain.product_service import ProductService
from shop.domain.throttling import AttemptThrottle
from shop.domain.user_service import UserService
from shop.infrastructure.attempt_ledger import PostgresAttemptLedger, throttle_policy_of
from shop.infrastructure.connection_gate import pool_sized_gate
from shop.infrastructure.database_location import describe, start_or_locate_server
from shop.infrastructure.engine import create_engine, reads_on_driver
from shop.infrastructure.migrations import DatabaseReadinessProbe, alembic_config, head_revision
from shop.infrastructure.order_counters import PrometheusOrderEvents
from shop.infrastructure.passwords import Argon2PasswordHasher
from shop.infrastructure.pool_gauges import PoolGauges
from shop.infrastructure.read_routing import ReadRouting
from shop.infrastructure.read_side import SqlAlchemyReadSide
from shop.infrastructure.replicas import (
    ReadinessWithReplicas,
    reads_from_replicas,
    replica_set,
)
from shop.infrastructure.startup_wait import wait_for_database
from shop.infrastructure.tokens import JwtTokenService, jwt_secret
from shop.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from shop.settings import Settings


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    # The first use of `database_url` (building the engine) may start the embedded server.
    database_url = providers.Singleton(start_or_locate_server, settings)
    engine = providers.Singleton(create_engine, settings, database_url)
    connection_gate = providers.Singleton(pool_sized_gate, settings)
    pool_gauges = providers.Singleton(PoolGauges, engine)
    driver_reads = providers.Singleton(reads_on_driver, settings)
    replicas = providers.Singleton(replica_set, settings, engine)
    commit_positions = providers.Singleton(reads_from_replicas, settings)
    # Always an object, never None: a Singleton that provides None builds it again at
    # every use (3.5 µs a read, when this was written).
    read_routing = providers.Singleton(ReadRouting, engine, connection_gate, replicas)
    unit_of_work = providers.Factory(
        SqlAlchemyUnitOfWork, engine, connection_gate, commit_positions
    )
    # The read side asks for its engine at each use (`engine.provider` is the provider
    # itself); with replicas, `read_routing` picks the server for each use instead.
    read_side = providers.Factory(
        SqlAlchemyReadSide, engine.provider, connection_gate, driver_reads, read_routing
    )

    alembic_config = providers.Singleton(alembic_config, settings.provided.alembic_config)
    migration_head = providers.Singleton(head_revision, alembic_config)
    primary_readiness = providers.Factory(DatabaseReadinessProbe, engine, migration_head)
    readiness_probe = providers.Factory(ReadinessWithReplicas, primary_readiness, replicas)

    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.argon2_time_cost,
        memory_cost=settings.provided.argon2_memory_cost,
        concurrency=settings.provided.password_hashing_concurrency,
        patience=settings.provided.password_hashing_patience,
    )
    attempt_ledger = providers.Singleton(PostgresAttemptLedger, engine, connection_gate)
    throttle_policy = providers.Singleton(throttle_policy_of, settings)
    attempt_throttle = providers.Singleton(AttemptThrottle, attempt_ledger, throttle_policy)
    jwt_secret = providers.Singleton(jwt_secret, settings)
    token_service = providers.Singleton(
        JwtTokenService,
        secret=jwt_secret,
        issuer=settings.provided.jwt_issuer,
        ttl_seconds=settings.provided.access_token_ttl,
    )

    product_service = providers.Factory(ProductService, unit_of_work, read_side)
    order_events = providers.Singleton(PrometheusOrderEvents)
    order_service = providers.Factory(OrderService, unit_of_work, read_side, order_events)
    user_service = providers.Factory(
        UserService, unit_of_work, read_side, password_hasher, token_service, attempt_throttle
    )


logger = logging.getLogger(__name__)


async def start_up(container: Container) -> None:
    """Check what a request will need, so a misconfiguration stops start-up, not a request."""
    # Building the engine may start the embedded server: keep that off the event loop.
    engine = await asyncio.to_thread(container.engine)
    container.token_service()  # a missing or weak JWT_SECRET fails here
    container.migration_head()  # and so do missing migrations
    version = await wait_for_database(engine, container.settings().db_connect_timeout)
    logger.info("database %s is up: %s", describe(engine.url), version.split(" on ")[0])
    container.pool_gauges().start()
    await container.replicas().start()


async def shut_down(container: Container) -> None:
    """Stop sampling the pool and checking replicas, then close every pooled connection."""
    await container.replicas().stop()
    await container.pool_gauges().stop()
    await container.engine().dispose()
