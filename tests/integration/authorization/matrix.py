"""Who may call what: every route of the contract against every kind of caller, one test each.

The table here is the specification (API.md, "Conventions" and the endpoint tables):

- public routes (health, metrics, logging in, registering, reading the catalogue) answer
  everyone the same; credentials sent to them, good or bad, are not looked at;
- protected routes answer 401 problem+json with `WWW-Authenticate: Bearer` to anyone without a
  valid token: none at all, or one that is expired, forged, unsigned, from another issuer, of a
  user who no longer exists, or not a bearer token at all;
- admin-only routes answer 403 to a customer;
- a customer asking for another user's record gets 404, as if it did not exist;
- orders: any user places and lists their own; an admin lists everyone's, a customer asking
  for another user's list gets 403; another customer's order is a 404 to read, pay, ship or
  cancel; only its owner pays it (an admin who is not the owner gets 403), only an admin ships
  it (its owner gets 403), its owner or an admin cancels it.

Every case also checks the database: a refused write changed nothing, an allowed one did.
"""

ANOTHER_SECRET = "another-secret-that-is-also-long-enough-for-hs256"


PRODUCT_STOCK = 5


ORDER_QUANTITY = 1
"""How many items each order placed before a call takes."""


NEW_ORDER_QUANTITY = 2
"""How many items the order of `POST /orders` asks for."""


ANONYMOUS = "anonymous"


CUSTOMER = "customer"


OTHER_CUSTOMER = "another customer"


ADMIN = "admin"


# Every way of not proving who one is, other than sending nothing.
EXPIRED = "expired token"


DELETED_USER = "token of a deleted user"


FOREIGN_SECRET = "token signed with another secret"


UNSIGNED = "unsigned token (alg none)"


FOREIGN_ISSUER = "token from another issuer"


NOT_A_JWT = "Bearer not-a-jwt"


BASIC = "Basic credentials"


EMPTY_BEARER = "Bearer with nothing"


BAD_CREDENTIALS = (
    EXPIRED,
    DELETED_USER,
    FOREIGN_SECRET,
    UNSIGNED,
    FOREIGN_ISSUER,
    NOT_A_JWT,
    BASIC,
    EMPTY_BEARER,
)


# "Own id" is the id of the user the caller's token names (the customer's, for callers with no
# user of their own); "another user" is always someone else. "Own order" and "another
# customer's order" are read the same way. Paying, shipping and cancelling act on an order of
# the customer, in the state the action starts from: for them, "customer" is the order's owner.
# The last column stands for every caller in BAD_CREDENTIALS.
#
#                                                           anonymous
#                                                           |    customer
#                                                           |    |    another customer
#                                                           |    |    |    admin
#                                                           |    |    |    |    bad credentials
MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    "GET /health/live":                                    (200, 200, 200, 200, 200),
    "GET /health/ready":                                   (200, 200, 200, 200, 200),
    "GET /metrics":                                        (200, 200, 200, 200, 200),
    "POST /auth/token":                                    (200, 200, 200, 200, 200),
    "POST /users":                                         (201, 201, 201, 201, 201),
    "GET /users/me":                                       (401, 200, 200, 200, 401),
    "PATCH /users/me":                                     (401, 200, 200, 200, 401),
    "GET /users":                                          (401, 403, 403, 200, 401),
    "GET /users/{id} (own id)":                            (401, 200, 200, 200, 401),
    "GET /users/{id} (another user)":                      (401, 404, 404, 200, 401),
    "PATCH /users/{id} (another user)":                    (401, 403, 403, 200, 401),
    "GET /products":                                       (200, 200, 200, 200, 200),
    "GET /products/{id}":                                  (200, 200, 200, 200, 200),
    "POST /products":                                      (401, 403, 403, 201, 401),
    "PATCH /products/{id}":                                (401, 403, 403, 200, 401),
    "DELETE /products/{id}":                               (401, 403, 403, 204, 401),
    "POST /orders":                                        (401, 201, 201, 201, 401),
    "GET /orders (own orders)":                            (401, 200, 200, 200, 401),
    "GET /orders (user_id of another user)":               (401, 403, 403, 200, 401),
    "GET /orders/{id} (own order)":                        (401, 200, 200, 200, 401),
    "GET /orders/{id} (another customer's order)":         (401, 404, 404, 200, 401),
    "POST /orders/{id}/pay (customer's pending order)":    (401, 200, 404, 403, 401),
    "POST /orders/{id}/ship (customer's paid order)":      (401, 403, 404, 200, 401),
    "POST /orders/{id}/cancel (customer's pending order)": (401, 200, 404, 200, 401),
}  # fmt: skip


CALLERS = (ANONYMOUS, CUSTOMER, OTHER_CUSTOMER, ADMIN, *BAD_CREDENTIALS)


def expected_status(route: str, caller: str) -> int:
    anonymous, customer, other_customer, admin, bad = MATRIX[route]
    by_caller = {ANONYMOUS: anonymous, CUSTOMER: customer, OTHER_CUSTOMER: other_customer}
    return {**by_caller, ADMIN: admin}.get(caller, bad)


CASES = [(route, caller) for route in MATRIX for caller in CALLERS]
