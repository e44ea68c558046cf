"""Whether the service can do its work: what an operator's readiness probe asks."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ReplicaReadiness:
    """A read replica's state. Not part of being ready: without it, the primary serves."""

    name: str
    reachable: bool
    serving: bool
    """Reachable and within the lag bound, so it serves reads."""
    lag_seconds: float | None
    """At most this far behind the primary; None when unknown."""


@dataclass(frozen=True, slots=True)
class Readiness:
    """The storage's state: ready only when reachable and at the schema the code expects."""

    database_reachable: bool
    schema_revision: str | None
    expected_revision: str
    replicas: tuple[ReplicaReadiness, ...] = ()

    @property
    def ready(self) -> bool:
        return self.database_reachable and self.schema_revision == self.expected_revision

    @property
    def problem(self) -> str | None:
        """Why the service is not ready, in one sentence; None when it is."""
        if not self.database_reachable:
            return "The database is unreachable."
        if self.schema_revision != self.expected_revision:
            return (
                f"The database schema is at revision {self.schema_revision or 'none'}, "
                f"the code expects {self.expected_revision}; run the migrations."
            )
        return None


class ReadinessProbe(Protocol):
    async def check(self) -> Readiness: ...
