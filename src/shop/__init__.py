"""The shop service: products, users and orders over a layered FastAPI + SQLAlchemy core."""
