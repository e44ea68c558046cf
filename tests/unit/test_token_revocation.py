"""Tokens end with a password change or a deactivation; an admin (de)activates users."""

import pytest

from shop.domain.user_service import UserService
from shop.domain.users import (
    AdminOnly,
    InvalidCredentials,
    InvalidToken,
    Role,
    SelfAdministration,
    User,
    UserNotFound,
)
from tests.fakes import FakePasswordHasher, FakeReadSide, FakeTokenService, FakeUnitOfWork


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def service(uow: FakeUnitOfWork, hasher: FakePasswordHasher) -> UserService:
    return UserService(uow, FakeReadSide(uow), hasher, FakeTokenService())


@pytest.fixture
async def admin(service: UserService) -> User:
    return await service.create_admin("root@example.com", "root", "root-password")


@pytest.fixture
async def ada(service: UserService) -> User:
    return await service.register_user("ada@example.com", "ada", "ada-password")


async def test_a_new_password_ends_the_tokens_before_it_and_not_after(
    service: UserService, ada: User
) -> None:
    before = await service.authenticate("ada@example.com", "ada-password", "192.0.2.1")

    await service.change_profile(ada, password="new-password", current_password="ada-password")

    with pytest.raises(InvalidToken):
        await service.user_for_token(before.token)
    after = await service.authenticate("ada@example.com", "new-password", "192.0.2.1")
    assert (await service.user_for_token(after.token)).id == ada.id


async def test_renewing_a_hash_at_login_keeps_the_tokens(
    service: UserService, uow: FakeUnitOfWork, ada: User
) -> None:
    before = await service.authenticate("ada@example.com", "ada-password", "192.0.2.1")
    uow.committed_users[ada.id].password_hash = "fake1:ada-password"

    await service.authenticate("ada@example.com", "ada-password", "192.0.2.1")

    assert (await service.user_for_token(before.token)).id == ada.id


async def test_deactivation_ends_tokens_and_logins_with_the_wrong_password_answer(
    service: UserService, hasher: FakePasswordHasher, admin: User, ada: User
) -> None:
    token = await service.authenticate("ada@example.com", "ada-password", "192.0.2.1")

    changed = await service.administer_user(admin, ada.id, is_active=False)

    assert changed.is_active is False
    with pytest.raises(InvalidToken):
        await service.user_for_token(token.token)
    verifications = hasher.verifications
    with pytest.raises(InvalidCredentials):
        await service.authenticate("ada@example.com", "ada-password", "192.0.2.1")
    assert hasher.verifications == verifications + 1, "the same work as a wrong password"


async def test_deactivating_twice_changes_nothing_more(
    service: UserService, uow: FakeUnitOfWork, admin: User, ada: User
) -> None:
    await service.administer_user(admin, ada.id, is_active=False)
    await service.administer_user(admin, ada.id, is_active=False)

    assert uow.committed_users[ada.id].token_version == 1


async def test_only_an_admin_administers_and_never_themself(
    service: UserService, uow: FakeUnitOfWork, admin: User, ada: User
) -> None:
    with pytest.raises(AdminOnly):
        await service.administer_user(ada, admin.id, is_active=False)
    with pytest.raises(SelfAdministration):
        await service.administer_user(admin, admin.id, is_active=False)
    with pytest.raises(SelfAdministration):
        await service.administer_user(admin, admin.id, role=Role.CUSTOMER)
    with pytest.raises(UserNotFound):
        await service.administer_user(admin, 999, is_active=False)
    assert all(user.is_active for user in uow.committed_users.values())


async def test_an_admin_promotes_a_customer(
    service: UserService, uow: FakeUnitOfWork, admin: User, ada: User
) -> None:
    await service.administer_user(admin, ada.id, role=Role.ADMIN)

    assert uow.committed_users[ada.id].role is Role.ADMIN
