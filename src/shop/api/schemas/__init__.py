"""Pydantic models of what goes over the wire, documented in the OpenAPI schema."""
