"""Set-based rating (rules 3-5): every (seller, plan, component, quota period) group at once.

The reference (`calculate._rate_group`) walks each group credit by credit and evaluates F(a) in
`Fraction`s six times per line.  Here all credits of all groups are laid out in arrays and rated with

* ONE sort (`np.lexsort` on integer ranks of group, close date, deal key, credit kind, source seller) and
  ONE running sum per group (a global `cumsum` minus each group's starting offset);
* scaled integers, never floats: a credit is an exact integer number of micro-units (10⁻⁶ of the plan
  currency), the quota too, and each band edge `band × quota` is an integer in the same units, so
  attainment bands are decided by comparing the cumulative credit with `band × quota` — no division;
* F(a) = K × G(c), where G is the tier integral (marginal) or `c × rate(band of c)` (retroactive) over the
  cumulative credit `c`, and K = weight (basis `credit`) or target incentive × weight × months / (12 ×
  quota) (basis `target_incentive`): numerators and denominators stay integers (int64 while they cannot
  overflow, Python ints otherwise), the cap is compared as a cross product, and each line
  `F(after) − F(before)` is rounded ONCE, half up, from its exact numerator and denominator.

A group whose credits or band edges are not whole micro-units (an FX ratio like 1 / 0.75, a band edge of
1/3 of an odd quota) is rated by the reference routine instead — exact either way, so both engines give
identical lines to the cent (tests/compensation/engine/test_engine_frames.py proves it on random plans).
"""
from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from math import lcm

import numpy as np

from spm.fiscal import months_in_period

from .calculate import (
    CommissionComponent,
    EngineInput,
    EngineResult,
    _dec,
)
from .payout import bands, exact

__all__ = ["calculate_frames", "k_factors", "rate_arrays", "SCALE"]

SCALE = 10**6  # credits and quotas in micro-units of the plan currency
INT64_SAFE = 2**62


def calculate_frames(inp: EngineInput, *, explain: bool | str = True) -> EngineResult:
    """`calculate()` with the set-based rater; identical lines.

    `explain`: True = explanation text on every line (as the reference); "facts" = quota-based commission
    lines carry their structured facts instead (`Line.facts`, rendered on read by `explain.render_facts`,
    same words) — what the product stores; False = no text on those lines (timing only)."""
    from .table import calculate_table  # the table builds on this module's rater

    return calculate_table(inp).result(explain)


@dataclass(frozen=True)
class _Spec:
    """A component's tiers as integers: rates over a common denominator."""
    method: str
    los: tuple[Fraction, ...]  # band lower bounds (attainment)
    his: tuple[Fraction | None, ...]  # band upper bounds; None = unbounded
    rate_num: tuple[int, ...]  # rate_i = rate_num[i] / rate_den
    rate_den: int
    rates: tuple[Decimal, ...]


def _spec(comp: CommissionComponent) -> _Spec:
    bs = bands(comp.tiers)
    rates = [exact(b.rate) for b in bs]
    den = lcm(*(r.denominator for r in rates))
    return _Spec(comp.method, tuple(exact(b.lo) for b in bs), tuple(None if b.hi is None else exact(b.hi) for b in bs),
                 tuple(int(r * den) for r in rates), den, tuple(b.rate for b in bs))


def _whole(x: Fraction) -> int | None:
    return x.numerator if x.denominator == 1 else None


def _obj(a: np.ndarray) -> np.ndarray:
    """Python-int (object) view for products that could overflow int64; exact, never floats."""
    return a if a.dtype == object else a.astype(object)


def _g(spec: _Spec, c: np.ndarray, edges_lo: list[np.ndarray], edges_hi: list[np.ndarray | None]) -> np.ndarray:
    """G(c) × rate_den, exactly: the tier integral (marginal) or c × rate(band of c) (retroactive).

    `edges_lo[i]` / `edges_hi[i]` are band bounds × quota in micro-units, per row."""
    n = len(spec.rate_num)
    if spec.method == "marginal":
        total = np.zeros(len(c), dtype=object)
        for i in range(n):
            hi = edges_hi[i]
            # the first band extends to -inf (a < 0 pays its rate linearly), the last to +inf
            seg = c if i == 0 else c - edges_lo[i]
            if hi is not None:
                seg = np.minimum(seg, hi if i == 0 else hi - edges_lo[i])
            if i > 0:
                seg = np.maximum(seg, 0)
            total = total + _obj(seg) * spec.rate_num[i]
        return total
    rate = np.full(len(c), spec.rate_num[-1], dtype=object)
    for i in range(n - 2, -1, -1):  # first band with c <= hi × quota wins: assign from the top down
        rate = np.where(c <= edges_hi[i], spec.rate_num[i], rate)
    return _obj(c) * rate


