"""Logging for the server: one line per event, text for people or JSON for machines.

Every line carries the id of the request it belongs to.
"""

from typing import Any

from shop.api.request_context import RequestIdLogFilter
from shop.settings import LogFormat

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"


def log_config(log_format: LogFormat = LogFormat.TEXT, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app and uvicorn alike."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdLogFilter}},
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": JSON_FIELDS,
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": True,
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format.value,
                "filters": ["request_id"],
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
