"""Money and percentage filters: exact to the cent, never through float.

    {% load money %}
    {{ statement.total|money }}          1,234.50      (half up to cents, thousands separators)
    {{ statement.total|money:"USD" }}    USD 1,234.50  (the ISO code: "$" would not tell USD from CAD)
    {{ refund|money:"EUR" }}             EUR -120.00
    {{ fraction|pct }}                   62.5%         (a fraction of 1; pct:2 → 62.50%)

`floatformat` converts through float for some inputs and rounds half-even in places; a
statement total must read exactly what the ledger holds, so these quantize a Decimal half up
(the money rule of DESIGN.md) and format it themselves. Values that are not numbers render as
"" (a missing amount is blank, not "0.00"), like Django's own filters do on bad input.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from spm.formatting import to_decimal

register = template.Library()

CENT = Decimal("0.01")
MINUS = "-"


def format_amount(value, places: int = 2) -> str:
    """`value` half up to `places` decimals, with "," every three digits and a leading minus."""
    number = to_decimal(value)
    if number is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00" for a tiny negative
    sign = MINUS if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    grouped = f"{int(whole):,}"
    return f"{sign}{grouped}.{fraction}" if places > 0 else f"{sign}{grouped}"


@register.filter(is_safe=True)
def money(value, currency: str = "") -> str:
    """1,234.50; with a currency code: USD 1,234.50 / USD -1,234.50."""
    text = format_amount(value)
    if not text or not currency:
        return text
    return f"{str(currency).upper()} {text}"


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@register.filter(is_safe=True)
def pct(value, places=-1) -> str:
    """A fraction as a percentage, half up: 0.625 → 62.5%, 1 → 100%.

    `places` as in floatformat: negative (default -1) means up to that many decimals with
    trailing zeros dropped (0.125|pct:"-2" → 12.5%); zero or positive means exactly that many
    (0.625|pct:2 → 62.50%).
    """
    number = to_decimal(value)
    if number is None:
        return ""
    try:
        places = int(places)
    except (TypeError, ValueError):
        return ""
    text = format_amount(number * 100, abs(places))
    return f"{_trim(text) if places < 0 else text}%"
