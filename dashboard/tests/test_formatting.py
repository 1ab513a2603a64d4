from decimal import Decimal

from django.utils import translation

from dashboard import formatting


def test_money_is_in_the_installations_currency(settings):
    with translation.override("en"):
        assert formatting.money(Decimal("12345.60")) == "€ 12,346"
        settings.CURRENCY = "USD"
        assert formatting.money(1200) == "$ 1,200"
        settings.CURRENCY = "CHF"
        assert formatting.money(1200) == "CHF 1,200"
    with translation.override("nl"):
        assert formatting.money(1200) == "CHF 1.200"
    assert formatting.money(None) == "—"


def test_csv_numbers_are_decimals_rounded_as_on_the_page_or_empty():
    assert (formatting.csv_percent(0.5556), formatting.csv_hours(5400), formatting.csv_number(2.5, 0)) == (
        Decimal("55.6"), Decimal("1.5"), Decimal("2"),
    )
    assert formatting.csv_percent(None) == formatting.csv_hours(None) == formatting.csv_number(None) == ""
