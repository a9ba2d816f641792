"""The kernel's fiscal calendar (pure, no Django): period keys every pillar and the engine share.

Fiscal year ``"2027"`` is the 12 months starting on day 1 of month ``fy_start_month`` of calendar
year 2027 (a fiscal year is named by the calendar year it *starts* in; with the default start
month 1 it is the calendar year).  ``"2027-Q1"`` is its first three months.  Month keys
(``"2027-03"``) are always calendar months.
"""
from __future__ import annotations

import calendar
import re
from datetime import date

__all__ = [
    "MONTH_KEY_PATTERN",
    "PERIOD_KEY_PATTERN",
    "PERIOD_KINDS",
    "add_months",
    "is_month_key",
    "month_key",
    "month_start",
    "month_end",
    "months_between",
    "months_in_period",
    "parse_period_key",
    "quota_period_key",
]

PERIOD_KINDS = ("month", "quarter", "year")

# The same keys as regular expressions, for form/serializer validation and the OpenAPI schema.
MONTH_KEY_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"  # 2027-03
PERIOD_KEY_PATTERN = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"  # 2027, 2027-Q1, 2027-03

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")


def _check_fy(fy_start_month: int) -> None:
    if isinstance(fy_start_month, bool) or not isinstance(fy_start_month, int) or not 1 <= fy_start_month <= 12:
        raise ValueError(f"fy_start_month must be an integer 1..12, got {fy_start_month!r}")


def month_key(d: date) -> str:
    """``date(2027, 3, 9)`` -> ``"2027-03"``."""
    return f"{d.year:04d}-{d.month:02d}"


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _parse_month(key: str) -> tuple[int, int]:
    m = _MONTH_RE.match(key) if isinstance(key, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"invalid month key {key!r}: expected 'YYYY-MM', e.g. '2027-03'")
    return int(m.group(1)), int(m.group(2))


def is_month_key(key) -> bool:
    """True for a well-formed month key such as "2027-03"."""
    try:
        _parse_month(key)
    except ValueError:
        return False
    return True


def month_start(key: str) -> date:
    y, m = _parse_month(key)
    return date(y, m, 1)


def parse_period_key(key: str, fy_start_month: int) -> tuple[date, date, str]:
    """Return ``(start, end inclusive, kind)`` for ``"2027-03"``, ``"2027-Q1"`` or ``"2027"``."""
    _check_fy(fy_start_month)
    if not isinstance(key, str):
        raise ValueError(f"invalid period key {key!r}: expected 'YYYY-MM', 'YYYY-Qn' or 'YYYY'")
    if _MONTH_RE.match(key):
        y, m = _parse_month(key)
        return date(y, m, 1), month_end(y, m), "month"
    q = _QUARTER_RE.match(key)
    if q:
        y, n = int(q.group(1)), int(q.group(2))
        sy, sm = add_months(y, fy_start_month, 3 * (n - 1))
        ey, em = add_months(sy, sm, 2)
        return date(sy, sm, 1), month_end(ey, em), "quarter"
    yr = _YEAR_RE.match(key)
    if yr:
        y = int(yr.group(1))
        ey, em = add_months(y, fy_start_month, 11)
        return date(y, fy_start_month, 1), month_end(ey, em), "year"
    raise ValueError(
        f"invalid period key {key!r}: expected a month 'YYYY-MM', a fiscal quarter 'YYYY-Qn' (n=1..4) "
        f"or a fiscal year 'YYYY'"
    )


def quota_period_key(d: date, kind: str, fy_start_month: int) -> str:
    """Key of the period of ``kind`` (month|quarter|year) containing ``d``."""
    _check_fy(fy_start_month)
    if kind == "month":
        return month_key(d)
    fy = d.year if d.month >= fy_start_month else d.year - 1
    if kind == "year":
        return f"{fy:04d}"
    if kind == "quarter":
        idx = (d.month - fy_start_month) % 12
        return f"{fy:04d}-Q{idx // 3 + 1}"
    raise ValueError(f"invalid period kind {kind!r}: expected one of month, quarter, year")


def months_between(from_key: str, through_key: str) -> list[str]:
    """Inclusive list of month keys; empty if ``from_key`` is after ``through_key``."""
    fy_, fm = _parse_month(from_key)
    ty, tm = _parse_month(through_key)
    out = []
    y, m = fy_, fm
    while (y, m) <= (ty, tm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = add_months(y, m, 1)
    return out


def months_in_period(key: str, fy_start_month: int) -> list[str]:
    """Month keys making up a month, fiscal quarter or fiscal year key."""
    start, end, _ = parse_period_key(key, fy_start_month)
    return months_between(month_key(start), month_key(end))


# --- date-based helpers (the demo, importers and pipeline pages work on dates, not keys) -------


def shift_month(d: date, n: int) -> date:
    """First day of the month ``n`` months after the month of ``d`` (n may be negative)."""
    y, m = add_months(d.year, d.month, n)
    return date(y, m, 1)


def quarter_bounds(d: date, fy_start_month: int = 1) -> tuple[date, date]:
    """First and last day of the fiscal quarter containing ``d``."""
    start, end, _ = parse_period_key(quota_period_key(d, "quarter", fy_start_month), fy_start_month)
    return start, end


def quarter_key(d: date, fy_start_month: int = 1) -> str:
    """``2027-Q1``-style key of the fiscal quarter containing ``d``."""
    return quota_period_key(d, "quarter", fy_start_month)
