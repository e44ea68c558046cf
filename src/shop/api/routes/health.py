"""Liveness and readiness, for load balancers and orchestrators."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from shop.api.dependencies import readiness_probe
from shop.api.openapi import operation_id
from shop.api.problems import problem_response, problem_responses
from shop.domain.readiness import ReadinessProbe

router = APIRouter(prefix="/health", tags=["health"], generate_unique_id_function=operation_id)


class Live(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"
    migrations: str = Field(description="The schema's Alembic revision (the head).")


@router.get("/live")
async def check_liveness() -> Live:
    """The process is up; touches no database."""
    return Live()


@router.get("/ready", response_model=Ready, responses=problem_responses(503))
async def check_readiness(
    request: Request, probe: Annotated[ReadinessProbe, Depends(readiness_probe)]
) -> Ready | Response:
    """The database answers and its schema is at the code's migration head."""
    readiness = await probe.check()
    if not readiness.ready or readiness.schema_revision is None:
        return problem_response(503, request.url.path, readiness.problem)
    return Ready(migrations=readiness.schema_revision)
