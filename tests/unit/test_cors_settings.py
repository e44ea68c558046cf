"""CORS_ORIGINS: a list, empty by default, and never "any origin" together with credentials."""

import pytest

from shop.settings import ConfigurationError, Settings, load_settings


def test_no_origin_is_allowed_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORS_ORIGINS", raising=False)

    assert Settings(_env_file=None).cors_origins == []  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "value",
    [
        "https://a.example.com, https://b.example.com",
        '["https://a.example.com", "https://b.example.com"]',
    ],
)
def test_origins_are_read_comma_separated_or_as_a_json_list(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", value)

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.cors_origins == ["https://a.example.com", "https://b.example.com"]


def test_any_origin_with_credentials_stops_start_up_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "*")
    monkeypatch.setenv("CORS_ALLOW_CREDENTIALS", "true")

    with pytest.raises(ConfigurationError) as raised:
        load_settings()

    assert str(raised.value) == (
        "invalid setting CORS_ALLOW_CREDENTIALS: cannot be true while CORS_ORIGINS allows any "
        "origin (*) (got 'true')"
    )


def test_any_origin_without_credentials_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "*")

    assert Settings(_env_file=None).cors_origins == ["*"]  # type: ignore[call-arg]
