"""In-memory stand-ins for the storage, obeying the same interfaces as the real ones."""

import copy
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Self

from shop.domain.orders import (
    IdempotencyRecord,
    IdempotentRequestInProgress,
    NewOrder,
    Order,
    OrderStatus,
)
from shop.domain.product_listing import ProductFilter, ProductOrdering, ProductSortField, SortKey
from shop.domain.products import NewProduct, Product, ProductInUse
from shop.domain.read_side import AbstractReadSide
from shop.domain.security import AccessToken, TokenSubject, Verification
from shop.domain.unit_of_work import AbstractUnitOfWork, AlreadyOpen, ExcInfo
from shop.domain.users import EmailTaken, InvalidToken, NewUser, Role, User, UsernameTaken


class FakeClock:
    """A clock that moves one millisecond per reading, so timestamps are distinct and ordered."""

    def __init__(self) -> None:
        self._now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self._now += timedelta(milliseconds=1)
        return self._now


class InMemoryProductReader:
    def __init__(self, rows: dict[int, Product]) -> None:
        self.rows = rows

    async def get(self, product_id: int) -> Product | None:
        found = self.rows.get(product_id)
        return None if found is None else replace(found)

    async def list_page(
        self, criteria: ProductFilter, ordering: ProductOrdering, after: SortKey | None, limit: int
    ) -> list[Product]:
        def key(p: Product) -> SortKey:
            if ordering.field is ProductSortField.ID:
                return (p.id,)
            return (getattr(p, ordering.field), p.id)

        chosen = sorted(
            (p for p in self.rows.values() if _matches(p, criteria)),
            key=key,  # type: ignore[arg-type, return-value]
            reverse=ordering.descending,
        )
        if after is not None:
            chosen = [
                p
                for p in chosen
                if (key(p) < after if ordering.descending else key(p) > after)  # type: ignore[operator]
            ]
        return [replace(p) for p in chosen[:limit]]


class InMemoryProductRepository(InMemoryProductReader):
    def __init__(self, rows: dict[int, Product], referenced: set[int], clock: FakeClock) -> None:
        super().__init__(rows)
        self.referenced = referenced
        self._clock = clock
        self._ids = itertools.count(max(rows, default=0) + 1)

    async def get_for_update(self, product_id: int) -> Product | None:
        return await self.get(product_id)

    async def lock_many(self, product_ids: list[int]) -> list[Product]:
        return [replace(self.rows[i]) for i in sorted(product_ids) if i in self.rows]

    async def save_stock(self, changed: list[Product]) -> None:
        for product in changed:
            await self.save(product)

    async def add(self, new: NewProduct) -> Product:
        now = self._clock()
        product = Product(
            id=next(self._ids),
            name=new.name,
            description=new.description,
            price=new.price,
            quantity=new.quantity,
            created_at=now,
            updated_at=now,
        )
        self.rows[product.id] = replace(product)
        return product

    async def save(self, product: Product) -> None:
        product.version += 1
        product.updated_at = self._clock()
        self.rows[product.id] = replace(product)

    async def remove(self, product_id: int) -> bool:
        if product_id in self.referenced:
            raise ProductInUse(product_id)
        return self.rows.pop(product_id, None) is not None


def _matches(product: Product, criteria: ProductFilter) -> bool:
    if criteria.name_contains and criteria.name_contains.lower() not in product.name.lower():
        return False
    if criteria.min_price is not None and product.price < criteria.min_price:
        return False
    if criteria.max_price is not None and product.price > criteria.max_price:
        return False
    return criteria.in_stock is None or (product.quantity > 0) == criteria.in_stock


class InMemoryUserReader:
    def __init__(self, rows: dict[int, User]) -> None:
        self.rows = rows

    async def get(self, user_id: int) -> User | None:
        found = self.rows.get(user_id)
        return None if found is None else replace(found)

    async def get_by_email(self, email: str) -> User | None:
        found = next((u for u in self.rows.values() if u.email == email.lower()), None)
        return None if found is None else replace(found)

    async def list_page(self, after_id: int | None, limit: int) -> list[User]:
        chosen = sorted(i for i in self.rows if after_id is None or i > after_id)
        return [replace(self.rows[i]) for i in chosen[:limit]]


