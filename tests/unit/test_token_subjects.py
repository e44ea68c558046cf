"""The one written form of a user id in a token: what `user_id_in_subject` accepts."""

import pytest

from shop.domain.users import InvalidToken, user_id_in_subject


@pytest.mark.parametrize(("subject", "user_id"), [("1", 1), ("42", 42), ("2147483647", 2147483647)])
def test_canonical_decimal_ids_in_the_range_are_read(subject: str, user_id: int) -> None:
    assert user_id_in_subject(subject) == user_id


@pytest.mark.parametrize(
    "subject",
    [
        "0",
        "01",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1\n",
        "1_0",
        "\u0661",
        "\uff11",
        "2147483648",
        "9" * 20,
        "",
    ],
)
def test_every_other_form_is_an_invalid_token(subject: str) -> None:
    with pytest.raises(InvalidToken):
        user_id_in_subject(subject)
