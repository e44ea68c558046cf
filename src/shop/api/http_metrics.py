"""Prometheus metrics of the HTTP requests answered: counts and latency by route and status."""

from prometheus_client import Counter, Histogram

UNMATCHED_ROUTE = "unmatched"
"""The route label of requests no route matched: one label, however many odd paths arrive."""

REQUESTS = Counter("shop_http_requests", "HTTP requests answered.", ["method", "route", "status"])
LATENCY = Histogram(
    "shop_http_request_duration_seconds",
    "Seconds from receiving an HTTP request to the end of its response.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


_RequestSeries = tuple[Counter, Histogram]
_series: dict[tuple[str, str, int], _RequestSeries] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    series = _series.get(key)
    if series is None:
        # Looking a labelled child up takes a lock and a conversion each time; keep them.
        # Routes are templates and unmatched paths share one label, so this stays small.
        labels = (method, route, str(status))
        series = _series[key] = (REQUESTS.labels(*labels), LATENCY.labels(*labels))
    requests, latency = series
    requests.inc()
    latency.observe(seconds)
