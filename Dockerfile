# The shop service as a container image: the app, its migrations and the `shop` command.
# Configuration comes from the environment (see .env.example); no database is built in: the
# `embedded` extra is left out, so the image needs DATABASE_URL or POSTGRES_HOST.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --prefix=/install .

FROM python:3.11-slim
# A fixed numeric id, so an orchestrator can check that the image does not run as root.
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin shop
WORKDIR /app
COPY --from=build /install /usr/local
COPY alembic.ini ./
COPY migrations ./migrations
USER 10001:10001
ENV SHOP_ENV=production \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LOG_FORMAT=json \
    ALEMBIC_CONFIG=/app/alembic.ini
EXPOSE 8000
# Liveness of the process; readiness (database and schema) is /health/ready, for balancers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"]
# One process per container by default; scale with more containers (see README).
# The migrate job runs the same image: `alembic upgrade head`.
CMD ["shop", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]