def band_of(spec: _Spec, c: np.ndarray, edges_hi: list[np.ndarray | None]) -> np.ndarray:
    idx = np.full(len(c), len(spec.rate_num) - 1, dtype=np.int64)
    for i in range(len(spec.rate_num) - 2, -1, -1):
        idx = np.where(c <= edges_hi[i], i, idx)
    return idx


def _round_half_up(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Exact num/den rounded to cents, half away from zero (object arrays of Python ints)."""
    num, den = num.astype(object), den.astype(object)
    sign = np.where(num < 0, -1, 1)
    mag = np.abs(num) * 100
    return sign * ((2 * mag + den) // (2 * den))


def rate_arrays(spec: _Spec, *, credit: np.ndarray, group_start: np.ndarray, quota: np.ndarray,
                k_num: np.ndarray, k_den: np.ndarray, cap: Fraction | None) -> dict[str, np.ndarray]:
    """Rate rows of ONE component spec, already sorted by (group, order).

    credit: int64 micro-units; group_start: True on each group's first row; quota: int64 micro-units per
    row; k_num/k_den: F = k × G(c) / (rate_den × SCALE) (see module docstring). Returns cumulative credit
    before/after, the line in cents (object ints), the band index after, and whether the cap bit.
    """
    csum = np.cumsum(credit)
    starts = np.flatnonzero(group_start)
    offsets = np.repeat(csum[starts] - credit[starts], np.diff(np.append(starts, len(credit))))
    after = csum - offsets
    before = after - credit
    n = len(spec.rate_num)
    edges_lo, edges_hi = [], []
    for i in range(n):
        # exact: the caller checked that band × quota is a whole number of micro-units
        edges_lo.append(_obj(quota) * spec.los[i].numerator // spec.los[i].denominator)
        hi = spec.his[i]
        edges_hi.append(None if hi is None else _obj(quota) * hi.numerator // hi.denominator)
    g_before, g_after = _g(spec, before, edges_lo, edges_hi), _g(spec, after, edges_lo, edges_hi)
    den = k_den.astype(object) * (spec.rate_den * SCALE)
    f_before = k_num.astype(object) * g_before.astype(object)
    f_after = k_num.astype(object) * g_after.astype(object)
    capped = np.zeros(len(credit), dtype=bool)
    uncapped = f_after - f_before  # over `den` (before the cap's scaling below)
    uncapped_den = den
    if cap is not None:
        den = den * cap.denominator
        f_before, f_after = f_before * cap.denominator, f_after * cap.denominator
        limit = den // cap.denominator * cap.numerator
        fb, fa = np.minimum(f_before, limit), np.minimum(f_after, limit)
        capped = (fa - fb) != (f_after - f_before)
        f_before, f_after = fb, fa
    return {"before": before, "after": after, "cents": _round_half_up(f_after - f_before, den),
            "band": band_of(spec, after, edges_hi), "capped": capped, "uncapped": uncapped,
            "uncapped_den": uncapped_den}


def k_factors(rows: list[int], comp: CommissionComponent, target_incentive, quota_period, quota_micro,
              fy: int) -> tuple[np.ndarray, np.ndarray]:
    """K = k_num / k_den per row (see the module docstring): the weight (basis `credit`), or target incentive ×
    weight × months / (12 × quota) (basis `target_incentive`; `target_incentive(j)`, `quota_period(j)`,
    `quota_micro(j)` give row j's)."""
    w = exact(comp.weight)
    if comp.basis == "credit":
        return np.full(len(rows), w.numerator, dtype=object), np.full(len(rows), w.denominator, dtype=object)
    k_num = np.empty(len(rows), dtype=object)
    k_den = np.empty(len(rows), dtype=object)
    cache: dict = {}  # (target incentive, quota period, quota) -> (num, den): few distinct per run
    for jj, j in enumerate(rows):
        ck = (target_incentive(j), quota_period(j), quota_micro(j))
        kk = cache.get(ck)
        if kk is None:
            # F = TI × w × months / 12 × (c / quota) × G: over SCALE·rate_den, c/quota = c_µ / quota_µ
            k = exact(_dec(ck[0])) * w * _n_months(ck[1], fy) / 12 * SCALE / ck[2]
            kk = cache[ck] = (k.numerator, k.denominator)
        k_num[jj], k_den[jj] = kk
    return k_num, k_den


@lru_cache(maxsize=4096)
def _n_months(qkey: str, fy: int) -> int:
    return len(months_in_period(qkey, fy))


def _ratio(num: int, den: int) -> Decimal:
    return Decimal(num) / Decimal(den)  # correctly rounded at the context's 40 digits, like to_decimal


def _ranks(values: list[Hashable]) -> np.ndarray:
    """Dense ranks of arbitrary sortable values (deal keys, seller sort keys) as int64."""
    rank = {v: i for i, v in enumerate(sorted(set(values)))}
    return np.fromiter((rank[v] for v in values), dtype=np.int64, count=len(values))
