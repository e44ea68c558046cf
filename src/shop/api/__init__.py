"""The HTTP face of the shop: FastAPI app, routes, schemas, error handling and middleware."""
