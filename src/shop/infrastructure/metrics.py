"""Prometheus metrics of the database pool and of the orders the shop took or refused."""

from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.domain.orders import Order

POOL_SIZE = Gauge(
    "shop_db_pool_size", "Connections the pool keeps open.", multiprocess_mode="livesum"
)
POOL_CHECKED_OUT = Gauge(
    "shop_db_pool_checked_out", "Connections in use by requests.", multiprocess_mode="livesum"
)
POOL_OVERFLOW = Gauge(
    "shop_db_pool_overflow",
    "Connections open beyond the pool size.",
    multiprocess_mode="livesum",
)
ORDERS_PLACED = Counter("shop_orders_placed", "Orders placed.")
ORDERS_REFUSED = Counter("shop_orders_refused", "Orders refused, by reason.", ["reason"])


def instrument_pool(engine: AsyncEngine) -> None:
    """Keep the pool gauges current on every checkout and checkin."""
    pool: Any = engine.sync_engine.pool

    def on_checkout(*_: object) -> None:
        POOL_CHECKED_OUT.set(pool.checkedout())
        POOL_OVERFLOW.set(max(pool.overflow(), 0))

    def on_checkin(*_: object) -> None:
        # Fired just before the connection is back: it still counts as checked out, and
        # an overflow connection meeting a full pool is about to be closed.
        closing = pool.checkedin() >= pool.size()
        POOL_CHECKED_OUT.set(max(pool.checkedout() - 1, 0))
        POOL_OVERFLOW.set(max(pool.overflow() - closing, 0))

    POOL_SIZE.set(pool.size())
    event.listen(pool, "checkout", on_checkout)
    event.listen(pool, "checkin", on_checkin)


class PrometheusOrderEvents:
    """Counts orders placed and refused."""

    def order_placed(self, order: Order) -> None:
        ORDERS_PLACED.inc()

    def order_refused(self, reason: str) -> None:
        ORDERS_REFUSED.labels(reason).inc()
