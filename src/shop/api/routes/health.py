"""Liveness and readiness, for load balancers and orchestrators."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from shop.api.dependencies import readiness_probe
from shop.api.problems import problem_response, problem_responses
from shop.api.responses import JsonBody
from shop.domain.readiness import ReadinessProbe

router = APIRouter(prefix="/health", tags=["health"])


class Live(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"
    migrations: str = Field(description="The schema's Alembic revision (the head).")


LIVE_JSON: JsonBody[Live] = JsonBody(Live)
READY_JSON: JsonBody[Ready] = JsonBody(Ready)


@router.get("/live", response_model=LIVE_JSON.model)
async def live() -> Response:
    """The process is up; touches no database."""
    return LIVE_JSON.response(Live())


@router.get("/ready", response_model=READY_JSON.model, responses=problem_responses(503))
async def ready(
    request: Request, probe: Annotated[ReadinessProbe, Depends(readiness_probe)]
) -> Response:
    """The database answers and its schema is at the code's migration head."""
    readiness = await probe.check()
    if not readiness.ready or readiness.schema_revision is None:
        return problem_response(503, request.url.path, readiness.problem)
    return READY_JSON.response(Ready(migrations=readiness.schema_revision))
