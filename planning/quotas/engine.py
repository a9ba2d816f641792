"""Quota allocation (pure, no Django): exact weights, integer cents, largest remainder.

* **Weights** per member (a seller, a hypothetical seller, or a planned-hire line):
  ``capacity`` — the member's reachable capacity in the year (ramp-adjusted);
  ``potential`` — the territory potential of the seller (a plain ``{key: potential}`` mapping);
  ``blend`` — ``capacity × ((1 − w) + w × attainment)`` with trailing attainment (a fraction;
  1 when unknown, capped at ``MAX_ATTAINMENT``), so sellers who attained more carry more.
  All-zero weights fall back to equal shares.
* **Amounts.** ``total`` (the quota to assign) in integer cents is split by the largest remainder
  method: each member gets ``floor(total × w / Σw)`` cents and the cents left over go, one each,
  to the largest fractional remainders (ties: input order). The allocation therefore sums to the
  total to the cent.
* **Months.** A member's annual amount is split over the 12 plan months in proportion to
  ``seasonality_k × capacity_k`` — the month's seasonality weight times the member's ramp-adjusted
  capacity that month — so a new hire's quota ramps with them (``source = "ramp"``); again by
  largest remainder, so the months sum to the annual amount.
* **Check.** A member is ``above_capacity`` when the amount exceeds reachable capacity ×
  (1 + over-assignment), the stretch the plan accepts.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

__all__ = ["Allocation", "Member", "MAX_ATTAINMENT", "allocate", "largest_remainder", "seasonality_weights"]

MAX_ATTAINMENT = Fraction(2)


def _scaled(weights: Sequence[Fraction]) -> list[int]:
    """Weights as integers over their common denominator (proportions unchanged)."""
    weights = [w if isinstance(w, Fraction) else Fraction(w) for w in weights]
    if any(w < 0 for w in weights):
        raise ValueError("weights must be >= 0")
    den = 1
    for w in weights:
        den = math.lcm(den, w.denominator)
    ints = [w.numerator * (den // w.denominator) for w in weights]
    return ints if any(ints) else [1] * len(ints)  # all zero: equal shares


def _split(total_cents: int, ints: list[int]) -> list[int]:
    s = sum(ints)
    floors, rems = [], []
    for w in ints:
        q, r = divmod(total_cents * w, s)
        floors.append(q)
        rems.append(r)
    left = total_cents - sum(floors)
    if left:
        for i in sorted(range(len(ints)), key=lambda i: (-rems[i], i))[:left]:
            floors[i] += 1
    return floors


def largest_remainder(total_cents: int, weights: Sequence[Fraction]) -> list[int]:
    """Split ``total_cents`` (≥ 0) in proportion to ``weights`` (≥ 0); sums exactly to the total.

    Exact and fast: the weights are scaled to integers over their common denominator, so every
    share and remainder is integer arithmetic (no Fraction per member on the hot path).
    """
    if total_cents < 0:
        raise ValueError("total_cents must be >= 0")
    if not weights:
        return []
    return _split(total_cents, _scaled(weights))


def seasonality_weights(spec: Sequence | None) -> list[Fraction]:
    """12 monthly weights from 12 monthly or 4 quarterly weights (a quarter's spread over its 3 months)."""
    if not spec:
        return [Fraction(1)] * 12
    values = [Fraction(Decimal(str(v))) for v in spec]
    if any(v < 0 for v in values):
        raise ValueError("seasonality weights must be >= 0")
    if len(values) == 4:
        return [values[k // 3] / 3 for k in range(12)]
    if len(values) == 12:
        return values
    raise ValueError("seasonality must list 4 quarterly or 12 monthly weights")


_SUMS: dict[tuple, Fraction] = {}


def _year_sum(monthly: tuple) -> Fraction:
    """Σ of a monthly capacity tuple, memoised: a roster repeats a few ramp shapes thousands of times."""
    total = _SUMS.get(monthly)
    if total is None:
        if len(_SUMS) > 10_000:
            _SUMS.clear()
        total = _SUMS[monthly] = sum(monthly, Fraction(0))
    return total


@dataclass(frozen=True)
class Member:
    key: Hashable
    monthly_capacity: tuple[Fraction, ...]  # 12 months, reachable (ramp-adjusted)
    full_monthly: Fraction  # productivity / 12 when fully ramped
    heads: int = 1

    @cached_property
    def capacity(self) -> Fraction:
        return _year_sum(self.monthly_capacity)

    @cached_property
    def ramping(self) -> bool:
        return any(0 < c < self.full_monthly * self.heads for c in self.monthly_capacity)


@dataclass(frozen=True)
class Allocation:
    key: Hashable
    amount_cents: int
    month_cents: tuple[int, ...]
    capacity: Fraction
    source: str  # capacity | ramp
    above_capacity: bool

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents).scaleb(-2)

    @property
    def months(self) -> list[Decimal]:
        return [Decimal(c).scaleb(-2) for c in self.month_cents]


def _weights(members, method, blend_weight, potentials, attainment) -> list[Fraction]:
    if method == "capacity":
        return [m.capacity for m in members]
    if method == "potential":
        potentials = potentials or {}
        return [max(Fraction(Decimal(str(potentials.get(m.key, 0)))), Fraction(0)) for m in members]
    if method == "blend":
        w = Fraction(Decimal(str(blend_weight)))
        if not 0 <= w <= 1:
            raise ValueError("blend_weight must be between 0 and 1")
        attainment = attainment or {}
        out = []
        for m in members:
            a = attainment.get(m.key)
            a = Fraction(1) if a is None else min(max(Fraction(Decimal(str(a))), Fraction(0)), MAX_ATTAINMENT)
            out.append(m.capacity * ((1 - w) + w * a))
        return out
    raise ValueError(f"unknown method {method!r}: expected capacity, potential or blend")


def allocate(
    *,
    total: Decimal,
    members: Sequence[Member],
    method: str = "capacity",
    blend_weight=0,
    potentials: Mapping | None = None,
    attainment: Mapping | None = None,
    seasonality: Sequence | None = None,
    over_assignment=0,
) -> list[Allocation]:
    total_cents = int((Decimal(str(total)) * 100).to_integral_value())
    season = seasonality_weights(seasonality)
    weights = _weights(members, method, blend_weight, potentials, attainment)
    stretch = 1 + Fraction(Decimal(str(over_assignment)))
    out = []
    # Members with the same monthly capacity (one segment, one hire month) share their month weights.
    month_ints: dict[tuple, list[int]] = {}
    for m, cents in zip(members, largest_remainder(total_cents, weights), strict=True):
        ints = month_ints.get(m.monthly_capacity)
        if ints is None:
            month_w = [season[k] * m.monthly_capacity[k] for k in range(12)]
            ints = month_ints[m.monthly_capacity] = _scaled(month_w if any(month_w) else season)
        months = _split(cents, ints)
        out.append(Allocation(
            key=m.key, amount_cents=cents, month_cents=tuple(months), capacity=m.capacity,
            source="ramp" if m.ramping else "capacity",
            above_capacity=cents > m.capacity * stretch * 100,
        ))
    return out
