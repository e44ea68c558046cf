"""Liveness and readiness, for load balancers and orchestrators."""

from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from shop.api.dependencies import readiness_probe
from shop.api.problems import problem_response, problem_responses
from shop.api.responses import JsonBody
from shop.api.routes import resource_router

router = resource_router("health")


class Live(BaseModel):
    status: Literal["ok"] = "ok"


class ReplicaReady(BaseModel):
    name: str = Field(description="Where the replica is: host, port and database.")
    status: Literal["ok", "behind", "unreachable"] = Field(
        description="ok: it serves reads; behind: further behind than DB_REPLICA_MAX_LAG; "
        "unreachable: it does not answer. Reads it does not serve go to the primary."
    )
    lag_seconds: float | None = Field(description="At most this far behind the primary.")


class Ready(BaseModel):
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"
    migrations: str = Field(description="The schema's Alembic revision (the head).")
    replicas: list[ReplicaReady] = Field(
        default_factory=list,
        description="Each read replica (DATABASE_REPLICA_URLS); readiness does not depend on them.",
    )


LIVE_JSON: JsonBody[Live] = JsonBody(Live)
READY_JSON: JsonBody[Ready] = JsonBody(Ready)


@router.get("/live", response_model=LIVE_JSON.model)
async def check_liveness() -> Response:
    """The process is up; touches no database."""
    return LIVE_JSON.response(Live())


@router.get("/ready", response_model=READY_JSON.model, responses=problem_responses(503))
async def check_readiness(request: Request) -> Response:
    """The database answers and its schema is at the code's migration head."""
    readiness = await readiness_probe(request).check()
    if not readiness.ready or readiness.schema_revision is None:
        return problem_response(503, request.url.path, readiness.problem)
    replicas = [
        ReplicaReady(
            name=replica.name,
            status="ok" if replica.serving else "behind" if replica.reachable else "unreachable",
            lag_seconds=None if replica.lag_seconds is None else round(replica.lag_seconds, 3),
        )
        for replica in readiness.replicas
    ]
    return READY_JSON.response(Ready(migrations=readiness.schema_revision, replicas=replicas))
