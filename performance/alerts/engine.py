"""Risk rules (pure, on the forecasting engine's history frames): which deals and sellers need action.

* **stalled** — an open deal has been in its current stage longer than that stage's norm: the 75th
  percentile of the finished stints in that stage in the tenant's history (at least
  ``MIN_STINTS`` of them, else ``DEFAULT_NORM_DAYS``), and never less than ``MIN_NORM_DAYS``.
* **slipped** — an open deal's close date has passed (past due), or it was pushed out of the
  current quarter within the last ``LOOKBACK_DAYS``.
* **shrinking** — an open deal's amount is at least ``SHRINK_PCT`` below the largest amount
  recorded for it within the last ``LOOKBACK_DAYS``.
* **pipeline_gap** — a seller's open pipeline closing in the quarter covers less than
  ``COVERAGE_TARGET`` × their remaining quota (quota − won so far in the quarter).

Each flag carries a stable ``key`` (one alert per key), a message and what to do about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

MIN_STINTS = 5
DEFAULT_NORM_DAYS = 30
MIN_NORM_DAYS = 14
LOOKBACK_DAYS = 30
SHRINK_PCT = 0.2
COVERAGE_TARGET = 3.0


@dataclass(frozen=True)
class Flag:
    kind: str
    key: str
    seller: int
    opportunity: int | None
    message: str
    action: str
    amount: float | None = None
    period: str = ""


def _money(x: float) -> str:
    return f"{x:,.0f}"


def stage_stints(history: pd.DataFrame) -> pd.DataFrame:
    """Consecutive runs of one stage per deal: ``opp, stage, start, end`` (end NaT = still in it)."""
    if history.empty:
        return pd.DataFrame(columns=["opp", "stage", "start", "end"])
    rows = history.sort_values(["opp", "as_of"], kind="stable")
    opp = rows["opp"].to_numpy()
    stage = rows["stage"].to_numpy()
    new_run = np.ones(len(rows), dtype=bool)
    new_run[1:] = (opp[1:] != opp[:-1]) | (stage[1:] != stage[:-1])
    runs = rows[new_run][["opp", "stage", "as_of"]].rename(columns={"as_of": "start"}).reset_index(drop=True)
    nxt_same = np.zeros(len(runs), dtype=bool)
    nxt_same[:-1] = runs["opp"].to_numpy()[1:] == runs["opp"].to_numpy()[:-1]
    end = runs["start"].shift(-1)
    runs["end"] = end.where(nxt_same, pd.NaT)
    return runs


def stage_norms(stints: pd.DataFrame, open_stages: set[str] | None = None) -> dict[str, float]:
    """Stage → days an open deal may sit in it before it counts as stalled."""
    done = stints[stints["end"].notna()]
    days = (done["end"] - done["start"]).dt.days
    norms: dict[str, float] = {}
    for stage, values in days.groupby(done["stage"]):
        if len(values) >= MIN_STINTS:
            norms[stage] = max(float(np.percentile(values, 75)), MIN_NORM_DAYS)
    for stage in open_stages or ():
        norms.setdefault(stage, float(DEFAULT_NORM_DAYS))
    return norms


def deal_flags(history: pd.DataFrame, today: date, quarter: tuple[str, date, date]) -> list[Flag]:
    """Stalled, slipped and shrinking flags of the deals open on ``today``."""
    if history.empty:
        return []
    now = pd.Timestamp(today)
    rows = history[history["as_of"] <= now]
    state = rows.sort_values(["opp", "as_of"], kind="stable").drop_duplicates("opp", keep="last")
    open_state = state[~state["is_closed"].astype(bool)].set_index("opp")
    if open_state.empty:
        return []
    flags: list[Flag] = []
    stints = stage_stints(rows)
    norms = stage_norms(stints, set(open_state["stage"]))
    current = stints[stints["end"].isna() & stints["opp"].isin(open_state.index)]
    for opp, stage, start in current[["opp", "stage", "start"]].itertuples(index=False):
        days = (now - start).days
        norm = norms.get(stage, DEFAULT_NORM_DAYS)
        if days > norm:
            flags.append(Flag(
                "stalled", f"stalled:{opp}", int(open_state.at[opp, "owner"]), int(opp),
                f"Stalled: {days} days in {stage} (norm {norm:.0f} days).",
                "Book a concrete next step with the buyer this week, or move the deal to the stage it is really in "
                "(close it lost if it is dead).",
                float(open_state.at[opp, "amount"])))
    # Slipped: past due, or pushed out of the quarter recently.
    key, q_start, q_end = quarter
    for opp, row in open_state.iterrows():
        close = row["close_date"]
        if pd.notna(close) and close < now:
            flags.append(Flag(
                "slipped", f"slipped:{opp}:{close.date().isoformat()}", int(row["owner"]), int(opp),
                f"Past due: the close date {close.date().isoformat()} has passed and the deal is still open.",
                "Confirm the real decision date with the buyer and update the close date, or close the deal lost.",
                float(row["amount"])))
    recent = rows[rows["as_of"] >= now - pd.Timedelta(days=LOOKBACK_DAYS)]
    earlier = rows[rows["as_of"] < now - pd.Timedelta(days=LOOKBACK_DAYS)]
    before = earlier.sort_values(["opp", "as_of"]).drop_duplicates("opp", keep="last").set_index("opp")
    inside = lambda d: pd.notna(d) and pd.Timestamp(q_start) <= d <= pd.Timestamp(q_end)  # noqa: E731
    for opp, row in open_state.iterrows():
        if opp not in before.index:
            continue
        old_close, new_close = before.at[opp, "close_date"], row["close_date"]
        if inside(old_close) and pd.notna(new_close) and new_close > pd.Timestamp(q_end):
            flags.append(Flag(
                "slipped", f"pushed:{opp}:{key}", int(row["owner"]), int(opp),
                f"Pushed out of {key}: close date moved from {old_close.date().isoformat()} to "
                f"{new_close.date().isoformat()}.",
                "Ask what changed on the buyer's side and take the deal out of this quarter's commit unless it "
                "can be pulled back.",
                float(row["amount"]), period=key))
    # Shrinking: the amount fell against the largest amount recorded in the look-back window
    # (the state just before the window counts as recorded in it).
    window = pd.concat([recent, earlier.sort_values(["opp", "as_of"]).drop_duplicates("opp", keep="last")])
    peak = window.groupby("opp")["amount"].max()
    for opp, row in open_state.iterrows():
        top = float(peak.get(opp, row["amount"]))
        amount = float(row["amount"])
        if top > 0 and amount <= top * (1 - SHRINK_PCT):
            flags.append(Flag(
                "shrinking", f"shrinking:{opp}:{amount:.2f}", int(row["owner"]), int(opp),
                f"Shrinking: amount fell from {_money(top)} to {_money(amount)} ({(amount - top) / top:+.0%}).",
                "Find out whether scope was cut or a discount given; re-qualify the deal and adjust its forecast "
                "category.",
                amount))
    return flags


def pipeline_gap_flags(
    *,
    quotas: Mapping[int, float],
    won: Mapping[int, float],
    pipeline: Mapping[int, float],
    quarter: tuple[str, date, date],
) -> list[Flag]:
    """Sellers whose open pipeline closing in the quarter is under COVERAGE_TARGET × remaining quota."""
    key = quarter[0]
    flags = []
    for seller, quota in sorted(quotas.items()):
        remaining = quota - won.get(seller, 0.0)
        if remaining <= 0:
            continue
        open_amount = pipeline.get(seller, 0.0)
        coverage = open_amount / remaining
        if coverage < COVERAGE_TARGET:
            need = COVERAGE_TARGET * remaining - open_amount
            flags.append(Flag(
                "pipeline_gap", f"gap:{seller}:{key}", seller, None,
                f"Pipeline gap in {key}: {_money(open_amount)} open against {_money(remaining)} of quota left "
                f"(coverage {coverage:.1f}×, target {COVERAGE_TARGET:.0f}×).",
                f"Build about {_money(need)} of new pipeline closing this quarter, or pull in deals from next "
                f"quarter.",
                need, period=key))
    return flags
