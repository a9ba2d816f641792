"""The capacity engine (pure, no Django): exact arithmetic, money rounded once at the output.

Contract (issue 9, item 1), one plan year = the 12 months starting at ``(year, fy_start_month)``:

* **Ramp.** In tenure month ``m`` (the month containing the hire date is ``m = 1``) a seller of a
  segment produces ``productivity / 12 × r(m)`` where ``r(m) = min(m / ramp_months, 1)`` (default)
  or, with an explicit monthly ``ramp_curve`` ``[c1, c2, …, cn]``, ``r(m) = c_m`` for ``m ≤ n`` and
  ``1`` after it. ``ramp_months = 0`` means productive at once. A seller hired before the plan
  year continues their tenure (hired 2026-10 → tenure month 4 in 2027-01); ``r(m) = 0`` before
  the hire month and after the month of an ``end_date``.
* **Heads.** In a month, a present head with ``r(m) = 1`` is *ramped*, one with ``r(m) < 1`` is
  *ramping*; ``fre`` (fully ramped equivalents) is ``Σ presence × r(m)``; ``capacity`` is
  ``Σ presence × r(m) × productivity / 12``.
* **Attrition.** An annual rate ``a`` spread evenly over the months: at the end of every month a
  fraction ``a / 12`` of each cohort's starting heads leaves, so a cohort present from plan month
  ``s`` has presence ``1 − a × (k − s) / 12`` in plan month ``k ≥ s`` (linear, not compounding; by
  the end of the year a fraction ``a`` has left). With ``replace_attrition`` the leavers of month
  ``k`` are replaced by hires of the same segment starting (tenure 1) in month ``k + 1``; those
  replacements ramp and attrite like any other cohort.
* **Planned hires** ``(segment, count, start month)`` are cohorts of ``count`` heads in tenure 1 in
  their start month.
* **Year.** ``capacity`` = Σ monthly capacity; ``gap = target − capacity`` (negative when capacity
  exceeds the target); ``quota_to_assign = target × (1 + over_assignment)``.
* **Hires needed.** Capacity is linear in the size of any extra cohort, so the smallest number
  ``n ≥ 0`` of extra ``gap_hires`` (segment, start month) with ``capacity + n × c ≥ target``
  (``c`` = the exact capacity one such hire adds in the year, attrition and replacements
  included) is ``ceil(gap / c)`` — O(1), checked exactly with fractions. ``None`` when one such
  hire adds nothing (e.g. a zero ramp curve for the rest of the year) and the gap is positive.
* **Pricing.** Variable pay at target = Σ over heads and present months of
  ``annual target incentive / 12 × presence`` (so a hire is prorated by start month); comp cost of
  sales at target = variable pay at target / target.

All quantities are :class:`fractions.Fraction` internally; money is rounded half-up to cents only
by :func:`money`, heads and FRE by :func:`quantity` when serialised.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

__all__ = [
    "CapacityInputError",
    "CapacityResult",
    "Cohort",
    "Hire",
    "MonthResult",
    "RosterMember",
    "ScenarioInput",
    "Segment",
    "compute",
    "member_monthly_capacity",
    "money",
    "parse_scenario",
    "plan_months",
    "quantity",
    "result_to_dict",
    "scenario_to_dict",
]

CENT = Decimal("0.01")


class CapacityInputError(ValueError):
    """An input that does not validate; ``key`` names it (``segments[0].productivity``)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


# --------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Segment:
    name: str
    productivity: Fraction  # annual bookings of a fully ramped seller
    ramp_months: int = 0
    ramp_curve: tuple[Fraction, ...] = ()  # explicit curve replaces ramp_months when given
    target_incentive: Fraction = Fraction(0)  # annual, per head; default for hires

    def ramp(self, tenure: int) -> Fraction:
        """Productivity fraction ``r(m)`` in tenure month ``m`` (1 = hire month)."""
        if tenure < 1:
            return Fraction(0)
        if self.ramp_curve:
            return self.ramp_curve[tenure - 1] if tenure <= len(self.ramp_curve) else Fraction(1)
        if self.ramp_months <= 0 or tenure >= self.ramp_months:
            return Fraction(1)
        return Fraction(tenure, self.ramp_months)


