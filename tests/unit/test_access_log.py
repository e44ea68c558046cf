"""The access log writes each request's line, in batches, with the request's own time and id."""

import asyncio
import logging

import pytest

from shop.api.access_log import FLUSH_AFTER_SECONDS, AccessLog, FinishedRequest


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


def finished(request_id: str, at: float = 1_700_000_000.25) -> FinishedRequest:
    return FinishedRequest(
        "GET", "/products/7", "/products/{product_id}", 200, 0.0042, request_id, at
    )


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
    log.add(finished("abc", at=1_700_000_000.25))
    log.flush()

    (record,) = kept.records
    assert record.getMessage() == "GET /products/7 200 4.2ms"
    assert record.levelno == logging.INFO
    assert record.created == 1_700_000_000.25
    assert record.msecs == 250
    fields = {name: getattr(record, name) for name in ("method", "route", "status", "request_id")}
    assert fields == {
        "method": "GET",
        "route": "/products/{product_id}",
        "status": 200,
        "request_id": "abc",
    }
    assert record.duration_ms == 4.2  # type: ignore[attr-defined]


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