class InMemoryUserRepository(InMemoryUserReader):
    def __init__(self, rows: dict[int, User], clock: FakeClock) -> None:
        super().__init__(rows)
        self._clock = clock
        self._ids = itertools.count(max(rows, default=0) + 1)

    async def get_for_update(self, user_id: int) -> User | None:
        return await self.get(user_id)

    async def add(self, new: NewUser) -> User:
        self._check_unique(new.email, new.username, None)
        user = User(
            next(self._ids), new.email, new.username, new.password_hash, new.role, self._clock()
        )
        self.rows[user.id] = replace(user)
        return user

    async def save(self, user: User) -> None:
        self._check_unique(None, user.username, user.id)
        self.rows[user.id] = replace(user)

    def _check_unique(self, email: str | None, username: str, own_id: int | None) -> None:
        for other in self.rows.values():
            if other.id == own_id:
                continue
            if email is not None and other.email == email:
                raise EmailTaken
            if other.username == username:
                raise UsernameTaken


class InMemoryOrderReader:
    def __init__(self, rows: dict[int, Order], keys: dict[tuple[int, str], IdempotencyRecord]):
        self.rows = rows
        self.keys = keys

    async def get(self, order_id: int) -> Order | None:
        return copy.deepcopy(self.rows.get(order_id))

    async def idempotency_record(self, user_id: int, key: str) -> IdempotencyRecord | None:
        return self.keys.get((user_id, key))

    async def list_page(
        self, user_id: int | None, status: OrderStatus | None, before_id: int | None, limit: int
    ) -> list[Order]:
        chosen = [
            o
            for o in sorted(self.rows.values(), key=lambda o: o.id, reverse=True)
            if (user_id is None or o.user_id == user_id)
            and (status is None or o.status is status)
            and (before_id is None or o.id < before_id)
        ]
        return copy.deepcopy(chosen[:limit])


class InMemoryOrderRepository(InMemoryOrderReader):
    def __init__(
        self,
        rows: dict[int, Order],
        keys: dict[tuple[int, str], IdempotencyRecord],
        clock: FakeClock,
        products: InMemoryProductRepository,
    ) -> None:
        super().__init__(rows, keys)
        self._clock = clock
        self._products = products
        self._ids = itertools.count(max(rows, default=0) + 1)

    async def get_for_update(self, order_id: int) -> Order | None:
        return await self.get(order_id)

    async def add(
        self, new: NewOrder, idempotency_key: str | None, request_fingerprint: str | None
    ) -> Order:
        now = self._clock()
        order = Order(next(self._ids), new.user_id, OrderStatus.PENDING, list(new.lines), now, now)
        if idempotency_key is not None and request_fingerprint is not None:
            if (new.user_id, idempotency_key) in self.keys:
                raise IdempotentRequestInProgress
            self.keys[new.user_id, idempotency_key] = IdempotencyRecord(
                request_fingerprint, order.id
            )
        await self._products.save_stock(new.taken_from)
        self.rows[order.id] = copy.deepcopy(order)
        return order

    async def save_status(self, order: Order) -> None:
        order.updated_at = self._clock()
        self.rows[order.id] = copy.deepcopy(order)


class RecordingOrderEvents:
    def __init__(self) -> None:
        self.placed: list[int] = []
        self.refused: list[str] = []

    def order_placed(self, order: Order) -> None:
        self.placed.append(order.id)

    def order_refused(self, reason: str) -> None:
        self.refused.append(reason)


class FakePasswordHasher:
    """Readable "hashes"; a hash made under an older scheme verifies and asks to be renewed."""

    scheme = "fake2"

    def __init__(self) -> None:
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return f"{self.scheme}:{password}"

    async def verify(self, password: str, password_hash: str) -> Verification:
        self.verifications += 1
        scheme, _, hashed = password_hash.partition(":")
        if hashed != password:
            return Verification(False)
        return Verification(True, None if scheme == self.scheme else await self.hash(password))

    async def verify_nothing(self, password: str) -> None:
        self.verifications += 1