@dataclass(frozen=True)
class RosterMember:
    id: str
    segment: str
    hire_date: date | None = None  # None: hired long ago, fully ramped
    end_date: date | None = None  # leaves after the month containing it
    target_incentive: Fraction | None = None  # None: the segment's


@dataclass(frozen=True)
class Hire:
    segment: str
    count: int
    start: tuple[int, int]  # (year, month)
    target_incentive: Fraction | None = None


@dataclass(frozen=True)
class ScenarioInput:
    year: int
    target: Fraction
    segments: tuple[Segment, ...]
    roster: tuple[RosterMember, ...] = ()
    hires: tuple[Hire, ...] = ()
    over_assignment: Fraction = Fraction(0)
    attrition: Fraction = Fraction(0)
    replace_attrition: bool = False
    gap_hires: Hire | None = None  # count ignored; None: the first segment from the first month
    fy_start_month: int = 1

    def segment(self, name: str) -> Segment:
        for s in self.segments:
            if s.name == name:
                return s
        raise KeyError(name)


# -------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class MonthResult:
    month: str
    ramped: Fraction
    ramping: Fraction
    fre: Fraction
    capacity: Fraction
    target: Fraction  # target / 12, for charts and the per-month gap


@dataclass(frozen=True)
class CapacityResult:
    target: Fraction
    capacity: Fraction
    gap: Fraction
    quota_to_assign: Fraction
    hires_needed: int | None
    months: tuple[MonthResult, ...]
    variable_pay: Fraction
    cost_of_sales: Fraction | None  # variable pay at target / target
    per_hire_capacity: Fraction  # what one extra gap hire adds in the year
    segment_capacity: dict[str, Fraction] = field(default_factory=dict)


@dataclass(frozen=True)
class Cohort:
    """``weight`` heads of ``segment`` in tenure month 1 at plan month ``start`` (may be ≤ 0)."""

    segment: str
    start: int
    weight: Fraction
    last: int = 12  # last plan month present (end date)
    target_incentive: Fraction = Fraction(0)


def plan_months(year: int, fy_start_month: int = 1) -> list[tuple[int, int]]:
    out = []
    y, m = year, fy_start_month
    for _ in range(12):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _index(year: int, fy_start_month: int, y: int, m: int) -> int:
    """Plan month index (1 = first month of the plan year) of calendar month (y, m)."""
    return (y * 12 + m - 1) - (year * 12 + fy_start_month - 1) + 1


# ---------------------------------------------------------------------------------- computation
def _cohorts(inp: ScenarioInput) -> list[Cohort]:
    """Group identical heads: the roster collapses to (segment, start, last, incentive) cohorts."""
    grouped: dict[tuple, Fraction] = defaultdict(Fraction)
    for member in inp.roster:
        seg = inp.segment(member.segment)
        # A seller whose ramp ended before the year starts (or with no hire date: long tenured)
        # joins one "fully ramped" cohort per segment, so big rosters collapse to few cohorts.
        ramp_len = len(seg.ramp_curve) if seg.ramp_curve else seg.ramp_months
        start = -ramp_len
        if member.hire_date is not None:
            start = max(start, _index(inp.year, inp.fy_start_month, member.hire_date.year, member.hire_date.month))
        last = 12
        if member.end_date is not None:
            last = min(12, _index(inp.year, inp.fy_start_month, member.end_date.year, member.end_date.month))
        ti = seg.target_incentive if member.target_incentive is None else member.target_incentive
        grouped[(member.segment, start, last, ti)] += 1
    for hire in inp.hires:
        seg = inp.segment(hire.segment)
        start = _index(inp.year, inp.fy_start_month, *hire.start)
        ti = seg.target_incentive if hire.target_incentive is None else hire.target_incentive
        grouped[(hire.segment, start, 12, ti)] += hire.count
    return [Cohort(s, start, w, last, ti) for (s, start, last, ti), w in grouped.items() if w]


