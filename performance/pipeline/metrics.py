"""Pipeline metrics with published definitions (pure: pandas/numpy, no Django).

One implementation for the pipeline page, the API and ``manage.py pipeline_metrics``.

Definitions, as of day D (every date is a calendar date, both ends inclusive):

* A deal is **won** / **lost** when it is closed (its stored ``is_closed``; ``is_won`` decides which)
  and its close date is on or before D. A closed deal with no close date counts as closed at an
  unknown date: won/lost on every D, in no bookings quarter.
* A deal is **open** when it is not closed on or before D and it was created on or before D, or has
  no created date. (A deal closed after D was open on D.)
* ``opportunities`` = won + lost + open. ``win_rate`` = won / (won + lost), null when both are 0.
* ``bookings`` = sum of won amounts; ``avg_won_deal`` = bookings / won (rounded half up to the
  cent); ``median_cycle_days_won`` = median of close − created in days over won deals with both
  dates. Both are null without a won deal (the median also when no won deal has both dates).
* ``open_count`` / ``open_amount``: count and sum of the open deals.
* Aging: open deals with a created date, bucketed by D − created in whole days, both ends
  inclusive: ``0-30``, ``31-60``, ``61-90``, ``91-180``, ``181+``.
* Team and region of a deal: its own column, else its owner's; a deal with neither is in no
  ``by_team`` (``by_region``) entry, but in ``overall`` and ``by_owner``. ``by_owner`` is keyed
  by the owner's e-mail (its external id when it has none). Sellers with no deals appear with
  zero counts and amounts (null rates), and their teams and regions too.
* ``bookings_by_quarter``: won deals by close date in the tenant's fiscal quarters, keyed
  ``YYYYQn`` (fiscal year named by the calendar year it starts in, as ``spm.fiscal``); only quarters
  with a won deal appear.

Money: amounts are converted to the tenant's base currency at the FX rate in force on the close
date (open deals: on D) — see ``performance.pipeline.selectors``; a currency with no rate counts
at face value. Each deal is kept as integer cents, so every sum is exact; output money is a
decimal string with two decimals. Rates are floats rounded to 6 decimals.

The unit of computation is a **cell frame**: rows of deals that share every attribute a metric
reads, with their count ``n`` and summed ``amount_cents``. A frame of single deals (``n`` = 1) is a
cell frame too, so :func:`deal_cells` (pure, from deal rows) and the SQL aggregate of the selectors
feed the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from spm.fiscal import quota_period_key

AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("181+", 181, None),
)
BUCKET_NAMES = tuple(b[0] for b in AGING_BUCKETS)
WON, LOST, OPEN = "won", "lost", "open"
METRIC_KEYS = (
    "opportunities", "won_count", "lost_count", "win_rate", "bookings", "avg_won_deal",
    "median_cycle_days_won", "open_count", "open_amount",
)
# Columns of a cell frame (see module docstring).
CELL_COLUMNS = ("owner_id", "team", "region", "state", "bucket", "cycle_days", "close_month", "n", "amount_cents")
DEAL_COLUMNS = ("owner_id", "team", "region", "amount_cents", "created_date", "close_date", "is_closed", "is_won")

CENT = Decimal("0.01")


def money(cents: int | float | None) -> str:
    """Integer cents -> ``"1234.50"`` (integer arithmetic: a page formats thousands)."""
    if cents is None:
        return "0.00"
    c = int(cents)
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


def to_cents(amount) -> int:
    """A Decimal/str/number amount -> integer cents, half up."""
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate(num: float, den: float) -> float | None:
    return None if not den else round(float(num) / float(den), 6)


def age_bucket(days: int) -> str:
    """Aging bucket of an age in whole days (both ends inclusive)."""
    for name, lo, hi in AGING_BUCKETS:
        if days >= lo and (hi is None or days <= hi):
            return name
    return BUCKET_NAMES[0]  # a negative age cannot occur for an open deal (created on or before D)


def fiscal_quarter_key(d: date, fy_start_month: int) -> str:
    """``date(2017, 2, 3)`` -> ``"2017Q1"`` (fiscal quarter, no hyphen)."""
    return quota_period_key(d, "quarter", fy_start_month).replace("-", "")


def empty_cells() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in CELL_COLUMNS}).astype({"n": "int64", "amount_cents": "int64"})


def deal_cells(deals: pd.DataFrame | Iterable[Mapping], as_of: date) -> pd.DataFrame:
    """Classify single deals as of ``as_of`` into a cell frame (``n`` = 1 per deal; deals neither
    won, lost nor open on that day — created later and not closed by then — are dropped).

    ``deals`` columns: owner_id, team, region (already resolved: the deal's own, else its owner's),
    amount_cents (int, base currency), created_date, close_date (date or None), is_closed, is_won.
    """
    df = deals if isinstance(deals, pd.DataFrame) else pd.DataFrame(list(deals), columns=list(DEAL_COLUMNS))
    if df.empty:
        return empty_cells()
    created = pd.to_datetime(df["created_date"])
    closed_on = pd.to_datetime(df["close_date"])
    d = pd.Timestamp(as_of)
    is_closed = df["is_closed"].astype(bool)
    is_won = df["is_won"].astype(bool)
    closed_by = is_closed & (closed_on.isna() | (closed_on <= d))
    open_ = ~closed_by & (created.isna() | (created <= d))
    state = np.where(closed_by & is_won, WON, np.where(closed_by, LOST, np.where(open_, OPEN, "")))
    age = (d - created).dt.days
    bucket = [age_bucket(int(a)) if s == OPEN and not pd.isna(a) else None for s, a in zip(state, age, strict=True)]
    cycle = (closed_on - created).dt.days
    won = state == WON
    out = pd.DataFrame({
        "owner_id": df["owner_id"].to_numpy(),
        "team": df["team"].fillna("").astype(str).to_numpy(),
        "region": df["region"].fillna("").astype(str).to_numpy(),
        "state": state,
        "bucket": bucket,
        "cycle_days": np.where(won, cycle.to_numpy(dtype="float64", na_value=np.nan), np.nan),
        "close_month": [
            date(c.year, c.month, 1) if w and not pd.isna(c) else None for c, w in zip(closed_on, won, strict=True)
        ],
        "n": 1,
        "amount_cents": df["amount_cents"].astype("int64").to_numpy(),
    })
    return out[out["state"] != ""].reset_index(drop=True)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float | None:
    """Median of a multiset given as (value, count) pairs; the mean of the two middle values for
    an even total, as ``statistics.median``."""
    mask = ~np.isnan(values) & (weights > 0)
    values, weights = values[mask], weights[mask]
    if not len(values):
        return None
    order = np.argsort(values, kind="stable")
    values, cum = values[order], np.cumsum(weights[order])
    total = int(cum[-1])
    lo = values[np.searchsorted(cum, (total + 1) // 2)]  # 1-based positions (total+1)//2 and total//2+1
    hi = values[np.searchsorted(cum, total // 2 + 1)]
    return float((lo + hi) / 2)


def metrics(cells: pd.DataFrame) -> dict:
    """The metric block M of one group of cells."""
    if cells.empty:
        return zero_metrics()
    n = cells["n"].to_numpy(dtype="int64")
    cents = cells["amount_cents"].to_numpy(dtype="int64")
    state = cells["state"].to_numpy()
    won, lost, open_ = state == WON, state == LOST, state == OPEN
    won_count, lost_count, open_count = int(n[won].sum()), int(n[lost].sum()), int(n[open_].sum())
    bookings = int(cents[won].sum())
    median = weighted_median(cells["cycle_days"].to_numpy(dtype="float64")[won], n[won]) if won_count else None
    return block(won=won_count, lost=lost_count, open_=open_count, bookings=bookings,
                 open_cents=int(cents[open_].sum()), median=median)


def _div_half_up(cents: int, count: int) -> int:
    """``cents / count`` rounded half away from zero (ROUND_HALF_UP), in integers (count > 0)."""
    q = (2 * abs(cents) + count) // (2 * count)
    return -q if cents < 0 else q


def zero_metrics() -> dict:
    return {
        "opportunities": 0, "won_count": 0, "lost_count": 0, "win_rate": None, "bookings": "0.00",
        "avg_won_deal": None, "median_cycle_days_won": None, "open_count": 0, "open_amount": "0.00",
    }


def metrics_by(cells: pd.DataFrame, column: str, keys: Iterable = (), medians: dict | None = None) -> dict:
    """M per value of ``column``; every key of ``keys`` appears, with zero metrics if it has no deal.

    Vectorised (``blocks_of``: integer sums per figure, not one ``metrics`` call per group): a page
    may break thousands of owners down. ``medians``: the median cycle per key when the caller has
    it (cells without cycle days, rolled up in SQL), else computed from the cells."""
    if cells.empty:
        return blocks_of(np.array([]), won=np.array([]), lost=np.array([]), open_=np.array([]), bookings=np.array([]),
                         open_cents=np.array([]), medians={}, zero_keys=keys)
    values = cells[column].to_numpy()
    state = cells["state"].to_numpy()
    n = cells["n"].to_numpy(dtype="int64")
    cents = cells["amount_cents"].to_numpy(dtype="int64")
    won, lost, open_ = state == WON, state == LOST, state == OPEN
    if medians is None:
        medians = grouped_weighted_median(values[won], cells["cycle_days"].to_numpy(dtype="float64")[won], n[won])
    return blocks_of(values, won=np.where(won, n, 0), lost=np.where(lost, n, 0), open_=np.where(open_, n, 0),
                     bookings=np.where(won, cents, 0), open_cents=np.where(open_, cents, 0), medians=medians,
                     zero_keys=keys)


def blocks_of(keys: np.ndarray, *, won: np.ndarray, lost: np.ndarray, open_: np.ndarray, bookings: np.ndarray,
              open_cents: np.ndarray, medians: dict, zero_keys: Iterable = ()) -> dict:
    """M per distinct value of ``keys`` from per-row integer totals (counts and cents; the rows of
    one key summed exactly) and ``medians`` per key; every key of ``zero_keys`` appears, with zero
    metrics if it has no row. Sorted by the keys as text."""
    out = {k: zero_metrics() for k in zero_keys}
    if len(keys):
        codes, uniques = pd.factorize(keys)
        size = len(uniques)

        def total(values) -> list[int]:
            sums = np.zeros(size, dtype="int64")
            np.add.at(sums, codes, np.asarray(values, dtype="int64"))  # integer sums: exact
            return sums.tolist()

        won_n, lost_n, open_n, booked, open_c = (total(v) for v in (won, lost, open_, bookings, open_cents))
        for i, k in enumerate(uniques.tolist()):
            out[k] = block(won=won_n[i], lost=lost_n[i], open_=open_n[i], bookings=booked[i], open_cents=open_c[i],
                           median=medians.get(k))
    return dict(sorted(out.items(), key=lambda kv: str(kv[0])))


def block(*, won: int, lost: int, open_: int, bookings: int, open_cents: int, median: float | None) -> dict:
    """The metric block M from a group's totals (counts, cents) and its median cycle."""
    return {
        "opportunities": won + lost + open_,
        "won_count": won,
        "lost_count": lost,
        "win_rate": rate(won, won + lost),
        "bookings": money(bookings),
        "avg_won_deal": money(_div_half_up(bookings, won)) if won else None,
        "median_cycle_days_won": median if won else None,
        "open_count": open_,
        "open_amount": money(open_cents),
    }


