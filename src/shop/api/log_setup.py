"""Logging for the server: every line carries the request id of the request it belongs to."""

from typing import Any

from shop.api.request_context import RequestIdLogFilter

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app and uvicorn alike."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdLogFilter}},
        "formatters": {"text": {"format": TEXT_FORMAT}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "text",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
            # Alembic narrates every migration context it opens; the readiness probe opens one.
            "alembic": {"level": "WARNING"},
        },
    }
