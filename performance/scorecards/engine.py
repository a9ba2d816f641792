"""Scorecards per rep, team and region (pure: pandas/numpy, no Django).

Definitions for one fiscal period P = [start, end] (usually a quarter), money in integer cents of
the tenant's base currency:

* **bookings** = won amounts with a close date in P; **won/lost** = deals closed in P;
  **win_rate** = won / (won + lost) (null when both are 0); **avg_deal** = bookings / won;
  **cycle_days** = median close − created of the deals won in P.
* **quota** (ramp-adjusted) = the seller's ``bookings`` quota for P, built month by month: a month
  quota if set, else a third of the quarter's, else a twelfth of the year's; each month is scaled by
  the ramp factor of the seller's tenure in that month (``RAMP``: 25 %, 50 %, 75 % in the first
  three months from the hire month, then 100 %) unless the quota row is itself a ramp quota
  (``source = "ramp"``, already ramped). **attainment** = bookings / quota (null without quota).
  Bookings here are the deals a seller owns, whole, up to today; a statement's attainment counts its
  comp plan's credits instead (split shares, a manager's roll-up, the component's deal types) up to
  the end of its month, against the quota rows as set (no ramp factor), so the two differ when a deal is split or a
  deal type does not count for the plan.
* **pipeline** = deals open now with a close date in P; **coverage** = pipeline / (quota −
  bookings), null when nothing remains; **velocity** = open deals × win rate × avg deal / cycle
  days (per day), as on the pipeline page.
* Role KPIs: SDR — **pipeline_created** (amount and count of deals created in P that they own);
  AE — bookings and win rate; CSM — **renewals** (won renewal amounts closed in P) and **net
  retention** = (won renewal + won expansion in P) / (renewal amount closed in P, won or lost),
  null when no renewal closed. SDR — **meetings** (meetings held in P, from logged or imported
  activities) and **pipeline_per_meeting** = pipeline created in P / meetings in P (null without meetings).
* Teams and regions: the seller's own team/region; their figures are sums of their members'
  (rates recomputed from the sums, never averaged).
* Managers: a seller with reports among the sellers in scope carries a roll-up quota (the quota grid
  sets it to the sum of the reports'), so their card is their team's: the deals of everyone below
  them and their own, against their own quota. A team's or region's quota is its individual
  contributors' (a roll-up quota is its reports', counted where they are); the whole scope's leaves
  out a manager's whenever someone below them is in it. No target is counted twice.
  The attainment distribution and the leaderboards rank individual contributors only (``Card.reports``
  is 0): a manager's team figure is not one person's result.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from performance.pipeline.inspection import velocity
from performance.pipeline.metrics import money, rate, weighted_median
from spm.fiscal import add_months, month_key, months_between, months_in_period, parse_period_key, quota_period_key

RAMP: tuple[float, ...] = (0.25, 0.5, 0.75)
ATTAINMENT_BINS: tuple[tuple[str, float, float | None], ...] = (
    ("<50%", 0.0, 0.5), ("50–75%", 0.5, 0.75), ("75–100%", 0.75, 1.0),
    ("100–125%", 1.0, 1.25), ("125–150%", 1.25, 1.5), ("≥150%", 1.5, None),
)
# Columns of a scorecard cell frame (deals sharing every attribute a scorecard reads).
CELL_COLUMNS = ("owner_id", "deal_type", "is_closed", "is_won", "close_month", "created_month",
                "cycle_days", "n", "amount_cents")
# Columns of the meeting frame: meetings held per owner and month (month start dates).
MEETING_COLUMNS = ("owner_id", "month", "n")


def meetings_by_owner(meetings: pd.DataFrame | None, start: date, end: date) -> dict[int, int]:
    """Meetings held per owner in the months of [start, end]: one filter and one group-by, so a
    page of many cards does not rescan the frame per card."""
    if meetings is None or meetings.empty:
        return {}
    in_range = meetings[(meetings["month"] >= start) & (meetings["month"] <= end)]
    return {int(k): int(v) for k, v in in_range.groupby("owner_id")["n"].sum().items()}


def meetings_in(meetings: pd.DataFrame | None, owner_ids: Iterable[int], start: date, end: date) -> int:
    """Meetings held by ``owner_ids`` in the months of [start, end]."""
    held = meetings_by_owner(meetings, start, end)
    return sum(held.get(i, 0) for i in set(owner_ids))


@dataclass(frozen=True)
class QuotaRow:
    seller_id: int
    period: str
    amount: Decimal
    source: str = "manual"


@dataclass(frozen=True)
class SellerInfo:
    id: int
    name: str
    email: str = ""
    role_type: str = "AE"
    team: str = ""
    region: str = ""
    hire_date: date | None = None
    manager_id: int | None = None
    segment: str = ""


@dataclass
class Card:
    """One scorecard row (a seller, a team or a region)."""

    key: str
    label: str
    kind: str  # seller | team | region
    role_type: str = ""
    seller_ids: list[int] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    reports: int = 0  # a seller card: how many sellers below them its figures include


def teams_below(sellers: Iterable[SellerInfo]) -> dict[int, list[int]]:
    """Each seller's id followed by the ids of everyone below them among ``sellers`` (cycle-safe)."""
    sellers = list(sellers)
    ids = {s.id for s in sellers}
    children: dict[int, list[int]] = {}
    for s in sellers:
        if s.manager_id in ids and s.manager_id != s.id:
            children.setdefault(s.manager_id, []).append(s.id)
    out: dict[int, list[int]] = {}
    for s in sellers:
        team, seen, stack = [s.id], {s.id}, list(children.get(s.id, ()))
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                team.append(i)
                stack.extend(children.get(i, ()))
        out[s.id] = team
    return out