def grouped_weighted_median(keys: np.ndarray, values: np.ndarray, weights: np.ndarray) -> dict:
    """``weighted_median`` per key, in one numpy sort and no per-group Python."""
    mask = ~np.isnan(values) & (weights > 0)
    if not mask.any():
        return {}
    codes, uniques = pd.factorize(keys[mask])
    v, w = values[mask], weights[mask]
    order = np.lexsort((v, codes))
    codes, v, w = codes[order], v[order], w[order]
    cum = np.cumsum(w)
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    lengths = np.diff(np.r_[starts, len(codes)])
    before = np.repeat(np.r_[0, cum[starts[1:] - 1]], lengths)
    within = cum - before  # cumulative weight inside each group
    total = np.repeat(np.add.reduceat(w, starts), lengths)
    # 1-based positions (total+1)//2 and total//2+1: the first row of each group reaching them.
    position = np.arange(len(codes))
    lo = np.minimum.reduceat(np.where(within >= (total + 1) // 2, position, len(codes)), starts)
    hi = np.minimum.reduceat(np.where(within >= total // 2 + 1, position, len(codes)), starts)
    medians = ((v[lo] + v[hi]) / 2).tolist()
    names = uniques.tolist()
    return {names[codes[s]]: m for s, m in zip(starts.tolist(), medians, strict=True)}


def aging(cells: pd.DataFrame) -> dict:
    """``{bucket: {"count", "amount"}}`` over open deals with a created date, every bucket present."""
    out = {name: {"count": 0, "amount": "0.00"} for name in BUCKET_NAMES}
    if cells.empty:
        return out
    open_ = cells[(cells["state"] == OPEN) & cells["bucket"].notna()]
    for name, group in open_.groupby("bucket"):
        out[name] = {"count": int(group["n"].sum()), "amount": money(int(group["amount_cents"].sum()))}
    return out


def bookings_by_quarter(cells: pd.DataFrame, fy_start_month: int) -> dict:
    """Won amounts by the fiscal quarter of the close date, ``{"2017Q1": "123.00"}``, sorted."""
    if cells.empty:
        return {}
    won = cells[(cells["state"] == WON) & cells["close_month"].notna()]
    return quarters_of_months(won.groupby("close_month")["amount_cents"].sum().items(), fy_start_month)


def quarters_of_months(month_cents: Iterable[tuple[date, int]], fy_start_month: int) -> dict:
    """``bookings_by_quarter`` from (first day of a close month, won cents) pairs."""
    totals: dict[str, int] = {}
    for month, cents in month_cents:
        key = fiscal_quarter_key(month, fy_start_month)
        totals[key] = totals.get(key, 0) + int(cents)
    return {k: money(v) for k, v in sorted(totals.items())}


def _drop_blank(block: dict) -> dict:
    """A deal with no team (region) of its own and an owner without one has no key to file under."""
    return {k: v for k, v in block.items() if k != ""}


@dataclass(frozen=True)
class SellerRef:
    """A seller as the report needs it: id, e-mail key, and its own team and region."""

    id: int
    email: str
    team: str = ""
    region: str = ""


def top_owner_keys(open_cents: Iterable[tuple[str, int]], limit: int) -> list[str]:
    """Of (owner key, open pipeline in cents) pairs, the keys of the ``limit`` largest open
    pipelines, ties by key: the owners a page lists (the document keeps them all)."""
    return [k for _, k in sorted((-cents, k) for k, cents in open_cents)[:limit]]


def top_of_owners(by_owner: dict, limit: int) -> dict:
    """``by_owner`` narrowed to its ``top_owner_keys`` (in key order, as the document)."""
    keep = set(top_owner_keys(((k, to_cents(m["open_amount"])) for k, m in by_owner.items()), limit))
    return {k: m for k, m in by_owner.items() if k in keep}


def _by_owner(cells: pd.DataFrame, sellers: list[SellerRef]) -> dict:
    """``metrics_by`` keyed by the owner's e-mail (an owner outside ``sellers`` under ""). Grouped
    on integer codes of the e-mails rather than the strings: a manager's page has thousands."""
    if cells.empty:
        return {s.email: zero_metrics() for s in sorted(sellers, key=lambda s: s.email)}
    names = sorted({s.email for s in sellers} | {""})
    code = {name: i for i, name in enumerate(names)}
    code_of_owner = {s.id: code[s.email] for s in sellers}
    owners = cells["owner_id"].map(code_of_owner).fillna(code[""]).astype("int64")
    by_code = metrics_by(cells.assign(_owner=owners.to_numpy()), "_owner", [code[s.email] for s in sellers])
    return dict(sorted(((names[k], m) for k, m in by_code.items()), key=lambda kv: kv[0]))


def report(cells: pd.DataFrame, *, as_of: date, sellers: Iterable[SellerRef], fy_start_month: int) -> dict:
    """The full ``pipeline_metrics`` document for a set of cells and the sellers in scope.

    Every seller appears in ``by_owner`` (zero metrics when they own no deal), and their own team
    and region appear in ``by_team``/``by_region`` even when no deal carries them.
    """
    sellers = list(sellers)
    return {
        "as_of": as_of.isoformat(),
        "overall": metrics(cells),
        "by_region": _drop_blank(metrics_by(cells, "region", {s.region for s in sellers if s.region})),
        "by_team": _drop_blank(metrics_by(cells, "team", {s.team for s in sellers if s.team})),
        "by_owner": _by_owner(cells, sellers),
        "bookings_by_quarter": bookings_by_quarter(cells, fy_start_month),
        "aging": aging(cells),
    }
