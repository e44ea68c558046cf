"""users: an active flag an administrator can clear, and a version that ends old tokens

Revision ID: d1a4f6b8c0e2
Revises: c6d8e0f2a4b7
Create Date: 2026-12-02 14:00:00

Existing users stay active at token version 0, which is also what a token issued before
this revision (it carries no version) counts as: nobody is logged out by the upgrade. The
downgrade refuses, changing nothing, while any user is deactivated: the old schema cannot
say so, and the user would come back able to log in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from alembic.util import CommandError

revision: str = "d1a4f6b8c0e2"
down_revision: str | None = "c6d8e0f2a4b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        "users",
        sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_users_token_version_not_negative"), "users", "token_version >= 0"
    )


def downgrade() -> None:
    # Offline (--sql) there are no rows to look at.
    if not context.is_offline_mode():
        inactive = (
            op.get_bind()
            .execute(sa.text("SELECT count(*) FROM users WHERE NOT is_active"))
            .scalar_one()
        )
        if inactive:
            raise CommandError(
                f"Refusing to downgrade: {inactive} user(s) are deactivated, which the "
                "previous schema cannot record. Nothing was changed."
            )
    op.drop_constraint(op.f("ck_users_token_version_not_negative"), "users", type_="check")
    op.drop_column("users", "token_version")
    op.drop_column("users", "is_active")
