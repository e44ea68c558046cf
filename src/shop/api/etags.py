"""Entity tags from versions, and the If-Match / If-None-Match headers that quote them."""

import re
from collections.abc import Iterator

from shop.domain.products import Product

_STRONG_TAG = re.compile(r'"(\d{1,10})"', re.ASCII)
_WEAK_OR_STRONG_TAG = re.compile(r'(?:W/)?"(\d{1,10})"', re.ASCII)


def etag_of(product: Product) -> str:
    return f'"{product.version}"'


def _versions(header: str, tag: re.Pattern[str]) -> Iterator[int]:
    for candidate in header.split(","):
        if match := tag.fullmatch(candidate.strip()):
            yield int(match.group(1))


def versions_in_if_match(header: str | None) -> frozenset[int] | None:
    """Versions an If-Match header accepts; None when any will do (no header, or `*`).

    Strong comparison (RFC 9110, 13.1.1): a weak tag never matches, so it is not collected.
    """
    if header is None or header.strip() == "*":
        return None
    return frozenset(_versions(header, _STRONG_TAG))


def matches_if_none_match(header: str | None, product: Product) -> bool:
    """Whether an If-None-Match header names the product's current version (weak comparison)."""
    if header is None:
        return False
    return header.strip() == "*" or product.version in set(_versions(header, _WEAK_OR_STRONG_TAG))
