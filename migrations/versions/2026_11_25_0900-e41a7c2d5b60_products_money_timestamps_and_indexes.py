"""products: exact money, timestamps, a version for ETags, indexes for listing

Revision ID: e41a7c2d5b60
Revises: b7e3c9d1f432
Create Date: 2026-11-25 09:00:00

Prices move from float to NUMERIC(12,2), rounded to the cent. Names longer than 200
characters make the upgrade fail rather than be cut short.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e41a7c2d5b60"
down_revision: str | None = "b7e3c9d1f432"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.alter_column(
        "products",
        "price",
        type_=sa.Numeric(12, 2),
        existing_nullable=False,
        postgresql_using="round(price::numeric, 2)",
    )
    op.alter_column("products", "name", type_=sa.String(200), existing_nullable=False)
    op.alter_column("products", "description", type_=sa.Text(), existing_nullable=True)
    for column in ("created_at", "updated_at"):
        op.add_column(
            "products",
            sa.Column(
                column, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
            ),
        )
    op.add_column(
        "products",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_check_constraint(op.f("ck_products_price_not_negative"), "products", "price >= 0")
    op.create_check_constraint(
        op.f("ck_products_quantity_not_negative"), "products", "quantity >= 0"
    )
    op.create_index(op.f("ix_products_name_id"), "products", ["name", "id"])
    op.create_index(op.f("ix_products_price_id"), "products", ["price", "id"])
    op.create_index(op.f("ix_products_created_at_id"), "products", ["created_at", "id"])
    op.create_index(
        "ix_products_name_trgm",
        "products",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_products_name_trgm", table_name="products")
    op.drop_index(op.f("ix_products_created_at_id"), table_name="products")
    op.drop_index(op.f("ix_products_price_id"), table_name="products")
    op.drop_index(op.f("ix_products_name_id"), table_name="products")
    op.drop_constraint(op.f("ck_products_quantity_not_negative"), "products", type_="check")
    op.drop_constraint(op.f("ck_products_price_not_negative"), "products", type_="check")
    op.drop_column("products", "version")
    op.drop_column("products", "updated_at")
    op.drop_column("products", "created_at")
    op.alter_column("products", "description", type_=sa.String(), existing_nullable=True)
    op.alter_column("products", "name", type_=sa.String(), existing_nullable=False)
    op.alter_column(
        "products",
        "price",
        type_=sa.Float(),
        existing_nullable=False,
        postgresql_using="price::double precision",
    )
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
