# The shop service as a container image: the app, its migrations and the `shop` command.
# Configuration comes from the environment (see .env.example); no database is built in.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin shop
WORKDIR /app
COPY --from=build /install /usr/local
COPY alembic.ini ./
COPY migrations ./migrations
USER shop
ENV SHOP_ENV=production \
    PYTHONUNBUFFERED=1 \
    LOG_FORMAT=json \
    ALEMBIC_CONFIG=/app/alembic.ini
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"
# One process per container by default; scale with more containers (see README).
CMD ["shop", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]
