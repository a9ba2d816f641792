"""Pipeline inspection figures beyond the metric block (pure: pandas/numpy, no Django).

Definitions (money in integer cents of the tenant's base currency, like ``metrics``):

* **Coverage** of a period = open pipeline whose close date falls in the period ÷ remaining quota,
  where remaining quota = quota of the period − bookings already won in it. The quota is the sum of
  the sellers' ramp-adjusted quotas as on the scorecards; a manager's roll-up quota is left out when
  their reports are in the sum (it would count the team twice). Null when there is no quota or
  nothing remains (the quota is met).
* **Velocity** = open deals × win rate × average won deal ÷ cycle length (median days from created to
  won): the expected bookings per day the open pipeline produces. Null when any factor is unknown
  or the cycle length is 0.
* **Stage norm** = the 75th percentile of completed stays in that stage over the tenant's own stage
  history (a stay runs from the change into the stage to the next change of the same deal). A deal
  is **stuck** when it has been in its current stage longer than that stage's norm. Stages with
  fewer than ``MIN_STAYS`` completed stays have no norm (nothing is called stuck there). Norms are
  recomputed by the daily roll and by every import that records stage changes; a single deal's
  stage change (deal page or API) restarts that deal's days in stage at once, and the norms at the
  next roll (one more stay among thousands moves a 75th percentile by at most one of them).
* **Slipped**: an open deal whose close date is before the as-of day. **Pushed** / **pulled in**:
  an open deal whose recorded close date on the end day is later / earlier than on the start day
  (OpportunityHistory: the state on a day is its latest row on or before that day).
* **Flow** between a start day S and an end day E (S < E), with the metric definitions of open,
  won and lost: open at S, created in (S, E], won in (S, E], lost in (S, E], open at E, so that
  open at E = open at S + created − won − lost (counts and amounts; amounts are current).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from performance.pipeline.metrics import money

MIN_STAYS = 5
NORM_QUANTILE = 0.75


def coverage(*, pipeline_cents: int, quota_cents: int | None, booked_cents: int) -> dict:
    remaining = None if quota_cents is None else max(int(quota_cents) - int(booked_cents), 0)
    ratio = None if not remaining else round(int(pipeline_cents) / remaining, 6)
    return {
        "pipeline": money(pipeline_cents),
        "quota": None if quota_cents is None else money(quota_cents),
        "booked": money(booked_cents),
        "remaining_quota": None if remaining is None else money(remaining),
        "coverage": ratio,
    }


def velocity(*, open_count: int, win_rate: float | None, avg_won_cents: int | None, cycle_days: float | None) -> str | None:
    """Expected bookings per day, as a money string (or None)."""
    if win_rate is None or avg_won_cents is None or not cycle_days:
        return None
    return money(round(open_count * win_rate * avg_won_cents / cycle_days))


def stage_stays(changes: pd.DataFrame) -> pd.DataFrame:
    """Completed stays from stage changes (columns opportunity_id, to_stage, changed_at):
    ``stage, days`` per stay that ended with a later change of the same deal."""
    if changes.empty:
        return pd.DataFrame({"stage": pd.Series(dtype="object"), "days": pd.Series(dtype="float64")})
    df = changes.sort_values(["opportunity_id", "changed_at"], kind="stable")
    at = pd.to_datetime(df["changed_at"], utc=True)
    nxt = at.groupby(df["opportunity_id"]).shift(-1)
    days = (nxt - at).dt.total_seconds() / 86400.0
    out = pd.DataFrame({"stage": df["to_stage"].to_numpy(), "days": days.to_numpy()})
    return out[out["days"].notna()].reset_index(drop=True)


def stage_norms(stays: pd.DataFrame, *, min_stays: int = MIN_STAYS, quantile: float = NORM_QUANTILE) -> dict[str, float]:
    """``{stage: norm days}`` (see module docstring)."""
    if stays.empty:
        return {}
    grouped = stays.groupby("stage")["days"]
    counts = grouped.size()
    norms = grouped.quantile(quantile)
    return {str(s): round(float(norms[s]), 1) for s in norms.index if counts[s] >= min_stays}


def close_date_moves(history: pd.DataFrame, *, start: date, end: date) -> pd.DataFrame:
    """Per deal, its recorded close date on ``start`` and on ``end`` and the move between them.

    ``history`` columns: opportunity_id, as_of, close_date (one row per recorded change). Returns
    ``opportunity_id, close_start, close_end, move`` with move = "pushed" | "pulled_in" for deals
    whose close date differs (both known), and drops the others.
    """
    cols = ["opportunity_id", "close_start", "close_end", "move"]
    if history.empty:
        return pd.DataFrame(columns=cols)
    df = history.assign(as_of=pd.to_datetime(history["as_of"]), close_date=pd.to_datetime(history["close_date"]))
    df = df.sort_values(["opportunity_id", "as_of"], kind="stable")

    def state_on(day: date) -> pd.Series:
        upto = df[df["as_of"] <= pd.Timestamp(day)]
        return upto.groupby("opportunity_id")["close_date"].last()

    s, e = state_on(start), state_on(end)
    both = pd.DataFrame({"close_start": s, "close_end": e}).dropna()
    both = both[both["close_start"] != both["close_end"]]
    both["move"] = np.where(both["close_end"] > both["close_start"], "pushed", "pulled_in")
    both = both.reset_index().rename(columns={"index": "opportunity_id"})
    both["close_start"] = both["close_start"].dt.date
    both["close_end"] = both["close_end"].dt.date
    return both[cols]


FLOW_KEYS = ("open_start", "created", "won", "lost", "open_end")


def flow(cells: pd.DataFrame) -> dict:
    """Flow figures from cells with columns ``state_start`` (open|closed|none), ``state_end``
    (open|won|lost|none — won/lost meaning closed in (S, E]), ``created_in`` (bool), ``n``,
    ``amount_cents``. Returns ``{key: {"count", "amount"}}`` for FLOW_KEYS."""
    out = {k: {"count": 0, "amount": "0.00"} for k in FLOW_KEYS}
    if cells.empty:
        return out
    n = cells["n"].to_numpy(dtype="int64")
    cents = cells["amount_cents"].to_numpy(dtype="int64")
    masks = {
        "open_start": cells["state_start"].to_numpy() == "open",
        "created": cells["created_in"].to_numpy(dtype=bool),
        "won": cells["state_end"].to_numpy() == "won",
        "lost": cells["state_end"].to_numpy() == "lost",
        "open_end": cells["state_end"].to_numpy() == "open",
    }
    for key, mask in masks.items():
        out[key] = {"count": int(n[mask].sum()), "amount": money(int(cents[mask].sum()))}
    return out


def flow_cells_from_deals(deals: pd.DataFrame, *, start: date, end: date) -> pd.DataFrame:
    """Pure reference of the SQL flow aggregate: classify single deals (columns created_date,
    close_date, is_closed, is_won, amount_cents) into flow cells (``n`` = 1)."""
    created = pd.to_datetime(deals["created_date"])
    closed_on = pd.to_datetime(deals["close_date"])
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    is_closed = deals["is_closed"].astype(bool)
    closed_by_s = is_closed & (closed_on.isna() | (closed_on <= s))
    closed_by_e = is_closed & (closed_on.isna() | (closed_on <= e))
    open_s = ~closed_by_s & (created.isna() | (created <= s))
    open_e = ~closed_by_e & (created.isna() | (created <= e))
    closed_in = closed_by_e & ~closed_by_s
    won_in = closed_in & deals["is_won"].astype(bool)
    return pd.DataFrame({
        "state_start": np.where(open_s, "open", np.where(closed_by_s, "closed", "none")),
        "state_end": np.where(open_e, "open", np.where(won_in, "won", np.where(closed_in, "lost", "none"))),
        "created_in": (created > s) & (created <= e),
        "n": 1,
        "amount_cents": deals["amount_cents"].astype("int64").to_numpy(),
    })
