"""Signed JSON Web Tokens (pyjwt, HS256) as bearer access tokens."""

import logging
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from shop.domain.security import AccessToken, TokenSubject
from shop.domain.users import InvalidToken, user_id_in_subject
from shop.settings import Settings

logger = logging.getLogger(__name__)

_ALGORITHM = "HS256"
_VERSION_CLAIM = "ver"
"""The user's token version at issue; tokens from before versions existed count as 0."""


class JwtTokenService:
    def __init__(self, secret: str, issuer: str, ttl_seconds: int) -> None:
        self._secret = secret
        self._issuer = issuer
        self._ttl = ttl_seconds

    def issue(self, user_id: int, token_version: int) -> AccessToken:
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "iss": self._issuer,
            "iat": now,
            "exp": now + timedelta(seconds=self._ttl),
            _VERSION_CLAIM: token_version,
        }
        return AccessToken(jwt.encode(claims, self._secret, algorithm=_ALGORITHM), self._ttl)

    def subject_of(self, token: str) -> TokenSubject:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=self._issuer,
                options={"require": ["sub", "iss", "iat", "exp"]},
            )
        except jwt.InvalidTokenError:
            raise InvalidToken from None
        subject, version = claims["sub"], claims.get(_VERSION_CLAIM, 0)
        # bool is an int to Python, not a version to anyone.
        if not isinstance(subject, str) or type(version) is not int:
            raise InvalidToken
        return TokenSubject(user_id_in_subject(subject), version)


def jwt_secret(settings: Settings) -> str:
    """JWT_SECRET (checked by Settings); when unset, a generated one kept in SHOP_DATA_DIR."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return _development_secret(settings.shop_data_dir / "jwt_secret")


def _development_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        # Exclusive creation: of two processes starting together, one secret wins.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secret)
    logger.warning("JWT_SECRET is unset: generated a development secret in %s", path)
    return secret