def quota_carriers(below: Mapping[int, list[int]]) -> set[int]:
    """The sellers of ``below`` (``teams_below``) whose quota counts in a sum over them: those with no one
    below them in scope. A manager's roll-up quota is their reports', counted where the reports are."""
    return {i for i, team in below.items() if len(team) == 1}


def ramp_factor(hire_date: date | None, month: str) -> float:
    """Share of a full quota expected in calendar month ``month`` ("2027-03") of a seller hired on
    ``hire_date`` (the hire month is the first ramp month; none before it)."""
    if hire_date is None:
        return 1.0
    hy, hm = hire_date.year, hire_date.month
    y, m = int(month[:4]), int(month[5:7])
    idx = (y - hy) * 12 + (m - hm)
    if idx < 0:
        return 0.0
    return RAMP[idx] if idx < len(RAMP) else 1.0


def quotas_by_seller(quotas: Iterable[QuotaRow]) -> dict[int, dict[str, QuotaRow]]:
    """Index quota rows once: seller id -> period key -> row (``ramped_quota_cents`` accepts either)."""
    out: dict[int, dict[str, QuotaRow]] = {}
    for q in quotas:
        out.setdefault(q.seller_id, {})[q.period] = q
    return out


def ramped_quota_cents(quotas, seller: SellerInfo, period: str, fy_start_month: int) -> int | None:
    """The seller's ramp-adjusted quota for ``period`` in cents (None when no quota covers it).
    ``quotas``: QuotaRows, or their ``quotas_by_seller`` index (faster over many sellers)."""
    by_key = quotas.get(seller.id, {}) if isinstance(quotas, dict) else {q.period: q for q in quotas if q.seller_id == seller.id}
    if not by_key:
        return None
    total = Decimal(0)
    found = False
    for month, quarter, year in _period_keys(period, fy_start_month):
        row, share = by_key.get(month), Decimal(1)
        if row is None:
            row, share = by_key.get(quarter), Decimal(1) / 3
        if row is None:
            row, share = by_key.get(year), Decimal(1) / 12
        if row is None:
            continue
        found = True
        factor = Decimal(1) if row.source == "ramp" else Decimal(str(ramp_factor(seller.hire_date, month)))
        total += Decimal(row.amount) * share * factor
    return int((total * 100).quantize(Decimal(1))) if found else None


@functools.lru_cache(maxsize=256)
def _period_keys(period: str, fy: int) -> tuple[tuple[str, str, str], ...]:
    """(month, quarter key, year key) of each month of ``period``: the same for every seller of a
    page, so parsed once rather than per seller (thousands on a manager's page)."""
    out = []
    for month in months_in_period(period, fy):
        d = date(int(month[:4]), int(month[5:7]), 1)
        out.append((month, quota_period_key(d, "quarter", fy), quota_period_key(d, "year", fy)))
    return tuple(out)


