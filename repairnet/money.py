"""CNY money helpers: every amount is a Decimal with 2 places, rounded once, half up."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(value) -> Decimal:
    """Round to fen (0.01), half up. Accepts Decimal, int or str; refuses float to keep money exact."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if value is None:
        return ZERO
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not a money amount: {value!r}") from exc


def format_cny(value) -> str:
    """¥1,234.50 / -¥20.00"""
    amount = quantize(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
