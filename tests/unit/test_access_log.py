"""The access log writes each request's line, in batches, with the request's id and duration."""

import asyncio
import io
import logging
import time

import pytest

from shop.api.access_log import FLUSH_AFTER_SECONDS, AccessLog, FinishedRequest
from shop.api.log_setup import TEXT_FORMAT, TextFormatter


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept() -> Kept:
    return Kept()


@pytest.fixture
def logger(kept: Kept, request: pytest.FixtureRequest) -> logging.Logger:
    logger = logging.getLogger(f"test.access.{request.node.name}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(kept)
    return logger


def finished(request_id: str) -> FinishedRequest:
    return FinishedRequest("GET", "/products/7", "/products/{product_id}", 200, 0.0042, request_id)


async def test_lines_wait_at_most_the_flush_delay_and_keep_their_order(
    logger: logging.Logger, kept: Kept
) -> None:
    log = AccessLog(logger)
    log.add(finished("first"))
    log.add(finished("second"))
    assert kept.records == []

    await asyncio.sleep(FLUSH_AFTER_SECONDS * 3)

    assert [r.request_id for r in kept.records] == ["first", "second"]  # type: ignore[attr-defined]


async def test_a_line_carries_the_request_its_time_and_the_fields_of_json_logs(
    logger: logging.Logger, kept: Kept
) -> None:
    log = AccessLog(logger)
    before = time.time()
    log.add(finished("abc"))
    log.flush()

    (record,) = kept.records
    assert record.getMessage() == "GET /products/7 200 4.2ms"
    assert record.levelno == logging.INFO
    assert before <= record.created <= time.time()
    fields = {name: getattr(record, name) for name in ("method", "route", "status", "request_id")}
    assert fields == {
        "method": "GET",
        "route": "/products/{product_id}",
        "status": 200,
        "request_id": "abc",
    }
    assert record.duration_ms == 4.2  # type: ignore[attr-defined]


async def test_each_line_has_a_record_of_its_own(logger: logging.Logger, kept: Kept) -> None:
    class Rewrites(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.msg, record.args = f"seen {record.getMessage()}", None
            return True

    logger.addFilter(Rewrites())
    log = AccessLog(logger)
    log.add(FinishedRequest("GET", "/products/7", "/products/{product_id}", 200, 0.001, "a"))
    log.add(FinishedRequest("HEAD", "/health/live", "/health/live", 200, 0.002, "b"))
    log.flush()

    assert [r.getMessage() for r in kept.records] == [
        "seen GET /products/7 200 1.0ms",
        "seen HEAD /health/live 200 2.0ms",
    ]
    assert [r.request_id for r in kept.records] == ["a", "b"]  # type: ignore[attr-defined]
    assert kept.records[0] is not kept.records[1]


async def test_flush_writes_what_waits_once(logger: logging.Logger, kept: Kept) -> None:
    log = AccessLog(logger)
    log.add(finished("only"))

    log.flush()
    log.flush()
    await asyncio.sleep(FLUSH_AFTER_SECONDS * 3)  # the timer finds nothing left

    assert [r.request_id for r in kept.records] == ["only"]  # type: ignore[attr-defined]


async def test_nothing_is_written_when_the_access_logger_is_above_info(
    logger: logging.Logger, kept: Kept
) -> None:
    logger.setLevel(logging.WARNING)
    log = AccessLog(logger)
    log.add(finished("quiet"))

    log.flush()

    assert kept.records == []


async def test_a_stream_handler_writes_each_line_through_its_formatter_in_order(
    logger: logging.Logger,
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(request_id)s %(message)s"))
    logger.addHandler(handler)
    log = AccessLog(logger)
    for request_id in ("one", "two", "three"):
        log.add(finished(request_id))

    log.flush()

    assert stream.getvalue().splitlines() == [
        "one GET /products/7 200 4.2ms",
        "two GET /products/7 200 4.2ms",
        "three GET /products/7 200 4.2ms",
    ]


class DropRequestId(logging.Filter):
    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "request_id", None) != self.request_id


async def test_the_filters_of_the_logger_and_of_each_handler_still_apply(
    logger: logging.Logger, kept: Kept
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(DropRequestId("b"))
    logger.addHandler(handler)
    logger.addFilter(DropRequestId("a"))
    log = AccessLog(logger)
    for request_id in ("a", "b", "c"):
        log.add(finished(request_id))

    log.flush()

    assert [r.request_id for r in kept.records] == ["b", "c"]  # type: ignore[attr-defined]
    assert len(stream.getvalue().splitlines()) == 1  # "a" by the logger, "b" by the handler


async def test_a_handler_above_info_and_a_handler_beyond_a_non_propagating_logger_get_nothing(
    logger: logging.Logger, kept: Kept
) -> None:
    kept.setLevel(logging.WARNING)
    parent_handler = Kept()
    logging.getLogger("test.access").addHandler(parent_handler)
    try:
        log = AccessLog(logger)
        log.add(finished("x"))
        log.flush()
    finally:
        logging.getLogger("test.access").removeHandler(parent_handler)

    assert kept.records == []
    assert parent_handler.records == []


def test_the_text_formatter_writes_what_the_standard_one_does_across_seconds() -> None:
    fast = TextFormatter(TEXT_FORMAT)
    standard = logging.Formatter(TEXT_FORMAT)
    for at in (1_700_000_000.001, 1_700_000_000.999, 1_700_000_001.5, 1_700_000_061.25):
        record = logging.LogRecord("shop.x", logging.INFO, __file__, 1, "m %s", ("a",), None)
        record.created, record.msecs = at, int((at - int(at)) * 1000) + 0.0
        record.request_id = "r"

        assert fast.format(record) == standard.format(record)
