"""Thin `async def` providers that hand routes their services from the container.

`async def` on purpose: FastAPI runs sync callables (and dependency-injector's `Provide`
marker is one) in its thread pool on every request.
"""

from typing import cast

from fastapi import Request

from shop.container import Container
from shop.domain.product_service import ProductService
from shop.domain.readiness import ReadinessProbe


def container_of(request: Request) -> Container:
    return cast(Container, request.app.state.container)


async def product_service(request: Request) -> ProductService:
    product_service: ProductService = container_of(request).product_service()
    return product_service


async def readiness_probe(request: Request) -> ReadinessProbe:
    probe: ReadinessProbe = container_of(request).readiness_probe()
    return probe
