"""Prometheus counters of the orders the shop took or refused."""

from prometheus_client import Counter

from shop.domain.orders import Order

ORDERS_PLACED = Counter("shop_orders_placed", "Orders placed.")
ORDERS_REFUSED = Counter("shop_orders_refused", "Orders refused, by reason.", ["reason"])


class PrometheusOrderEvents:
    """Counts orders placed and refused."""

    def order_placed(self, order: Order) -> None:
        ORDERS_PLACED.inc()

    def order_refused(self, reason: str) -> None:
        ORDERS_REFUSED.labels(reason).inc()