@dataclass
class _Acc:
    ramped: list[Fraction]
    ramping: list[Fraction]
    fre: list[Fraction]
    capacity: list[Fraction]
    pay: Fraction
    by_segment: dict[str, Fraction]

    @classmethod
    def empty(cls) -> _Acc:
        z = [Fraction(0)] * 12
        return cls(list(z), list(z), list(z), list(z), Fraction(0), defaultdict(Fraction))


def _run(inp: ScenarioInput, cohorts: Iterable[Cohort]) -> _Acc:
    """Accumulate monthly heads/FRE/capacity; replacements (if any) are appended as they occur."""
    acc = _Acc.empty()
    rate = inp.attrition / 12
    # Replacement cohorts are generated month by month; merge by (segment, start, ti) so a
    # 2,000-seller roster stays a handful of cohorts.
    pending: dict[tuple, Fraction] = defaultdict(Fraction)
    queue = list(cohorts)
    segs = {s.name: s for s in inp.segments}

    def process(c: Cohort) -> None:
        seg = segs[c.segment]
        monthly = seg.productivity / 12
        first = max(c.start, 1)
        for k in range(first, min(c.last, 12) + 1):
            presence = c.weight * (1 - rate * (k - first))
            if presence <= 0:
                break
            r = seg.ramp(k - c.start + 1)
            if r == 1:
                acc.ramped[k - 1] += presence
            else:
                acc.ramping[k - 1] += presence
            acc.fre[k - 1] += presence * r
            cap = presence * r * monthly
            acc.capacity[k - 1] += cap
            acc.by_segment[c.segment] += cap
            acc.pay += presence * c.target_incentive / 12
            if inp.replace_attrition and rate and k < 12:
                pending[(c.segment, k + 1, c.target_incentive)] += c.weight * rate

    for c in queue:
        process(c)
    # Replacements starting in month j can only create replacements starting after j: sweep in order.
    for j in range(2, 13):
        for (seg_name, start, ti), w in sorted(
            ((key, w) for key, w in pending.items() if key[1] == j), key=lambda kv: (kv[0][0], kv[0][2])
        ):
            process(Cohort(seg_name, start, w, 12, ti))
    return acc


def compute(inp: ScenarioInput) -> CapacityResult:
    acc = _run(inp, _cohorts(inp))
    keys = [f"{y:04d}-{m:02d}" for y, m in plan_months(inp.year, inp.fy_start_month)]
    monthly_target = inp.target / 12
    months = tuple(
        MonthResult(keys[i], acc.ramped[i], acc.ramping[i], acc.fre[i], acc.capacity[i], monthly_target)
        for i in range(12)
    )
    capacity = sum(acc.capacity, Fraction(0))
    gap = inp.target - capacity

    gh = inp.gap_hires or Hire(inp.segments[0].name, 1, plan_months(inp.year, inp.fy_start_month)[0])
    seg = inp.segment(gh.segment)
    one = Hire(gh.segment, 1, gh.start, seg.target_incentive)
    start = _index(inp.year, inp.fy_start_month, *one.start)
    per_hire = sum(
        _run(inp, [Cohort(one.segment, start, Fraction(1), 12, Fraction(0))]).capacity, Fraction(0)
    )
    if gap <= 0:
        needed: int | None = 0
    elif per_hire <= 0:
        needed = None
    else:
        needed = math.ceil(gap / per_hire)
    return CapacityResult(
        target=inp.target,
        capacity=capacity,
        gap=gap,
        quota_to_assign=inp.target * (1 + inp.over_assignment),
        hires_needed=needed,
        months=months,
        variable_pay=acc.pay,
        cost_of_sales=(acc.pay / inp.target) if inp.target else None,
        per_hire_capacity=per_hire,
        segment_capacity=dict(acc.by_segment),
    )


