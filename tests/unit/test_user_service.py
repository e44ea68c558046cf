"""Registration, logging in and profiles, with a fake hasher and fake tokens."""

import pytest

from shop.domain.pagination import InvalidCursor
from shop.domain.user_service import UserService
from shop.domain.users import (
    AdminOnly,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    InvalidUser,
    Role,
    UsernameTaken,
    UserNotFound,
    WrongPassword,
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


async def test_registering_stores_a_customer_with_a_hashed_password(
    service: UserService, uow: FakeUnitOfWork
) -> None:
    user = await service.register_user("Ada@Example.com", "ada", "long-password")
    stored = uow.committed_users[user.id]
    assert (stored.email, stored.role) == ("ada@example.com", Role.CUSTOMER)
    assert stored.password_hash == "fake2:long-password"


async def test_an_email_is_taken_whatever_its_case(service: UserService) -> None:
    await service.register_user("ada@example.com", "ada", "long-password")
    with pytest.raises(EmailTaken):
        await service.register_user("ADA@example.com", "ada2", "long-password")
    with pytest.raises(UsernameTaken):
        await service.register_user("other@example.com", "ada", "long-password")


async def test_a_short_password_is_refused_before_anything_is_hashed(
    service: UserService, uow: FakeUnitOfWork
) -> None:
    with pytest.raises(InvalidUser):
        await service.register_user("ada@example.com", "ada", "short")
    assert uow.committed_users == {}


async def test_logging_in_gives_a_token_for_the_user(service: UserService) -> None:
    user = await service.register_user("ada@example.com", "ada", "long-password")
    token = await service.authenticate("ADA@example.com", "long-password", "192.0.2.1")
    assert (await service.user_for_token(token.token)).id == user.id


@pytest.mark.parametrize(
    ("email", "password"),
    [("ada@example.com", "wrong-password"), ("nobody@example.com", "long-password"), ("", "x")],
)
async def test_a_wrong_email_or_password_gets_the_same_answer_after_the_same_work(
    service: UserService, hasher: FakePasswordHasher, email: str, password: str
) -> None:
    await service.register_user("ada@example.com", "ada", "long-password")
    with pytest.raises(InvalidCredentials) as refused:
        await service.authenticate(email, password, "192.0.2.1")
    assert refused.value.detail == "The e-mail address or the password is wrong."
    assert hasher.verifications == 1


async def test_logging_in_renews_a_hash_made_with_old_parameters(
    service: UserService, uow: FakeUnitOfWork
) -> None:
    user = await service.register_user("ada@example.com", "ada", "long-password")
    uow.committed_users[user.id].password_hash = "fake1:long-password"
    await service.authenticate("ada@example.com", "long-password", "192.0.2.1")
    assert uow.committed_users[user.id].password_hash == "fake2:long-password"


async def test_a_token_of_a_user_who_is_gone_is_invalid(
    service: UserService, uow: FakeUnitOfWork
) -> None:
    user = await service.register_user("ada@example.com", "ada", "long-password")
    token = await service.authenticate("ada@example.com", "long-password", "192.0.2.1")
    del uow.committed_users[user.id]
    with pytest.raises(InvalidToken):
        await service.user_for_token(token.token)


async def test_changing_the_password_needs_the_current_one(
    service: UserService, uow: FakeUnitOfWork
) -> None:
    user = await service.register_user("ada@example.com", "ada", "long-password")
    with pytest.raises(InvalidUser):
        await service.change_profile(user, password="new-password")
    with pytest.raises(WrongPassword):
        await service.change_profile(user, password="new-password", current_password="guess-123")
    assert uow.committed_users[user.id].password_hash == "fake2:long-password"
    await service.change_profile(user, password="new-password", current_password="long-password")
    assert uow.committed_users[user.id].password_hash == "fake2:new-password"


async def test_renaming_to_a_taken_username_is_refused(service: UserService) -> None:
    await service.register_user("bob@example.com", "bob", "long-password")
    ada = await service.register_user("ada@example.com", "ada", "long-password")
    with pytest.raises(UsernameTaken):
        await service.change_profile(ada, username="bob")
    assert (await service.change_profile(ada, username="ada_l")).username == "ada_l"


async def test_a_customer_sees_only_themself_and_others_do_not_exist(service: UserService) -> None:
    ada = await service.register_user("ada@example.com", "ada", "long-password")
    bob = await service.register_user("bob@example.com", "bob", "long-password")
    admin = await service.create_admin("root@example.com", "root", "long-password")
    assert (await service.get_user(ada, ada.id)).id == ada.id
    assert (await service.get_user(admin, bob.id)).id == bob.id
    with pytest.raises(UserNotFound):
        await service.get_user(ada, bob.id)
    with pytest.raises(UserNotFound):
        await service.get_user(admin, 999)


async def test_only_an_admin_lists_users_page_by_page(service: UserService) -> None:
    admin = await service.create_admin("root@example.com", "root", "long-password")
    for name in ("ada", "bob", "cyd"):
        await service.register_user(f"{name}@example.com", name, "long-password")
    first = await service.list_users(admin, 3)
    rest = await service.list_users(admin, 3, first.next_cursor)
    assert [u.username for u in first.items + rest.items] == ["root", "ada", "bob", "cyd"]
    assert rest.next_cursor is None
    with pytest.raises(AdminOnly):
        await service.list_users(first.items[1], 3)
    with pytest.raises(InvalidCursor):
        await service.list_users(admin, 3, "bm90LWEtY3Vyc29y")
