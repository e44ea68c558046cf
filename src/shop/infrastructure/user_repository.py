"""Users in PostgreSQL."""

from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.sql.dml import UpdateBase

from shop.domain.users import EmailTaken, NewUser, Role, User, UsernameTaken
from shop.infrastructure.refused_writes import RefusedWrite, broken_unique_constraint
from shop.infrastructure.statements import Fields, Query, Runner, RunsStatements, Write, Writes
from shop.infrastructure.tables import users


def user_from_row(fields: Fields) -> User:
    return User(
        id=fields["id"],
        email=fields["email"],
        username=fields["username"],
        role=Role(fields["role"]),
        password_hash=fields["hashed_password"],
        created_at=fields["created_at"],
        is_active=fields["is_active"],
        token_version=fields["token_version"],
    )


def _taken(error: Exception) -> Exception:
    """The domain's word for a unique violation, by the constraint that was hit."""
    constraint = broken_unique_constraint(error)
    if constraint is None:
        return error
    if "email" in constraint:
        return EmailTaken()
    if "username" in constraint:
        return UsernameTaken()
    return error


@Query
def _by_id(lock: bool) -> Select[Any]:
    statement = select(users).where(users.c.id == bindparam("user_id"))
    return statement.with_for_update() if lock else statement


@Query
def _by_email() -> Select[Any]:
    return select(users).where(func.lower(users.c.email) == bindparam("email"))


@Query
def _listing(after: bool) -> Select[Any]:
    statement = select(users).order_by(users.c.id).limit(bindparam("limit"))
    return statement.where(users.c.id > bindparam("after_id")) if after else statement


_adding = Write.inserting(users, ("email", "username", "hashed_password", "role"))


@Write
def _saving() -> UpdateBase:
    columns = ("username", "hashed_password", "role", "is_active", "token_version")
    return (
        update(users)
        .where(users.c.id == bindparam("user_id"))
        .values({c: bindparam(c) for c in columns})
    )


class SqlAlchemyUserReader(RunsStatements[Runner]):
    """The read side's users."""

    async def get(self, user_id: int) -> User | None:
        # Every authenticated request asks this, so it takes the statement runner's fast path.
        return await self._statements.one(_by_id.shaped(False), user_from_row, user_id=user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self._statements.one(_by_email.shaped(), user_from_row, email=email.lower())

    async def list_page(self, after_id: int | None, limit: int) -> list[User]:
        after = after_id is not None
        values = {"after_id": after_id} if after else {}
        rows = await self._statements.rows(_listing.shaped(after), limit=limit, **values)
        return [user_from_row(row) for row in rows]


class SqlAlchemyUserRepository(SqlAlchemyUserReader[Writes]):
    """The write side's users: the reads, and writing in the unit's transaction."""

    async def get_for_update(self, user_id: int) -> User | None:
        return await self._statements.one(_by_id.shaped(True), user_from_row, user_id=user_id)

    async def add(self, new: NewUser) -> User:
        columns = {
            "email": new.email,
            "username": new.username,
            "hashed_password": new.password_hash,
            "role": new.role.value,
        }
        try:
            (added,) = await self._statements.rows(_adding.shaped(), **columns)
        except RefusedWrite as error:
            raise _taken(error) from None
        return user_from_row(added)

    async def save(self, user: User) -> None:
        try:
            await self._statements.rows(
                _saving.shaped(),
                user_id=user.id,
                username=user.username,
                hashed_password=user.password_hash,
                role=user.role.value,
                is_active=user.is_active,
                token_version=user.token_version,
            )
        except RefusedWrite as error:
            raise _taken(error) from None
