"""users and orders: bounded text, zoned timestamps, indexes on the foreign keys

Revision ID: f8b9d0e1c273
Revises: e41a7c2d5b60
Create Date: 2026-11-25 09:10:00

The seed stored `created_at` without a time zone, written by the server clock; it is taken
as UTC. Values longer than the new bounds make the upgrade fail rather than be cut short.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f8b9d0e1c273"
down_revision: str | None = "e41a7c2d5b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("users", "email", type_=sa.String(320), existing_nullable=False)
    op.alter_column("users", "username", type_=sa.String(50), existing_nullable=False)
    op.alter_column("users", "hashed_password", type_=sa.String(255), existing_nullable=False)
    op.execute("UPDATE users SET created_at = now() WHERE created_at IS NULL")
    op.alter_column(
        "users",
        "created_at",
        type_=sa.DateTime(timezone=True),
        nullable=False,
        existing_server_default=sa.func.now(),
        postgresql_using="created_at AT TIME ZONE 'UTC'",
    )
    op.create_index(op.f("ix_orders_user_id"), "orders", ["user_id"])
    op.create_index(op.f("ix_orders_product_id"), "orders", ["product_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_orders_product_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_user_id"), table_name="orders")
    op.alter_column(
        "users",
        "created_at",
        type_=sa.DateTime(),
        nullable=True,
        existing_server_default=sa.func.now(),
        postgresql_using="created_at AT TIME ZONE 'UTC'",
    )
    op.alter_column("users", "hashed_password", type_=sa.String(), existing_nullable=False)
    op.alter_column("users", "username", type_=sa.String(), existing_nullable=False)
    op.alter_column("users", "email", type_=sa.String(), existing_nullable=False)
