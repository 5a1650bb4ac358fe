"""Money arithmetic shared by orders and receipts: tax shares, rounding, the tax summary per rate."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from engage_bridge.engage.models import TaxDetail

CENT = Decimal("0.01")
ZERO = Decimal(0)


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def tax_share(gross: Decimal, tax_percent: Decimal) -> Decimal:
    """The tax contained in a gross (tax-inclusive) amount: 2999.00 at 25 % -> 599.80."""
    return round_money(gross * tax_percent / (100 + tax_percent))


def percent_label(tax_percent: Decimal) -> str:
    """``25`` -> "25%", ``12.5`` -> "12.5%" (the ``description`` of a tax detail in seed 001)."""
    text = f"{tax_percent.normalize():f}"
    return f"{text}%"


def tax_details(amounts: Iterable[tuple[Decimal, Decimal]], *, absolute: bool = False) -> list[TaxDetail]:
    """One entry per tax rate over (gross amount, tax percent) pairs, in order of first appearance.

    The tax is taken from each rate's gross sum, not summed per line, which is how seed 001 gets 3.30 for a
    29.00 line and a -10.00 fee at 21 %. Rates whose tax is zero are left out (seed 001: 0 % -> ``[]``).
    Return receipts carry positive tax values (``absolute``), as in seed 001.
    """
    gross_by_rate: dict[Decimal, Decimal] = {}
    for gross, rate in amounts:
        gross_by_rate[rate] = gross_by_rate.get(rate, ZERO) + gross
    details = []
    for rate, gross in gross_by_rate.items():
        tax = tax_share(gross, rate)
        if tax.is_zero():
            continue
        details.append(TaxDetail(description=percent_label(rate), value=abs(tax) if absolute else tax))
    return details
