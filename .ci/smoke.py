#!/usr/bin/env python3
"""A first order against a running shop, every request and answer printed; exit 1 on a surprise.

Usage: smoke.py BASE_URL ADMIN_EMAIL  (the administrator's password in SHOP_ADMIN_PASSWORD).
Waits up to a minute for /health/ready, then: the administrator's token, a product, a
customer's registration and token, an order of two, the order read back and the stock left.
Standard library only: it runs on the host's python3, outside the project's virtualenv.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

READY_WITHIN_SECONDS = 60


class Surprise(Exception):
    """An answer other than the one expected."""


def call(
    base: str,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    expect: int,
) -> Any:
    """One request; prints it (passwords masked) and its answer, and returns the JSON body."""
    sent = dict(headers or {})
    data = None
    if body is not None:
        data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(base + path, data=data, method=method, headers=sent)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    shown = {k: ("***" if "password" in k else v) for k, v in (body or form or {}).items()}
    print(f"{method} {path} {json.dumps(shown) if shown else ''}".rstrip())
    print(f"  -> {status} {_masked(text)}")
    if status != expect:
        raise Surprise(f"{method} {path} answered {status}, not {expect}")
    return json.loads(text) if text else None


def _masked(text: str) -> str:
    try:
        answer = json.loads(text)
    except ValueError:
        return text
    if isinstance(answer, dict) and "access_token" in answer:
        answer = answer | {"access_token": answer["access_token"][:12] + "..."}
    return json.dumps(answer)


def wait_until_ready(base: str) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while True:
        try:
            with urllib.request.urlopen(base + "/health/ready", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise Surprise(
                f"{base}/health/ready did not answer 200 within {READY_WITHIN_SECONDS} s"
            )
        time.sleep(0.5)


def token(base: str, email: str, password: str) -> dict[str, str]:
    answer = call(
        base, "POST", "/auth/token", form={"username": email, "password": password}, expect=200
    )
    return {"Authorization": f"Bearer {answer['access_token']}"}


def first_order(base: str, admin_email: str, admin_password: str) -> None:
    wait_until_ready(base)
    call(base, "GET", "/health/ready", expect=200)
    admin = token(base, admin_email, admin_password)
    product = call(
        base,
        "POST",
        "/products",
        body={"name": "Espresso machine", "price": "199.90", "quantity": 5},
        headers=admin,
        expect=201,
    )
    customer = {"email": "ada@example.com", "username": "ada", "password": "correct horse"}
    call(base, "POST", "/users", body=customer, expect=201)
    ada = token(base, customer["email"], customer["password"])
    order = call(
        base,
        "POST",
        "/orders",
        body={"items": [{"product_id": product["id"], "quantity": 2}]},
        headers=ada | {"Idempotency-Key": "first-order"},
        expect=201,
    )
    if order["total"] != "399.80" or order["status"] != "pending":
        raise Surprise(f"the order is {order}")
    call(base, "GET", f"/orders/{order['id']}", headers=ada, expect=200)
    left = call(base, "GET", f"/products/{product['id']}", expect=200)
    if left["quantity"] != 3:
        raise Surprise(f"the order took {5 - left['quantity']} from the stock, not 2")


def main() -> int:
    base, admin_email = sys.argv[1].rstrip("/"), sys.argv[2]
    try:
        first_order(base, admin_email, os.environ["SHOP_ADMIN_PASSWORD"])
    except Surprise as surprise:
        print(f"smoke: {surprise}", file=sys.stderr)
        return 1
    print("smoke: a customer registered, got a token and ordered; the stock went from 5 to 3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
