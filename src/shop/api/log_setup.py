"""Logging for the server: one line per event, text for people or JSON for machines.

Every line carries the id of the request it belongs to.
"""

import logging
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import make_url

from shop.api.log_redaction import SecretRedactingFilter
from shop.api.request_context import RequestIdLogFilter
from shop.settings import LogFormat, Settings

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"


class TextFormatter(logging.Formatter):
    """The standard formatter, but the date and time of each second is formatted once.

    Under load most lines of a second share it, and `time.strftime` is the dearest part of
    a line; the milliseconds are still each record's own.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        cached_second, formatted = self._second
        if second != cached_second:
            formatted = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = (second, formatted)
        with_msecs = self.default_msec_format
        return formatted if with_msecs is None else with_msecs % (formatted, record.msecs)


def configured_secrets(settings: Settings) -> list[str]:
    """The secret values among the settings, for the log filter to blank out."""
    secrets = [settings.postgres_password.get_secret_value()]
    if settings.database_url is not None:
        secrets.append(make_url(settings.database_url.get_secret_value()).password or "")
    if settings.jwt_secret is not None:
        secrets.append(settings.jwt_secret.get_secret_value())
    return [secret for secret in secrets if secret]


def leave_out_unused_record_fields() -> None:
    """Make log records without the thread, process and process name: no line shows them,
    and looking them up is most of what a record costs beyond its message (the logging
    optimizations of Python's documentation). Process-wide; every worker's app calls it."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def log_config(
    log_format: LogFormat = LogFormat.TEXT, level: str = "INFO", secrets: Iterable[str] = ()
) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app and uvicorn alike; `secrets` never show."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdLogFilter},
            "redact": {"()": SecretRedactingFilter, "secrets": list(secrets)},
        },
        "formatters": {
            "text": {"class": f"{__name__}.TextFormatter", "format": TEXT_FORMAT},
            "json": {
                # python-json-logger's formatter on orjson: half the cost of the json module's.
                "()": "pythonjsonlogger.orjson.OrjsonFormatter",
                "fmt": JSON_FIELDS,
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": True,
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format.value,
                "filters": ["request_id", "redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # The app writes its own access line, with the route template and the duration.
            "uvicorn.access": {"handlers": [], "propagate": False},
            # Alembic narrates every migration context it opens; the readiness probe opens one.
            "alembic": {"level": "WARNING"},
        },
    }
