"""Login and registration attempts counted in PostgreSQL, where every process sees them.

One statement per attempt, in autocommit: an upsert of one row per key (the account, the
address) that rolls the key's two fixed windows forward and returns their counts. The
table is UNLOGGED (see tables.py): a crash empties it, which forgives a few attempts and
costs nothing while running. Rows of keys not seen for two windows are swept now and then.
"""

import random
from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, INTEGER, TEXT
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.domain.errors import StorageUnavailable
from shop.domain.throttling import Attempt, AttemptCount, ThrottlePolicy
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_health import is_connection_error
from shop.settings import Settings

# Keys are sorted so that two statements on the same keys lock their rows in one order.
_RECORD = text(
    """
    WITH clock AS (SELECT extract(epoch FROM statement_timestamp()) AS now),
    given AS (SELECT * FROM unnest(:keys, :caps) AS g(key, cap))
    INSERT INTO auth_attempts AS a (key, window_index, current_count, previous_count)
    SELECT given.key, floor(clock.now / :window)::bigint, 1, 0
    FROM given, clock
    ORDER BY given.key
    ON CONFLICT (key) DO UPDATE SET
        previous_count = CASE
            WHEN a.window_index = excluded.window_index THEN a.previous_count
            WHEN a.window_index = excluded.window_index - 1 THEN a.current_count
            ELSE 0 END,
        current_count = CASE
            WHEN a.window_index = excluded.window_index
            THEN least(a.current_count + 1, (SELECT cap FROM given WHERE given.key = a.key))
            ELSE 1 END,
        window_index = excluded.window_index
    RETURNING key, previous_count, current_count,
        (SELECT now FROM clock) - window_index * :window AS elapsed
    """
).bindparams(bindparam("keys", type_=ARRAY(TEXT)), bindparam("caps", type_=ARRAY(INTEGER)))

_SWEEP = text(
    """
    DELETE FROM auth_attempts
    WHERE window_index < floor(extract(epoch FROM statement_timestamp()) / :window) - 1
    """
)

SWEEP_CHANCE = 0.001
"""Of attempts, the share that also sweeps stale rows (a flood of new keys grows the table)."""


class PostgresAttemptLedger:
    def __init__(self, engine: AsyncEngine, gate: ConnectionGate) -> None:
        # Autocommit: the upsert is its own transaction, with no BEGIN or COMMIT round trip.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._gate = gate

    async def record(self, attempts: Sequence[Attempt], window_seconds: int) -> list[AttemptCount]:
        values = {
            "keys": [a.key for a in attempts],
            "caps": [a.limit + 1 for a in attempts],
            "window": window_seconds,
        }
        await self._gate.enter()
        try:
            async with self._engine.connect() as connection:
                rows = (await connection.execute(_RECORD, values)).all()
                if random.random() < SWEEP_CHANCE:  # noqa: S311 - not for secrets
                    await connection.execute(_SWEEP, {"window": window_seconds})
        except Exception as error:
            if is_connection_error(error):
                raise StorageUnavailable("The database is unavailable; retry shortly.") from error
            raise
        finally:
            self._gate.leave()
        return [
            AttemptCount(row.key, row.previous_count, row.current_count, float(row.elapsed))
            for row in rows
        ]


def throttle_policy_of(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        window_seconds=settings.auth_throttle_window,
        logins_per_account=settings.login_attempts_per_account,
        logins_per_address=settings.login_attempts_per_address,
        registrations_per_address=settings.registrations_per_address,
    )
