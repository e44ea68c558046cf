"""The user's rules."""

import pytest

from shop.domain.users import (
    AdminOnly,
    InvalidUser,
    NewUser,
    Role,
    checked_password,
    normalized_email,
)
from tests.fakes import a_user


def test_an_email_is_compared_in_lower_case_without_surrounding_space() -> None:
    assert normalized_email("  Ada.Lovelace@Example.COM ") == "ada.lovelace@example.com"
    assert NewUser("Ada@Example.com", "ada", "h").email == "ada@example.com"


@pytest.mark.parametrize("email", ["", "ada", "@example.com", "ada@", "a da@example.com"])
def test_something_that_is_no_email_address_is_refused(email: str) -> None:
    with pytest.raises(InvalidUser):
        normalized_email(email)


@pytest.mark.parametrize("username", ["ab", "x" * 51, "ada lovelace", "ada!", "ädä"])
def test_a_username_is_3_to_50_letters_digits_underscores_dots_or_dashes(username: str) -> None:
    with pytest.raises(InvalidUser):
        NewUser("ada@example.com", username, "h")


@pytest.mark.parametrize("username", ["ada", "Ada_Lovelace-1.0", "x" * 50])
def test_good_usernames_are_taken_as_they_are(username: str) -> None:
    assert NewUser("ada@example.com", username, "h").username == username


@pytest.mark.parametrize("password", ["", "seven77", "x" * 257])
def test_a_password_is_8_to_256_characters(password: str) -> None:
    with pytest.raises(InvalidUser):
        checked_password(password)


def test_registration_makes_customers_unless_told_otherwise() -> None:
    assert NewUser("ada@example.com", "ada", "h").role is Role.CUSTOMER


def test_an_admin_may_see_anyone_a_customer_only_themself() -> None:
    admin, ada = a_user(Role.ADMIN, 1), a_user(Role.CUSTOMER, 2)
    assert admin.may_see(2)
    assert ada.may_see(2)
    assert not ada.may_see(1)


def test_only_an_admin_passes_the_admin_check() -> None:
    a_user(Role.ADMIN).require_admin()
    with pytest.raises(AdminOnly):
        a_user(Role.CUSTOMER).require_admin()
