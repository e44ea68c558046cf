"""Users in PostgreSQL."""

from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.sql.dml import UpdateBase

from shop.domain.users import EmailTaken, NewUser, Role, User, UsernameTaken
from shop.infrastructure.refused_writes import (
    UNIQUE_VIOLATION,
    RefusedWrite,
    constraint_of,
    violates,
)
from shop.infrastructure.statements import (
    DriverWrites,
    Fields,
    Query,
    Runner,
    RunsStatements,
    Write,
)
from shop.infrastructure.tables import users


def user_from_row(fields: Fields) -> User:
    return User(
        id=fields["id"],
        email=fields["email"],
        username=fields["username"],
        password_hash=fields["hashed_password"],
        role=Role(fields["role"]),
        created_at=fields["created_at"],
        is_active=fields["is_active"],
        token_version=fields["token_version"],
    )


def _taken(error: Exception) -> Exception:
    """The domain's word for a unique violation, by the constraint that was hit."""
    if not violates(error, UNIQUE_VIOLATION):
        return error
    constraint = constraint_of(error)
    if "email" in constraint:
        return EmailTaken()
    if "username" in constraint:
        return UsernameTaken()
    return error


def _by_id(lock: bool) -> Select[Any]:
    statement = select(users).where(users.c.id == bindparam("user_id"))
    return statement.with_for_update() if lock else statement


def _by_email() -> Select[Any]:
    return select(users).where(func.lower(users.c.email) == bindparam("email"))


def _listing(after: bool) -> Select[Any]:
    statement = select(users).order_by(users.c.id).limit(bindparam("limit"))
    return statement.where(users.c.id > bindparam("after_id")) if after else statement


def _adding() -> UpdateBase:
    columns = ("email", "username", "hashed_password", "role")
    return insert(users).values({c: bindparam(c) for c in columns}).returning(*users.c)


def _saving() -> UpdateBase:
    columns = ("username", "hashed_password", "role", "is_active", "token_version")
    return (
        update(users)
        .where(users.c.id == bindparam("user_id"))
        .values({c: bindparam(c) for c in columns})
    )


_BY_ID = Query(_by_id)
_BY_EMAIL = Query(_by_email)
_LISTING = Query(_listing)
_ADDING = Write(_adding)
_SAVING = Write(_saving)


class SqlAlchemyUserReader(RunsStatements[Runner]):
    """The read side's users."""

    async def get(self, user_id: int) -> User | None:
        # Every authenticated request asks this, so it takes the statement runner's fast path.
        return await self._statements.one(_BY_ID.shaped(False), user_from_row, user_id=user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self._statements.one(_BY_EMAIL.shaped(), user_from_row, email=email.lower())

    async def list_page(self, after_id: int | None, limit: int) -> list[User]:
        after = after_id is not None
        values = {"after_id": after_id} if after else {}
        rows = await self._statements.rows(_LISTING.shaped(after), limit=limit, **values)
        return [user_from_row(row) for row in rows]


class SqlAlchemyUserRepository(SqlAlchemyUserReader[DriverWrites]):
    """The write side's users: the reads, and writing in the unit's transaction."""

    async def get_for_update(self, user_id: int) -> User | None:
        return await self._statements.one(_BY_ID.shaped(True), user_from_row, user_id=user_id)

    async def add(self, new: NewUser) -> User:
        try:
            added = await self._statements.one(
                _ADDING.shaped(),
                user_from_row,
                email=new.email,
                username=new.username,
                hashed_password=new.password_hash,
                role=new.role.value,
            )
        except RefusedWrite as error:
            raise _taken(error) from None
        if added is None:
            raise RuntimeError("INSERT ... RETURNING returned no row")
        return added

    async def save(self, user: User) -> None:
        try:
            await self._statements.rows(
                _SAVING.shaped(),
                user_id=user.id,
                username=user.username,
                hashed_password=user.password_hash,
                role=user.role.value,
                is_active=user.is_active,
                token_version=user.token_version,
            )
        except RefusedWrite as error:
            raise _taken(error) from None