class FakeTokenService:
    def issue(self, user_id: int, token_version: int) -> AccessToken:
        return AccessToken(f"token-for-{user_id}-{token_version}", 60)

    def subject_of(self, token: str) -> TokenSubject:
        prefix, _, rest = token.partition("-for-")
        user_id, _, version = rest.partition("-")
        if prefix != "token" or not (user_id.isdigit() and version.isdigit()):
            raise InvalidToken
        return TokenSubject(int(user_id), int(version))


class FakeUnitOfWork(AbstractUnitOfWork):
    """Works on a copy of the committed state; `commit()` publishes it, anything else drops it."""

    def __init__(self) -> None:
        self.committed_products: dict[int, Product] = {}
        self.committed_users: dict[int, User] = {}
        self.committed_orders: dict[int, Order] = {}
        self.committed_keys: dict[tuple[int, str], IdempotencyRecord] = {}
        self.referenced_products: set[int] = set()
        self.clock = FakeClock()
        self.commits = 0
        self._open = False

    async def __aenter__(self) -> Self:
        if self._open:
            raise AlreadyOpen("this unit of work is already open; nest another instance")
        self._open = True
        self.products = InMemoryProductRepository(
            copy.deepcopy(self.committed_products), self.referenced_products, self.clock
        )
        self.users = InMemoryUserRepository(copy.deepcopy(self.committed_users), self.clock)
        self.orders = InMemoryOrderRepository(
            copy.deepcopy(self.committed_orders),
            dict(self.committed_keys),
            self.clock,
            self.products,
        )
        return self

    async def __aexit__(self, *exc_info: *ExcInfo) -> None:
        try:
            await super().__aexit__(*exc_info)
        finally:
            self._open = False

    async def commit(self) -> None:
        self.committed_products = copy.deepcopy(self.products.rows)
        self.committed_users = copy.deepcopy(self.users.rows)
        self.committed_orders = copy.deepcopy(self.orders.rows)
        self.committed_keys = dict(self.orders.keys)
        self.commits += 1

    async def rollback(self) -> None:
        self.products.rows = copy.deepcopy(self.committed_products)
        self.users.rows = copy.deepcopy(self.committed_users)
        self.orders.rows = copy.deepcopy(self.committed_orders)
        self.orders.keys = dict(self.committed_keys)


class FakeReadSide(AbstractReadSide):
    """Reads what the unit of work `of` has committed, as the real read side reads the database."""

    def __init__(self, of: FakeUnitOfWork) -> None:
        self._committed = of
        self._open = False

    async def __aenter__(self) -> Self:
        if self._open:
            raise AlreadyOpen("this read side is already open; nest another instance")
        self._open = True
        state = self._committed
        self.products = InMemoryProductReader(copy.deepcopy(state.committed_products))
        self.users = InMemoryUserReader(copy.deepcopy(state.committed_users))
        self.orders = InMemoryOrderReader(
            copy.deepcopy(state.committed_orders), dict(state.committed_keys)
        )
        return self

    async def __aexit__(self, *exc_info: *ExcInfo) -> None:
        self._open = False


def a_new_product(**overrides: object) -> NewProduct:
    fields: dict[str, object] = {
        "name": "Espresso machine",
        "description": "15 bar",
        "price": Decimal("199.90"),
        "quantity": 5,
    }
    fields.update(overrides)
    return NewProduct(**fields)  # type: ignore[arg-type]


def a_user(role: Role = Role.CUSTOMER, user_id: int = 1) -> User:
    return User(
        user_id, f"user{user_id}@example.com", f"user{user_id}", "fake2:pw", role, datetime.now(UTC)
    )


ADMIN = a_user(Role.ADMIN, user_id=1000)
CUSTOMER = a_user(Role.CUSTOMER, user_id=1001)