def member_monthly_capacity(
    inp: ScenarioInput, member: RosterMember | Hire
) -> list[Fraction]:
    """One seller's reachable capacity per plan month (ramp, hire and end dates; no attrition)."""
    seg = inp.segment(member.segment)
    if isinstance(member, Hire):
        start = _index(inp.year, inp.fy_start_month, *member.start)
        last = 12
    else:
        start = (
            -10_000
            if member.hire_date is None
            else _index(inp.year, inp.fy_start_month, member.hire_date.year, member.hire_date.month)
        )
        last = 12
        if member.end_date is not None:
            last = _index(inp.year, inp.fy_start_month, member.end_date.year, member.end_date.month)
    monthly = seg.productivity / 12
    return [
        monthly * seg.ramp(k - start + 1) if k <= last else Fraction(0) for k in range(1, 13)
    ]


# -------------------------------------------------------------------------------- serialisation
def money(value: Fraction | Decimal | int) -> Decimal:
    """Exact value → Decimal rounded half-up to cents (the only place money is rounded)."""
    if isinstance(value, Fraction):
        return _half_up(value, 2)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _half_up(value: Fraction, places: int) -> Decimal:
    """Exact half-up on the integer scale; built from digits, so no 28-digit context rounding."""
    num, den = value.numerator, value.denominator
    units, rem = divmod(abs(num) * 10**places, den)
    if rem * 2 >= den:
        units += 1
    return Decimal((1 if num < 0 and units else 0, tuple(int(c) for c in str(units)), -places))


def quantity(value: Fraction) -> int | float:
    """Heads and FRE for JSON: an int when whole, else a float rounded half-up to 4 decimals."""
    if value.denominator == 1:
        return int(value)
    d = _half_up(value, 4)
    return int(d) if d == d.to_integral_value() else float(d)


def result_to_dict(result: CapacityResult) -> dict:
    """The command's JSON (issue 9): money as strings with cents, heads/FRE as JSON numbers."""
    return {
        "capacity": str(money(result.capacity)),
        "gap": str(money(result.gap)),
        "quota_to_assign": str(money(result.quota_to_assign)),
        "hires_needed": result.hires_needed,
        "months": [
            {
                "month": m.month,
                "ramped": quantity(m.ramped),
                "ramping": quantity(m.ramping),
                "fre": quantity(m.fre),
                "capacity": str(money(m.capacity)),
            }
            for m in result.months
        ],
    }


# -------------------------------------------------------------------------------------- parsing
def _frac(value, key: str, *, minimum: Fraction | None = Fraction(0), maximum: Fraction | None = None) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise CapacityInputError(key, "expected a decimal string or number")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise CapacityInputError(key, f"{value!r} is not a decimal number") from None
    if not d.is_finite():
        raise CapacityInputError(key, f"{value!r} is not a finite number")
    # Bound the exponent: Fraction(Decimal("1e999999999")) would build a billion-digit integer.
    if not d.is_zero() and (d.adjusted() > 15 or d.as_tuple().exponent < -28):
        raise CapacityInputError(key, f"{value!r} is out of range")
    f = Fraction(0) if d.is_zero() else Fraction(d)
    if minimum is not None and f < minimum:
        raise CapacityInputError(key, f"must be at least {minimum}")
    if maximum is not None and f > maximum:
        raise CapacityInputError(key, f"must be at most {maximum}")
    return f


