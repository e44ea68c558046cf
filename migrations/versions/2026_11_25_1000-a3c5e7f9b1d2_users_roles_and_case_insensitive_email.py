"""users: a role, and e-mail addresses unique whatever their case

Revision ID: a3c5e7f9b1d2
Revises: f8b9d0e1c273
Create Date: 2026-11-25 10:00:00

Existing users become customers. If two existing addresses differ only in case, the unique
index cannot be built and the upgrade stops with PostgreSQL's message naming the duplicate;
merge those accounts first. The downgrade forgets who is an administrator.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3c5e7f9b1d2"
down_revision: str | None = "f8b9d0e1c273"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("role", sa.String(16), server_default="customer", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_users_role_known"), "users", "role IN ('admin', 'customer')"
    )
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_constraint(op.f("ck_users_role_known"), "users", type_="check")
    op.drop_column("users", "role")
