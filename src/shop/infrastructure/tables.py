"""The one `MetaData` of the service: every table the code maps, shared with Alembic."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

Money = Numeric(12, 2, asdecimal=True)


def _timestamp(name: str) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("price", Money, nullable=False),
    Column("quantity", Integer, nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    Column("version", Integer, nullable=False, server_default=text("1")),
    CheckConstraint("price >= 0", name="price_not_negative"),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    # Keyset pagination walks (sort column, id) in both directions on these.
    Index(None, "name", "id"),
    Index(None, "price", "id"),
    Index(None, "created_at", "id"),
    # Case-insensitive substring search (`?q=`) with ILIKE.
    Index(
        "ix_products_name_trgm",
        "name",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    ),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("username", String(50), nullable=False, unique=True),
    Column("hashed_password", String(255), nullable=False),
    _timestamp("created_at"),
    Column("role", String(16), nullable=False, server_default="customer"),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("token_version", Integer, nullable=False, server_default=text("0")),
    CheckConstraint("role IN ('admin', 'customer')", name="role_known"),
    CheckConstraint("token_version >= 0", name="token_version_not_negative"),
)
# E-mail addresses are unique whatever their case; lookups use the same expression.
Index("uq_users_email_lower", func.lower(users.c.email), unique=True)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("total", Money, nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    CheckConstraint("status IN ('pending', 'paid', 'shipped', 'cancelled')", name="status_known"),
    CheckConstraint("total >= 0", name="total_not_negative"),
    # Listings walk id downwards, for one user or one status.
    Index(None, "user_id", "id"),
    Index(None, "status", "id"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False, index=True),
    Column("product_name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    UniqueConstraint("order_id", "product_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_fingerprint", String(64), nullable=False),
    Column(
        "order_id",
        Integer,
        ForeignKey("orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    _timestamp("created_at"),
)

# Login and registration attempts per key (a hash of the account or address) in two fixed
# windows: see attempt_ledger.py. UNLOGGED: no WAL for a counter written on every attempt;
# a crash empties it, which only forgives some attempts. Not replicated to standbys.
auth_attempts = Table(
    "auth_attempts",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("window_index", BigInteger, nullable=False),
    Column("current_count", Integer, nullable=False),
    Column("previous_count", Integer, nullable=False),
    prefixes=["UNLOGGED"],
)
