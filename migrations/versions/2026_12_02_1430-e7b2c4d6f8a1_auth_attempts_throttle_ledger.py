"""auth_attempts: the shared ledger that throttles logins and registrations

Revision ID: e7b2c4d6f8a1
Revises: d1a4f6b8c0e2
Create Date: 2026-12-02 14:30:00

An UNLOGGED table (no WAL; emptied by a crash, absent on replicas): the counts in it are
only worth the next two throttle windows, so the downgrade drops it and nothing is lost.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b2c4d6f8a1"
down_revision: str | None = "d1a4f6b8c0e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_attempts",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("window_index", sa.BigInteger(), nullable=False),
        sa.Column("current_count", sa.Integer(), nullable=False),
        sa.Column("previous_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_auth_attempts")),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("auth_attempts")
