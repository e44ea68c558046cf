"""Configuration, read from the environment and `.env` by the app, the CLI and Alembic alike."""

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    PositiveInt,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


MIN_JWT_SECRET_LENGTH = 32


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    """Every setting of the service; the environment variable is the field name in upper case."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    shop_env: Environment = Environment.DEVELOPMENT
    shop_data_dir: Path = Field(
        default=Path(".data"),
        description="Where the embedded PostgreSQL and generated development secrets live.",
    )

    database_url: SecretStr | None = Field(
        default=None, description="Overrides the POSTGRES_* settings when set."
    )
    postgres_user: str = "postgres"
    postgres_password: SecretStr = SecretStr("")
    postgres_host: str | None = None
    postgres_port: int = Field(default=5432, ge=1, le=65535)
    postgres_db: str = "shop"

    db_pool_size: PositiveInt = 5
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_recycle: int = Field(
        default=3600, description="Seconds before a connection is renewed."
    )
    db_pool_pre_ping: bool = True
    db_pool_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a request waits for a free connection."
    )
    db_pgbouncer: bool = Field(
        default=False, description="The database is behind PgBouncer in transaction mode."
    )
    db_connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for the database at start-up."
    )
    db_socket_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a connection may go unanswered (a network cut, a hung server) "
        "before it is given up (TCP_USER_TIMEOUT, keepalive), and the longest one connection "
        "attempt may take.",
    )
    db_queue_limit: int = Field(
        default=64,
        ge=0,
        description="Requests that may queue for a database connection, per worker; more are "
        "refused at once with a 503 (0: no limit). The default lets 64 connections' worth of "
        "requests wait, as a load test of one worker sends; set it near the pool size's "
        "multiple that the p99 can afford.",
    )
    db_statement_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a single statement may run before it is cancelled."
    )

    # Read replicas: see the README's "Read replicas" for what a read may see, and when.
    database_replica_urls: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(),
        description="Streaming replicas that serve reads, comma-separated URLs (none by default).",
    )
    db_replica_max_lag: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a replica may lag behind the primary and still serve reads.",
    )
    db_replica_wait: float = Field(
        default=0.5,
        ge=0,
        description="Seconds a read with a consistency token waits for a replica to replay "
        "it before the primary serves it.",
    )
    db_replica_check_interval: float = Field(
        default=0.5, gt=0, description="Seconds between checks of each replica's position."
    )

    jwt_secret: SecretStr | None = Field(
        default=None,
        validate_default=True,
        description="Signs access tokens (at least 32 characters). Required in production; "
        "elsewhere one is generated and kept under SHOP_DATA_DIR when unset.",
    )
    jwt_issuer: str = "shop"
    access_token_ttl: int = Field(default=3600, ge=60, description="Token lifetime in seconds.")
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost: int = Field(default=65536, ge=8, description="KiB per hash.")

    # Login and registration throttling (shared by every process, in PostgreSQL) and the
    # bound on Argon2 work; see the README, "Login and registration throttling".
    auth_throttle_window: int = Field(
        default=60, ge=1, le=86400, description="Seconds of the sliding throttle window."
    )
    login_attempts_per_account: PositiveInt = Field(
        default=10, description="Logins tried per e-mail address per window, from anywhere."
    )
    login_attempts_per_address: PositiveInt = Field(
        default=30, description="Logins tried per client address per window, any account."
    )
    registrations_per_address: PositiveInt = Field(
        default=20, description="Registrations tried per client address per window."
    )
    password_hashing_concurrency: PositiveInt = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) // 2),
        description="Argon2 hashes run at once per process (default: half the cores).",
    )
    password_hashing_patience: float = Field(
        default=0.5, gt=0, description="Seconds a login waits for a hashing slot before a 429."
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Proxies (comma-separated addresses, or *) whose X-Forwarded-For names "
        "the client; unset, the client is the connection's peer and the header is ignored.",
    )

    log_format: LogFormat = LogFormat.TEXT
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    alembic_config: Path = Field(
        default=Path("alembic.ini"), description="The Alembic configuration, for the schema head."
    )

    # Browsers: which other origins' pages may call the API (CORS). None by default.
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser, comma-separated or a JSON "
        "list (`https://shop.example.com`); `*` allows any origin.",
    )
    cors_allow_credentials: bool = Field(
        default=False,
        description="Let those origins send cookies or HTTP authentication; refused with `*`.",
    )

    @field_validator("database_url")
    @classmethod
    def _a_postgresql_url(cls, url: SecretStr | None) -> SecretStr | None:
        if url is not None:
            try:
                parsed = make_url(url.get_secret_value())
                _ = parsed.port  # a non-numeric port fails here
            except (ArgumentError, ValueError):
                raise ValueError(
                    "not a URL like postgresql://user:password@host:5432/database"
                ) from None
            if parsed.get_backend_name() not in ("postgresql", "postgres"):
                raise ValueError("the service runs on PostgreSQL: use a postgresql:// URL")
        return url

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _comma_separated(cls, urls: object) -> object:
        if isinstance(urls, str):
            return tuple(url.strip() for url in urls.split(",") if url.strip())
        return urls

    @field_validator("database_replica_urls")
    @classmethod
    def _postgresql_urls(cls, urls: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        for url in urls:
            cls._a_postgresql_url(url)
        return urls

    @field_validator("jwt_secret")
    @classmethod
    def _strong_enough(cls, secret: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if secret is None:
            if info.data.get("shop_env") is Environment.PRODUCTION:
                raise ValueError("required when SHOP_ENV=production")
        elif len(secret.get_secret_value()) < MIN_JWT_SECRET_LENGTH:
            raise ValueError(f"use at least {MIN_JWT_SECRET_LENGTH} characters")
        return secret

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins_comma_separated_or_json(cls, origins: object) -> object:
        if isinstance(origins, str):
            if origins.lstrip().startswith("["):
                return json.loads(origins)
            return [origin.strip() for origin in origins.split(",") if origin.strip()]
        return origins

    @field_validator("cors_allow_credentials")
    @classmethod
    def _no_credentials_for_any_origin(cls, allowed: bool, info: ValidationInfo) -> bool:
        if allowed and "*" in info.data.get("cors_origins", []):
            raise ValueError("cannot be true while CORS_ORIGINS allows any origin (*)")
        return allowed

    @property
    def uses_embedded_database(self) -> bool:
        """True when no server is configured, so the embedded PostgreSQL is used."""
        return self.database_url is None and self.postgres_host is None


_SECRET_SETTINGS = {"database_url", "database_replica_urls", "postgres_password", "jwt_secret"}
"""Settings whose values never appear in an error message (a URL may hold a password)."""


class ConfigurationError(RuntimeError):
    """A setting is invalid; the message names it, in one line."""


def load_settings() -> Settings:
    """Read the settings, turning a validation error into one line that names the setting."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        shown = ""
        if field not in _SECRET_SETTINGS and isinstance(first.get("input"), str | int):
            shown = f" (got {first['input']!r})"
        name = field.upper()
        # Our own validators' words, without the "Value error, " pydantic puts before them.
        message = str(first["ctx"]["error"] if first["type"] == "value_error" else first["msg"])
        raise ConfigurationError(f"invalid setting {name}: {message}{shown}") from None
