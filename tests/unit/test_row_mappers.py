"""Rows become entities column by column: a column the entity does not know yet is ignored."""

from datetime import UTC, datetime
from decimal import Decimal

from shop.domain.orders import OrderLine, OrderStatus
from shop.domain.users import Role
from shop.infrastructure.order_repository import order_from_row
from shop.infrastructure.product_repository import product_from_row
from shop.infrastructure.user_repository import user_from_row

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_products_row_with_a_new_column_still_makes_a_product() -> None:
    row = {
        "id": 1,
        "name": "Mug",
        "description": None,
        "price": Decimal("4.50"),
        "quantity": 3,
        "created_at": NOW,
        "updated_at": NOW,
        "version": 2,
        "weight_grams": 350,
    }
    product = product_from_row(row)
    assert (product.id, product.name, product.price, product.quantity, product.version) == (
        1,
        "Mug",
        Decimal("4.50"),
        3,
        2,
    )


def test_a_users_row_with_a_new_column_still_makes_a_user() -> None:
    row = {
        "id": 7,
        "email": "ada@example.com",
        "username": "ada",
        "hashed_password": "h",
        "role": "admin",
        "created_at": NOW,
        "is_active": True,
        "token_version": 3,
        "nickname": "A",
    }
    user = user_from_row(row)
    assert (user.id, user.email, user.password_hash, user.role) == (
        7,
        row["email"],
        "h",
        Role.ADMIN,
    )


def test_an_orders_row_with_a_new_column_still_makes_an_order() -> None:
    row = {
        "id": 3,
        "user_id": 7,
        "status": "paid",
        "created_at": NOW,
        "updated_at": NOW,
        "product_ids": [1],
        "product_names": ["Mug"],
        "quantities": [2],
        "unit_prices": [Decimal("4.50")],
        "shipping_note": "leave at the door",
    }
    order = order_from_row(row)
    assert (order.id, order.status, order.lines) == (
        3,
        OrderStatus.PAID,
        [OrderLine(1, "Mug", 2, Decimal("4.50"))],
    )