def _int(value, key: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        # ASCII only: "³".isdigit() is true but int("³") raises.
        if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit():
            value = int(value)
        else:
            raise CapacityInputError(key, "expected an integer")
    if value < minimum or (maximum is not None and value > maximum):
        rng = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise CapacityInputError(key, f"must be an integer {rng}")
    return value


def _date(value, key: str) -> date:
    if not isinstance(value, str):
        raise CapacityInputError(key, "expected a date 'YYYY-MM-DD'")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CapacityInputError(key, f"{value!r} is not a date 'YYYY-MM-DD'") from None


def _month(value, key: str) -> tuple[int, int]:
    if (isinstance(value, str) and value.isascii() and len(value) == 7 and value[4] == "-"  # "0³".isdigit()
            and value[:4].isdigit() and value[5:].isdigit()):
        y, m = int(value[:4]), int(value[5:])
        if 1 <= m <= 12:
            return y, m
    raise CapacityInputError(key, f"{value!r} is not a month 'YYYY-MM'")


def _obj(value, key: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise CapacityInputError(key, "expected an object")
    return value


def _list(value, key: str) -> Sequence:
    if not isinstance(value, list):
        raise CapacityInputError(key, "expected a list")
    return value


def _required(data: Mapping, name: str, prefix: str):
    if name not in data:
        raise CapacityInputError(f"{prefix}{name}", "is required")
    return data[name]


def parse_scenario(data) -> ScenarioInput:
    """Validate the issue's file format (extended) into a :class:`ScenarioInput`.

    Keys: ``year``, ``target``, ``segments`` (required); ``over_assignment``, ``attrition``
    (fractions, default 0), ``replace_attrition`` (bool), ``fiscal_year_start_month`` (1..12),
    ``roster``, ``hires``, ``gap_hires``. A segment has ``name``, ``productivity`` and
    ``ramp_months`` or ``ramp_curve``, optional ``target_incentive``; a roster entry ``id``,
    ``segment``, optional ``hire_date``/``end_date``/``target_incentive``; a hire ``segment``,
    ``count``, ``start`` (``YYYY-MM``), optional ``target_incentive``. Decimals are
    strings or numbers below 1e16 with at most 28 places. Lenient on purpose: integer keys accept
    ASCII digit strings (``"2027"``), extra keys are ignored. Raises :class:`CapacityInputError`
    naming the first offending key.
    """
    data = _obj(data, "(file)")
    year = _int(_required(data, "year", ""), "year", minimum=1900, maximum=9999)
    target = _frac(_required(data, "target", ""), "target")
    over = _frac(data.get("over_assignment", "0"), "over_assignment")
    attrition = _frac(data.get("attrition", "0"), "attrition", maximum=Fraction(1))
    replace = data.get("replace_attrition", False)
    if not isinstance(replace, bool):
        raise CapacityInputError("replace_attrition", "expected true or false")
    fy = _int(data.get("fiscal_year_start_month", 1), "fiscal_year_start_month", minimum=1, maximum=12)

    segments: list[Segment] = []
    raw_segments = _list(_required(data, "segments", ""), "segments")
    if not raw_segments:
        raise CapacityInputError("segments", "at least one segment is required")
    for i, raw in enumerate(raw_segments):
        p = f"segments[{i}]."
        raw = _obj(raw, f"segments[{i}]")
        name = _required(raw, "name", p)
        if not isinstance(name, str) or not name.strip():
            raise CapacityInputError(p + "name", "expected a non-empty string")
        if any(s.name == name for s in segments):
            raise CapacityInputError(p + "name", f"duplicate segment {name!r}")
        productivity = _frac(_required(raw, "productivity", p), p + "productivity")
        curve: tuple[Fraction, ...] = ()
        ramp_months = 0
        if "ramp_curve" in raw:
            curve = tuple(
                _frac(v, f"{p}ramp_curve[{j}]", maximum=Fraction(1))
                for j, v in enumerate(_list(raw["ramp_curve"], p + "ramp_curve"))
            )
            if not curve:
                raise CapacityInputError(p + "ramp_curve", "must list at least one month")
        elif "ramp_months" in raw:
            ramp_months = _int(raw["ramp_months"], p + "ramp_months", minimum=0, maximum=120)
        else:
            raise CapacityInputError(p + "ramp_months", "is required (or give ramp_curve)")
        ti = _frac(raw.get("target_incentive", "0"), p + "target_incentive")
        segments.append(Segment(name, productivity, ramp_months, curve, ti))
    names = {s.name for s in segments}

    def seg_name(value, key: str) -> str:
        if not isinstance(value, str) or value not in names:  # a list or object is unhashable
            raise CapacityInputError(key, f"unknown segment {value!r}")
        return value

    roster: list[RosterMember] = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(data.get("roster", []), "roster")):
        p = f"roster[{i}]."
        raw = _obj(raw, f"roster[{i}]")
        sid = _required(raw, "id", p)
        if not isinstance(sid, (str, int)) or isinstance(sid, bool) or str(sid) == "":
            raise CapacityInputError(p + "id", "expected a non-empty string")
        if str(sid) in seen:
            raise CapacityInputError(p + "id", f"duplicate roster id {sid!r}")
        seen.add(str(sid))
        segment = seg_name(_required(raw, "segment", p), p + "segment")
        hire = _date(raw["hire_date"], p + "hire_date") if raw.get("hire_date") is not None else None
        end = _date(raw["end_date"], p + "end_date") if raw.get("end_date") is not None else None
        if hire and end and end < hire:
            raise CapacityInputError(p + "end_date", "is before hire_date")
        ti = _frac(raw["target_incentive"], p + "target_incentive") if "target_incentive" in raw else None
        roster.append(RosterMember(str(sid), segment, hire, end, ti))

    hires: list[Hire] = []
    for i, raw in enumerate(_list(data.get("hires", []), "hires")):
        p = f"hires[{i}]."
        raw = _obj(raw, f"hires[{i}]")
        segment = seg_name(_required(raw, "segment", p), p + "segment")
        count = _int(_required(raw, "count", p), p + "count", minimum=0)
        # A hire line may start before the plan year (its ramp continues) or after it (it adds nothing).
        start = _month(_required(raw, "start", p), p + "start")
        ti = _frac(raw["target_incentive"], p + "target_incentive") if "target_incentive" in raw else None
        hires.append(Hire(segment, count, start, ti))

    gap_hires = None
    if data.get("gap_hires") is not None:
        raw = _obj(data["gap_hires"], "gap_hires")
        segment = seg_name(_required(raw, "segment", "gap_hires."), "gap_hires.segment")
        start = _month(_required(raw, "start", "gap_hires."), "gap_hires.start")
        if not 1 <= _index(year, fy, *start) <= 12:
            raise CapacityInputError("gap_hires.start", "is outside the plan year")
        gap_hires = Hire(segment, 1, start)

    return ScenarioInput(
        year=year,
        target=target,
        segments=tuple(segments),
        roster=tuple(roster),
        hires=tuple(hires),
        over_assignment=over,
        attrition=attrition,
        replace_attrition=replace,
        gap_hires=gap_hires,
        fy_start_month=fy,
    )


def _dec(f: Fraction) -> str:
    """A Fraction that came from a decimal string back to a plain decimal string."""
    d = Decimal(f.numerator) / Decimal(f.denominator)
    return format(d.normalize(), "f") if d else "0"


def scenario_to_dict(inp: ScenarioInput) -> dict:
    """The inverse of :func:`parse_scenario` (the file format), for exports and copies."""

    def month(t: tuple[int, int]) -> str:
        return f"{t[0]:04d}-{t[1]:02d}"

    out: dict = {
        "year": inp.year,
        "target": _dec(inp.target),
        "over_assignment": _dec(inp.over_assignment),
        "attrition": _dec(inp.attrition),
        "segments": [],
        "roster": [],
        "hires": [],
    }
    if inp.replace_attrition:
        out["replace_attrition"] = True
    if inp.fy_start_month != 1:
        out["fiscal_year_start_month"] = inp.fy_start_month
    for s in inp.segments:
        seg: dict = {"name": s.name, "productivity": _dec(s.productivity)}
        if s.ramp_curve:
            seg["ramp_curve"] = [_dec(c) for c in s.ramp_curve]
        else:
            seg["ramp_months"] = s.ramp_months
        if s.target_incentive:
            seg["target_incentive"] = _dec(s.target_incentive)
        out["segments"].append(seg)
    for r in inp.roster:
        row: dict = {"id": r.id, "segment": r.segment}
        if r.hire_date:
            row["hire_date"] = r.hire_date.isoformat()
        if r.end_date:
            row["end_date"] = r.end_date.isoformat()
        if r.target_incentive is not None:
            row["target_incentive"] = _dec(r.target_incentive)
        out["roster"].append(row)
    for h in inp.hires:
        row = {"segment": h.segment, "count": h.count, "start": month(h.start)}
        if h.target_incentive is not None:
            row["target_incentive"] = _dec(h.target_incentive)
        out["hires"].append(row)
    if inp.gap_hires:
        out["gap_hires"] = {"segment": inp.gap_hires.segment, "start": month(inp.gap_hires.start)}
    return out
