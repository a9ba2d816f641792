"""One formatting layer for pages, exports and charts: money, counts, periods, percentages, times.

Pure functions (no request, no database); the tenant's locale and time zone are arguments, and the
`fmt` template library passes the tenant in scope. Money is exact: a Decimal is quantized half up
(DESIGN.md's money rule) before Babel lays out the digits for the locale, so no amount ever goes
through float. Where cents matter (statements, payroll, exports) use `money`; in summaries use
`money_compact` (USD 65.7M) or `money_whole` (USD 65,743,300).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import NumberPattern, format_decimal, get_decimal_symbol, parse_pattern

from spm.fiscal import parse_period_key

DEFAULT_LOCALE = "en_US"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_COMPACT = ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K"))


def to_decimal(value) -> Decimal | None:
    """A Decimal of `value` (Decimal, int, str, float via its repr), or None when it is not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return result if result.is_finite() else None


def _half_up(number: Decimal, places: int) -> Decimal:
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded  # never "-0.00"


@lru_cache(maxsize=16)
def _pattern(places: int) -> NumberPattern:
    # Parsed once: Babel re-parses a string pattern on every call (a page formats hundreds of cells).
    return parse_pattern("#,##0" + ("." + "0" * places if places else ""))


def _digits(number: Decimal, places: int, locale: str) -> str:
    # Already quantized half up, so Babel's own rounding has nothing left to round.
    return _layout(_half_up(number, places), places, locale or DEFAULT_LOCALE)


@lru_cache(maxsize=50_000)
def _layout(number: Decimal, places: int, locale: str) -> str:
    """Babel's layout of a quantized amount, remembered: Babel parses the pattern and the locale on
    every call (~0.1 ms), and a page shows hundreds of amounts that recur on every view of it.
    The quantized amount (its exponent fixed by `places`) fully determines the text."""
    return format_decimal(number, format=_pattern(places), locale=locale)


@lru_cache(maxsize=64)
def _decimal_symbol(locale: str) -> str:
    return get_decimal_symbol(locale or DEFAULT_LOCALE)


def _with_currency(text: str, currency: str) -> str:
    # The ISO code, not a symbol: "$" would not tell USD from CAD or AUD.
    return f"{currency.upper()} {text}" if text and currency else text


def money(value, currency: str = "", *, locale: str = DEFAULT_LOCALE) -> str:
    """Exact to the cent: USD 1,234.50 (de_DE: USD 1.234,50). Blank for a non-number."""
    number = to_decimal(value)
    return "" if number is None else _with_currency(_digits(number, 2, locale), currency)


def money_whole(value, currency: str = "", *, locale: str = DEFAULT_LOCALE) -> str:
    """Rounded half up to whole units: USD 65,743,300."""
    number = to_decimal(value)
    return "" if number is None else _with_currency(_digits(number, 0, locale), currency)


def money_compact(value, currency: str = "", *, locale: str = DEFAULT_LOCALE) -> str:
    """For summaries: USD 65.7M, USD 812K, USD 9,850 (one decimal below 100 of the unit)."""
    number = to_decimal(value)
    if number is None:
        return ""
    units = list(reversed(_COMPACT))  # K, M, B
    promoted = False
    for i, (size, suffix) in enumerate(units):
        bigger = units[i + 1][0] if i + 1 < len(units) else None
        if abs(number) < size and not promoted:
            break
        scaled = _half_up(number / size, 1 if abs(number) < size * 100 else 0)
        if bigger is not None and abs(scaled) >= 1000:
            promoted = True
            continue  # 999,960 → "1,000K": say it in the next unit (1M)
        text = _digits(scaled, 1 if abs(scaled) < 100 else 0, locale)
        decimal = _decimal_symbol(locale)
        text = text[:-2] if text.endswith(decimal + "0") else text  # 65.0M → 65M
        return _with_currency(text + suffix, currency)
    return _with_currency(_digits(number, 0, locale), currency)


def count(value, *, locale: str = DEFAULT_LOCALE) -> str:
    """A count with thousands separators: 25,325."""
    number = to_decimal(value)
    return "" if number is None else _digits(number, 0, locale)


def percent(fraction, places: int = 1, *, locale: str = DEFAULT_LOCALE) -> str:
    """A fraction of 1 as a percentage, trailing zeros dropped: 0.625 → 62.5%, 1 → 100%."""
    number = to_decimal(fraction)
    if number is None:
        return ""
    text = _digits(number * 100, places, locale)
    decimal = _decimal_symbol(locale)
    if decimal in text:
        text = text.rstrip("0").rstrip(decimal)
    return f"{text}%"


def period_label(key: str, fy_start_month: int = 1) -> str:
    """'2026-11' → 'Nov 2026'; '2026-Q4' (or '2026Q4') → 'Q4 2026'; '2026' → 'FY 2026'. Unknown keys unchanged.

    A fiscal quarter or year is named by the year it starts in (the calendar's rule), so with a
    non-January fiscal start the label says FY: 'Q1 FY2027'.
    """
    raw = key = str(key)
    if len(key) == 6 and key[:4].isdigit() and key[4] == "Q":  # "2026Q4": pipeline_metrics' and the backtest's
        key = f"{key[:4]}-{key[4:]}"
    try:
        start, _end, kind = parse_period_key(key, fy_start_month)
    except ValueError:
        return raw
    if kind == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    year = str(key)[:4]
    if kind == "quarter":
        quarter = str(key)[-2:]
        return f"{quarter} {year}" if fy_start_month == 1 else f"{quarter} FY{year}"
    return f"FY {year}"


def month_label(value: dt.date) -> str:
    """A date's month: 'Nov 2026'."""
    return f"{MONTHS[value.month - 1]} {value.year}"


def date_label(value: dt.date | None) -> str:
    """'Dec 2, 2026'."""
    return "" if value is None else f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def datetime_label(value: dt.datetime | None, time_zone: str = "UTC") -> str:
    """To the minute in the tenant's time zone: 'Dec 2, 2026 14:05'."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(zoneinfo.ZoneInfo(time_zone or "UTC"))
    return f"{date_label(value.date())} {value:%H:%M}"


def person_name(user) -> str:
    """A user by name ('Ana Ruiz'), else e-mail, else username; '' for None (audit values, approvers)."""
    if user is None:
        return ""
    full = f"{getattr(user, 'first_name', '') or ''} {getattr(user, 'last_name', '') or ''}".strip()
    return full or getattr(user, "email", "") or getattr(user, "username", "") or ""


def nice_step(span: float, ticks: int = 5) -> float:
    """A 1-2-2.5-5 × 10ⁿ step that cuts `span` into about `ticks` intervals (axis ticks people read)."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def percent_ticks(max_fraction: float, ticks: int = 5) -> list[float]:
    """Tick values (fractions) from 0 past `max_fraction` on a readable step: 0, 25, 50, … %."""
    top = max(float(max_fraction or 0), 1.0)
    step = nice_step(top * 100, ticks) / 100
    count_ = int(math.ceil(top / step - 1e-9))
    return [round(i * step, 6) for i in range(count_ + 1)]
