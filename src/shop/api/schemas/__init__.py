"""What goes over the wire, documented in the OpenAPI schema.

Request bodies are pydantic models: they validate what clients send. Response bodies are
TypedDicts, filled by a dict literal from the entity (`product_out`, `order_out`, ...), whose
values the domain has already checked; pydantic serializes them from `JsonBody`
(`shop.api.responses`). A page of 20 orders of 3 lines is built and serialized in under a
third of the time the same page of models took (a `model_construct` per order and per
line), and a literal names each field a response shows, so nothing else of an entity (a
password hash) gets out.
"""
