"""Every limit the shop holds to, in one place.

The domain enforces them, the API's schemas publish them (so a client learns them from the
OpenAPI document and is refused with a 422 before the database would refuse), and the tests
probe their edges from here.
"""

from decimal import Decimal

INTEGER_MAX = 2_147_483_647
"""The largest PostgreSQL `integer`, the column type of every id and stock quantity."""

MAX_ID = INTEGER_MAX
MAX_STOCK_QUANTITY = INTEGER_MAX

MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
MAX_PRICE = Decimal("9999999999.99")
"""The largest `NUMERIC(12, 2)`: prices, and an order's total."""

MAX_LINES = 50
MAX_LINE_QUANTITY = 1000
MAX_IDEMPOTENCY_KEY_LENGTH = 255

MAX_EMAIL_LENGTH = 254
"""RFC 5321: the longest address mail can be sent to (the column holds up to 320)."""
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
