"""Which database server the settings name, and how to describe it in messages."""

from sqlalchemy import URL, make_url

from shop.infrastructure.embedded_postgres import start_embedded_postgres
from shop.settings import Settings


def configured_server_url(settings: Settings) -> URL | None:
    """The asyncpg URL that `DATABASE_URL` or the `POSTGRES_*` settings name; None if neither."""
    if settings.database_url is not None:
        url = make_url(settings.database_url.get_secret_value())
        return url.set(drivername="postgresql+asyncpg")
    if settings.postgres_host is not None:
        return URL.create(
            "postgresql+asyncpg",
            username=settings.postgres_user,
            password=settings.postgres_password.get_secret_value() or None,
            host=settings.postgres_host,
            port=settings.postgres_port,
            database=settings.postgres_db,
        )
    return None


def start_or_locate_server(settings: Settings) -> URL:
    """The configured server's URL; with none configured, start the embedded one (or join it).

    Starting the embedded server is a subprocess and a wait: call this once per process, off
    the event loop.
    """
    configured = configured_server_url(settings)
    if configured is not None:
        return configured
    return start_embedded_postgres(settings.shop_data_dir / "postgres", settings.postgres_db)


def describe(url: URL) -> str:
    """Where the database is, for messages: host and database, never the password."""
    host = url.host or url.query.get("host") or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database}"
