"""User use cases: registration, logging in, profiles, and who may see whom."""

from shop.domain.pagination import Page, decode_cursor, encode_cursor, id_in_cursor, page_of
from shop.domain.read_side import AbstractReadSide
from shop.domain.security import AccessToken, PasswordHasher, TokenService
from shop.domain.throttling import UNTHROTTLED, LoginThrottle
from shop.domain.unit_of_work import AbstractUnitOfWork
from shop.domain.users import (
    InvalidCredentials,
    InvalidToken,
    InvalidUser,
    NewUser,
    Role,
    SelfAdministration,
    User,
    UserNotFound,
    WrongPassword,
    checked_password,
    checked_username,
    normalized_email,
)

_USERS_CURSOR = "users"


class UserService:
    def __init__(
        self,
        uow: AbstractUnitOfWork,
        reads: AbstractReadSide,
        hasher: PasswordHasher,
        tokens: TokenService,
        throttle: LoginThrottle = UNTHROTTLED,
    ) -> None:
        self._uow = uow
        self._reads = reads
        self._hasher = hasher
        self._tokens = tokens
        self._throttle = throttle

    async def register_user(
        self, email: str, username: str, password: str, client_address: str | None = None
    ) -> User:
        """A new customer; EmailTaken or UsernameTaken when either is in use.

        A registration from the network names its client's address and is throttled by it
        (TooManyAttempts) before anything is checked or hashed.
        """
        if client_address is not None:
            await self._throttle.admit_registration(client_address)
        return await self._add(email, username, password, Role.CUSTOMER)

    async def create_admin(self, email: str, username: str, password: str) -> User:
        """A new administrator, as the command line makes the first one."""
        return await self._add(email, username, password, Role.ADMIN)

    async def _add(self, email: str, username: str, password: str, role: Role) -> User:
        # Every rule is checked before the (deliberately slow) hashing.
        email, username = normalized_email(email), checked_username(username)
        password_hash = await self._hasher.hash(checked_password(password))
        async with self._uow as uow:
            user = await uow.users.add(NewUser(email, username, password_hash, role))
            await uow.commit()
        return user

    async def authenticate(self, email: str, password: str, client_address: str) -> AccessToken:
        """A token for the user with this e-mail and password; InvalidCredentials otherwise.

        Throttled per account and per client address (TooManyAttempts) before any lookup or
        hashing. An unknown e-mail costs the same hashing time as a wrong password, so the
        answer's timing does not reveal which e-mail addresses exist.
        """
        await self._throttle.admit_login(email, client_address)
        user = await self._user_by_email(email)
        if user is None:
            await self._hasher.verify_nothing(password)
            raise InvalidCredentials
        verification = await self._hasher.verify(password, user.password_hash)
        # A deactivated user is told what a wrong password is told, after the same work.
        if not (verification.valid and user.is_active):
            raise InvalidCredentials
        if verification.new_hash is not None:
            await self._store_password_hash(user.id, verification.new_hash)
        return self._tokens.issue(user.id, user.token_version)

    async def _user_by_email(self, email: str) -> User | None:
        try:
            normal = normalized_email(email)
        except InvalidUser:
            return None
        # The connection goes back to the pool before the slow verification starts.
        async with self._reads as reads:
            return await reads.users.get_by_email(normal)

    async def _store_password_hash(self, user_id: int, password_hash: str) -> None:
        async with self._uow as uow:
            user = await uow.users.get_for_update(user_id)
            if user is not None:
                user.password_hash = password_hash
                await uow.users.save(user)
                await uow.commit()

    async def user_for_token(self, token: str) -> User:
        """The user behind a bearer token; InvalidToken when it is not valid or they are gone."""
        subject = self._tokens.subject_of(token)
        # The lookup every authenticated request makes anyway also says whether the token
        # was revoked: no second query.
        async with self._reads as reads:
            user = await reads.users.get(subject.user_id)
        if user is None or not user.accepts_token_version(subject.token_version):
            raise InvalidToken
        return user

    async def change_profile(
        self,
        actor: User,
        username: str | None = None,
        password: str | None = None,
        current_password: str | None = None,
    ) -> User:
        """Rename and/or change the password; the latter needs the current password."""
        if username is not None:
            checked_username(username)
        new_hash = None
        if password is not None:
            checked_password(password)
            await self._require_password(actor, current_password)
            new_hash = await self._hasher.hash(password)
        async with self._uow as uow:
            # Locked: two password changes at once must both end the tokens before them.
            user = await uow.users.get_for_update(actor.id)
            if user is None:
                raise InvalidToken
            if username is not None:
                user.rename(username)
            if new_hash is not None:
                user.change_password_hash(new_hash)
            await uow.users.save(user)
            await uow.commit()
        return user

    async def _require_password(self, actor: User, current_password: str | None) -> None:
        if current_password is None:
            raise InvalidUser(
                "current_password is required to change the password.", "current_password"
            )
        if not (await self._hasher.verify(current_password, actor.password_hash)).valid:
            raise WrongPassword

    async def get_user(self, actor: User, user_id: int) -> User:
        """Admins see anyone; a customer sees themself, and anyone else does not exist."""
        if actor.may_see(user_id):
            async with self._reads as reads:
                user = await reads.users.get(user_id)
            if user is not None:
                return user
        raise UserNotFound(user_id)

    async def administer_user(
        self, actor: User, user_id: int, *, is_active: bool | None = None, role: Role | None = None
    ) -> User:
        """An admin (de)activates a user or changes their role; deactivation ends their tokens."""
        actor.require_admin()
        if user_id == actor.id and (is_active is False or role is Role.CUSTOMER):
            raise SelfAdministration
        async with self._uow as uow:
            user = await uow.users.get_for_update(user_id)
            if user is None:
                raise UserNotFound(user_id)
            if is_active is not None:
                user.set_active(is_active)
            if role is not None:
                user.role = role
            await uow.users.save(user)
            await uow.commit()
        return user

    async def list_users(self, actor: User, limit: int, cursor: str | None = None) -> Page[User]:
        actor.require_admin()
        after = None
        if cursor is not None:
            (last_id,) = decode_cursor(cursor, _USERS_CURSOR, 1)
            after = id_in_cursor(last_id)
        async with self._reads as reads:
            rows = await reads.users.list_page(after, limit + 1)
        return page_of(rows, limit, lambda last: encode_cursor(_USERS_CURSOR, [last.id]))