def _figures(cells: pd.DataFrame, start: date, end: date, quota_cents: int | None, meetings: int = 0) -> dict:
    if cells.empty:
        cells = pd.DataFrame({c: pd.Series(dtype="object") for c in CELL_COLUMNS}).astype(
            {"n": "int64", "amount_cents": "int64", "cycle_days": "float64"})
    n = cells["n"].to_numpy(dtype="int64")
    cents = cells["amount_cents"].to_numpy(dtype="int64")
    close = cells["close_month"]
    created = cells["created_month"]
    in_p = close.notna().to_numpy() & np.array([bool(c is not None and start <= c <= end) for c in close], dtype=bool)
    created_in = np.array([bool(c is not None and start <= c <= end) for c in created], dtype=bool)
    closed = cells["is_closed"].to_numpy(dtype=bool)
    won_flag = cells["is_won"].to_numpy(dtype=bool)
    won, lost = closed & won_flag & in_p, closed & ~won_flag & in_p
    open_in = ~closed & in_p
    open_all = ~closed
    dtype = cells["deal_type"].to_numpy()
    won_count, lost_count = int(n[won].sum()), int(n[lost].sum())
    bookings = int(cents[won].sum())
    avg = round(bookings / won_count) if won_count else None
    cycle = weighted_median(cells["cycle_days"].to_numpy(dtype="float64")[won], n[won]) if won_count else None
    win_rate = rate(won_count, won_count + lost_count)
    pipeline = int(cents[open_in].sum())
    remaining = None if quota_cents is None else max(quota_cents - bookings, 0)
    renewal_closed = int(cents[(won | lost) & (dtype == "renewal")].sum())
    retained = int(cents[won & np.isin(dtype, ["renewal", "expansion"])].sum())
    return {
        "bookings": money(bookings),
        "won_count": won_count,
        "lost_count": lost_count,
        "win_rate": win_rate,
        "avg_deal": None if avg is None else money(avg),
        "cycle_days": cycle,
        "quota": None if quota_cents is None else money(quota_cents),
        "attainment": rate(bookings, quota_cents) if quota_cents else None,
        "pipeline": money(pipeline),
        "coverage": None if not remaining else round(pipeline / remaining, 6),
        "velocity": velocity(open_count=int(n[open_all].sum()), win_rate=win_rate, avg_won_cents=avg, cycle_days=cycle),
        "pipeline_created": money(int(cents[created_in].sum())),
        "pipeline_created_count": int(n[created_in].sum()),
        "meetings": meetings,
        "pipeline_per_meeting": money((2 * int(cents[created_in].sum()) + meetings) // (2 * meetings)) if meetings else None,
        "renewals": money(int(cents[won & (dtype == "renewal")].sum())),
        "net_retention": rate(retained, renewal_closed) if renewal_closed else None,
    }


def scorecards(
    cells: pd.DataFrame, *, sellers: Iterable[SellerInfo], quotas: Iterable[QuotaRow], period: str, fy_start_month: int,
    meetings: pd.DataFrame | None = None,
) -> dict[str, list[Card]]:
    """Seller, team and region cards for one fiscal period key (``"2027-Q1"``, ``"2027"``, ``"2027-03"``)."""
    start, end, _ = parse_period_key(period, fy_start_month)
    start = date(start.year, start.month, 1)  # cells carry month starts
    sellers = list(sellers)
    quotas = quotas_by_seller(quotas)
    by_owner = dict(list(cells.groupby("owner_id"))) if not cells.empty else {}
    rows_of = cells.groupby("owner_id").indices if not cells.empty else {}
    empty = cells.iloc[0:0] if not cells.empty else pd.DataFrame()
    below = teams_below(sellers)
    carriers = quota_carriers(below)
    seller_cards, quota_of = [], {}
    held = meetings_by_owner(meetings, start, end)
    for s in sellers:
        q = ramped_quota_cents(quotas, s, period, fy_start_month)
        quota_of[s.id] = q
        team = below[s.id]
        if len(team) == 1:
            own = by_owner.get(s.id, empty)
        else:  # a manager: the deals of their whole team (positions, so no frame per member is copied)
            rows = [rows_of[i] for i in team if i in rows_of]
            own = cells.iloc[np.sort(np.concatenate(rows))] if rows else empty
        seller_cards.append(Card(key=str(s.id), label=s.name, kind="seller", role_type=s.role_type, seller_ids=team,
                                 reports=len(team) - 1,
                                 figures=_figures(own, start, end, q, sum(held.get(i, 0) for i in team))))

    def grouped(kind: str, attr: str) -> list[Card]:
        members: dict[str, list[SellerInfo]] = {}
        for s in sellers:
            members.setdefault(getattr(s, attr) or "", []).append(s)
        cards = []
        for key, group in sorted(members.items()):
            ids = [s.id for s in group]
            frames = [by_owner[i] for i in ids if i in by_owner]
            sub = pd.concat(frames) if frames else empty
            qs = [quota_of[i] for i in ids if quota_of[i] is not None and i in carriers]
            cards.append(Card(key=key, label=key or f"(no {attr})", kind=kind, seller_ids=ids,
                              figures=_figures(sub, start, end, sum(qs) if qs else None,
                                               sum(held.get(i, 0) for i in ids))))
        return cards

    return {"seller": seller_cards, "team": grouped("team", "team"), "region": grouped("region", "region")}


def individual(cards: Iterable[Card]) -> list[Card]:
    """The cards of individual contributors: a manager's card is their team's figure."""
    return [c for c in cards if not c.reports]


def attainment_histogram(cards: Iterable[Card]) -> dict[str, int]:
    """How many individual contributors' cards fall in each attainment band (cards without a quota
    and managers' team cards are left out)."""
    out = {name: 0 for name, _, _ in ATTAINMENT_BINS}
    for c in individual(cards):
        a = c.figures.get("attainment")
        if a is None:
            continue
        for name, lo, hi in ATTAINMENT_BINS:
            if a >= lo and (hi is None or a < hi):
                out[name] += 1
                break
        else:
            out[ATTAINMENT_BINS[0][0]] += 1  # negative attainment (credit memos) counts as the lowest band
    return out


def leaderboard(cards: Iterable[Card], metric: str = "attainment", limit: int = 10) -> list[Card]:
    """Individual contributors' cards ranked by ``metric`` (descending; cards without it last, then by
    bookings)."""
    def key(c: Card):
        v = c.figures.get(metric)
        num = None if v is None else float(v)
        return (num is None, -(num or 0.0), -float(c.figures.get("bookings") or 0), c.label)

    return sorted(individual(cards), key=key)[:limit]


def quarter_keys_back(as_of: date, count: int, fy_start_month: int) -> list[str]:
    """The fiscal quarter containing ``as_of`` and the ``count - 1`` before it, oldest first."""
    keys = []
    y, m = as_of.year, as_of.month
    for i in range(count):
        yy, mm = add_months(y, m, -3 * i)
        keys.append(quota_period_key(date(yy, mm, 1), "quarter", fy_start_month))
    return sorted(set(keys), key=lambda k: parse_period_key(k, fy_start_month)[0])


def trend(cells: pd.DataFrame, *, seller: SellerInfo | None, sellers: Iterable[SellerInfo], quotas: Iterable[QuotaRow],
          periods: list[str], fy_start_month: int, meetings: pd.DataFrame | None = None) -> list[dict]:
    """Figures of one seller (a manager: their team, as their card) or of the whole set when ``seller``
    is None, for each period key."""
    sellers = list(sellers)
    quotas = quotas_by_seller(quotas)
    below = teams_below(sellers if seller is None or seller in sellers else [*sellers, seller])
    ids = set(below[seller.id]) if seller is not None else set(below)
    # The quotas summed: a manager's own on their card; the set's without roll-ups double counted.
    carriers = quota_carriers(below)
    scope = [seller] if seller is not None else [s for s in sellers if s.id in carriers]
    sub = cells[cells["owner_id"].isin(ids)] if not cells.empty else cells
    rows = []
    for p in periods:
        start, end, _ = parse_period_key(p, fy_start_month)
        qs = [ramped_quota_cents(quotas, s, p, fy_start_month) for s in scope]
        qs = [q for q in qs if q is not None]
        first = date(start.year, start.month, 1)
        rows.append({"period": p, **_figures(sub, first, end, sum(qs) if qs else None,
                                             meetings_in(meetings, ids, first, end))})
    return rows


def month_keys(start: date, end: date) -> list[str]:
    return months_between(month_key(start), month_key(end))


def cells_from_deals(deals: Iterable[Mapping]) -> pd.DataFrame:
    """Pure reference of the SQL scorecard aggregate: one cell per deal (columns owner_id,
    deal_type, is_closed, is_won, created_date, close_date, amount_cents)."""
    rows = []
    for d in deals:
        created, closed = d.get("created_date"), d.get("close_date")
        rows.append({
            "owner_id": d["owner_id"], "deal_type": d.get("deal_type", "new_logo"),
            "is_closed": bool(d["is_closed"]), "is_won": bool(d["is_won"]),
            "close_month": date(closed.year, closed.month, 1) if closed else None,
            "created_month": date(created.year, created.month, 1) if created else None,
            "cycle_days": float((closed - created).days) if closed and created and d["is_won"] else np.nan,
            "n": 1, "amount_cents": int(d["amount_cents"]),
        })
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS))
