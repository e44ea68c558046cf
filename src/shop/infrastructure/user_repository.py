"""Users in PostgreSQL."""

from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from shop.domain.users import EmailTaken, NewUser, Role, User, UsernameTaken
from shop.infrastructure.tables import users

_UNIQUE_VIOLATION = "23505"


def user_from_row(row: Row[Any]) -> User:
    fields = row._mapping
    return User(
        id=fields["id"],
        email=fields["email"],
        username=fields["username"],
        password_hash=fields["hashed_password"],
        role=Role(fields["role"]),
        created_at=fields["created_at"],
    )


def _taken(error: sa_exc.IntegrityError) -> Exception:
    """The domain's word for a unique violation, by the constraint that was hit."""
    orig = error.orig
    if getattr(orig, "sqlstate", None) != _UNIQUE_VIOLATION:
        return error
    constraint = getattr(getattr(orig, "__cause__", None), "constraint_name", None) or ""
    if "email" in constraint:
        return EmailTaken()
    if "username" in constraint:
        return UsernameTaken()
    return error


class SqlAlchemyUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        row = (
            await self._session.execute(select(users).where(users.c.id == user_id))
        ).one_or_none()
        return None if row is None else user_from_row(row)

    async def get_by_email(self, email: str) -> User | None:
        statement = select(users).where(func.lower(users.c.email) == email.lower())
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else user_from_row(row)

    async def add(self, new: NewUser) -> User:
        statement = (
            insert(users)
            .values(
                email=new.email,
                username=new.username,
                hashed_password=new.password_hash,
                role=new.role.value,
            )
            .returning(*users.c)
        )
        try:
            row = (await self._session.execute(statement)).one()
        except sa_exc.IntegrityError as error:
            raise _taken(error) from None
        return user_from_row(row)

    async def save(self, user: User) -> None:
        statement = (
            update(users)
            .where(users.c.id == user.id)
            .values(username=user.username, hashed_password=user.password_hash)
        )
        try:
            await self._session.execute(statement)
        except sa_exc.IntegrityError as error:
            raise _taken(error) from None

    async def list_page(self, after_id: int | None, limit: int) -> list[User]:
        statement = select(users).order_by(users.c.id).limit(limit)
        if after_id is not None:
            statement = statement.where(users.c.id > after_id)
        return [user_from_row(row) for row in await self._session.execute(statement)]
