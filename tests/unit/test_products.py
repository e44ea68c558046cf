"""The product's rules, as the business states them."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shop.domain.errors import InvalidInput
from shop.domain.product_listing import ProductFilter, ProductOrdering, ProductSortField
from shop.domain.products import InvalidProduct, NewProduct, OutOfStock, Product, ProductChanges
from tests.fakes import a_new_product


def a_product(quantity: int = 5, version: int = 1) -> Product:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Product(1, "Kettle", None, Decimal("20.00"), quantity, now, now, version)


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_product_name_is_not_blank_and_at_most_200_characters(name: str) -> None:
    with pytest.raises(InvalidProduct):
        a_new_product(name=name)


def test_a_200_character_name_is_fine() -> None:
    assert a_new_product(name="x" * 200).name == "x" * 200


@pytest.mark.parametrize(
    "price",
    [Decimal("-0.01"), Decimal("1.999"), Decimal("NaN"), Decimal("Infinity"), Decimal("1E+10")],
)
def test_a_price_is_a_finite_non_negative_amount_in_cents_below_ten_billion(price: Decimal) -> None:
    with pytest.raises(InvalidProduct):
        a_new_product(price=price)


def test_a_price_is_kept_with_exactly_two_places() -> None:
    assert str(a_new_product(price=Decimal(15)).price) == "15.00"
    assert str(a_new_product(price=Decimal("9999999999.99")).price) == "9999999999.99"


@pytest.mark.parametrize("quantity", [-1, 2_147_483_648])
def test_stock_is_never_negative_nor_beyond_a_database_integer(quantity: int) -> None:
    with pytest.raises(InvalidProduct):
        a_new_product(quantity=quantity)


def test_reserving_takes_from_the_shelf() -> None:
    product = a_product(quantity=5)
    product.reserve(3)
    assert product.quantity == 2


def test_reserving_more_than_the_shelf_holds_is_out_of_stock_and_takes_nothing() -> None:
    product = a_product(quantity=2)
    with pytest.raises(OutOfStock) as refused:
        product.reserve(3)
    assert product.quantity == 2
    assert refused.value.available == 2
    assert "Kettle" in refused.value.detail


@pytest.mark.parametrize("amount", [0, -1])
def test_reserving_or_releasing_nothing_is_refused(amount: int) -> None:
    product = a_product()
    with pytest.raises(InvalidProduct):
        product.reserve(amount)
    with pytest.raises(InvalidProduct):
        product.release(amount)


def test_releasing_puts_stock_back() -> None:
    product = a_product(quantity=0)
    product.release(4)
    assert product.quantity == 4


def test_applying_changes_touches_only_the_given_fields_and_says_whether_anything_changed() -> None:
    product = a_product()
    assert product.apply(ProductChanges(price=Decimal("25")))
    assert (product.name, product.price, product.quantity) == ("Kettle", Decimal("25.00"), 5)
    assert not product.apply(ProductChanges(name="Kettle"))
    assert not product.apply(ProductChanges())


def test_changes_obey_the_same_rules_as_a_new_product() -> None:
    product = a_product()
    with pytest.raises(InvalidProduct):
        product.apply(ProductChanges(price=Decimal("-1")))


def test_a_product_matches_any_version_when_none_is_named() -> None:
    product = a_product(version=3)
    assert product.matches(None)
    assert product.matches(frozenset({2, 3}))
    assert not product.matches(frozenset({2}))
    assert not product.matches(frozenset())


@pytest.mark.parametrize(
    ("text", "field", "descending"),
    [("id", ProductSortField.ID, False), ("-price", ProductSortField.PRICE, True)],
)
def test_orderings_are_read_as_the_api_spells_them(
    text: str, field: ProductSortField, descending: bool
) -> None:
    ordering = ProductOrdering.parse(text)
    assert (ordering.field, ordering.descending, str(ordering)) == (field, descending, text)


@pytest.mark.parametrize("text", ["", "-", "popularity", "--id", "Price"])
def test_an_unknown_ordering_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput):
        ProductOrdering.parse(text)


def test_a_minimum_price_above_the_maximum_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        ProductFilter(min_price=Decimal(10), max_price=Decimal(5))


def test_new_products_are_values() -> None:
    whole = NewProduct(name="A", price=Decimal(1), quantity=1)
    assert whole == NewProduct(name="A", price=Decimal("1.00"), quantity=1)
