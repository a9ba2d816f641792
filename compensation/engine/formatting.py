"""Number formatting for line explanations."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .payout import round_cents, to_decimal

__all__ = ["fmt_money", "fmt_pct", "fmt_rate", "plain"]


def fmt_money(x: Decimal | Fraction) -> str:
    """12345.675 -> '12,345.68'."""
    return f"{round_cents(x if isinstance(x, Fraction) else Decimal(x)):,.2f}"


def _d(x) -> Decimal:
    return to_decimal(x) if isinstance(x, Fraction) else Decimal(x)


def _trim(v: Decimal) -> str:
    s = f"{v:f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt_pct(fraction: Decimal) -> str:
    """0.625 -> '62.5%' (at most 2 decimals)."""
    return _trim((_d(fraction) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + "%"


def fmt_rate(x: Decimal, as_pct: bool = True) -> str:
    """A rate as a percentage ('10%'), or a plain trimmed number (up to 6 decimals)."""
    if as_pct:
        return _trim((_d(x) * 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)) + "%"
    return _trim(_d(x).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))



def plain(value: Decimal | None) -> str | None:
    """A Decimal as a plain string without exponent or trailing zeros ("0.6", "60000"); None stays None."""
    return None if value is None else _trim(Decimal(value).normalize())
