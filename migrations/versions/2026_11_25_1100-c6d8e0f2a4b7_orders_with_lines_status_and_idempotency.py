"""orders: many lines per order, a status, a total, and idempotency keys

Revision ID: c6d8e0f2a4b7
Revises: a3c5e7f9b1d2
Create Date: 2026-11-25 11:00:00

The seed's orders hold one product and a quantity each. Each becomes a pending one-line
order whose unit price is the product's current price, so no order is lost. The downgrade
turns one-line pending orders back into that shape. It refuses, changing nothing, while any
order has more than one line or has moved past pending: the old shape holds neither, and a
cancelled order coming back as a live one would count its returned stock twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

revision: str = "c6d8e0f2a4b7"
down_revision: str | None = "a3c5e7f9b1d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("product_name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_order_items_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_items_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_items_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
        sa.UniqueConstraint(
            "order_id", "product_id", name=op.f("uq_order_items_order_id_product_id")
        ),
    )
    op.create_index(op.f("ix_order_items_product_id"), "order_items", ["product_id"])

    op.add_column(
        "orders", sa.Column("status", sa.String(16), server_default="pending", nullable=False)
    )
    op.add_column("orders", sa.Column("total", sa.Numeric(12, 2), nullable=True))
    for column in ("created_at", "updated_at"):
        op.add_column(
            "orders",
            sa.Column(
                column, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
            ),
        )
    op.execute(
        """
        INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price)
        SELECT o.id, o.product_id, p.name, o.quantity, p.price
        FROM orders o JOIN products p ON p.id = o.product_id
        ORDER BY o.id
        """
    )
    op.execute(
        """
        UPDATE orders SET total = i.unit_price * i.quantity
        FROM order_items i WHERE i.order_id = orders.id
        """
    )
    op.alter_column("orders", "total", existing_type=sa.Numeric(12, 2), nullable=False)
    op.create_check_constraint(
        op.f("ck_orders_status_known"),
        "orders",
        "status IN ('pending', 'paid', 'shipped', 'cancelled')",
    )
    op.create_check_constraint(op.f("ck_orders_total_not_negative"), "orders", "total >= 0")

    op.drop_index(op.f("ix_orders_product_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_user_id"), table_name="orders")
    op.drop_constraint(op.f("fk_orders_product_id_products"), "orders", type_="foreignkey")
    op.drop_column("orders", "product_id")
    op.drop_column("orders", "quantity")
    op.create_index(op.f("ix_orders_user_id_id"), "orders", ["user_id", "id"])
    op.create_index(op.f("ix_orders_status_id"), "orders", ["status", "id"])

    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_idempotency_keys_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_order_id"), "idempotency_keys", ["order_id"])


def _refuse_what_the_old_shape_cannot_hold() -> None:
    connection = op.get_bind()
    several = connection.execute(
        sa.text(
            "SELECT count(*) FROM (SELECT order_id FROM order_items "
            "GROUP BY order_id HAVING count(*) > 1) AS multi"
        )
    ).scalar_one()
    moved_on = connection.execute(
        sa.text("SELECT count(*) FROM orders WHERE status <> 'pending'")
    ).scalar_one()
    reasons = []
    if several:
        reasons.append(f"{several} order(s) have more than one line")
    if moved_on:
        reasons.append(f"{moved_on} order(s) are paid, shipped or cancelled")
    if reasons:
        raise CommandError(
            f"Refusing to downgrade: {' and '.join(reasons)}, which the previous schema "
            "(one product per order, no status) cannot hold. Nothing was changed."
        )


def downgrade() -> None:
    _refuse_what_the_old_shape_cannot_hold()
    op.drop_index(op.f("ix_idempotency_keys_order_id"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")

    op.drop_index(op.f("ix_orders_status_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_user_id_id"), table_name="orders")
    op.add_column("orders", sa.Column("product_id", sa.Integer(), nullable=True))
    op.add_column("orders", sa.Column("quantity", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE orders SET product_id = i.product_id, quantity = i.quantity
        FROM order_items i WHERE i.order_id = orders.id
        """
    )
    op.alter_column("orders", "product_id", existing_type=sa.Integer(), nullable=False)
    op.alter_column("orders", "quantity", existing_type=sa.Integer(), nullable=False)
    op.create_foreign_key(
        op.f("fk_orders_product_id_products"), "orders", "products", ["product_id"], ["id"]
    )
    op.create_index(op.f("ix_orders_user_id"), "orders", ["user_id"])
    op.create_index(op.f("ix_orders_product_id"), "orders", ["product_id"])

    op.drop_constraint(op.f("ck_orders_total_not_negative"), "orders", type_="check")
    op.drop_constraint(op.f("ck_orders_status_known"), "orders", type_="check")
    op.drop_column("orders", "updated_at")
    op.drop_column("orders", "created_at")
    op.drop_column("orders", "total")
    op.drop_column("orders", "status")

    op.drop_index(op.f("ix_order_items_product_id"), table_name="order_items")
    op.drop_table("order_items")
