"""The demo's human forecast: weekly rep submissions and manager overrides over its past quarters.

Built from the generator's own outcomes so the forecast backtest has a human call to compare
with the system forecasts. Each closing rep has a calling habit, drawn once: about a third
sandbag (call 65–85 % of what they end up booking and close the gap as the quarter goes), a few
have happy ears (110–130 %), the rest call close to the truth with some noise. A rep's target
for a past quarter is what they booked in it; for the current quarter, what they have booked so
far plus their open deals in the commit category closing in it. Week w's call moves from the
habit towards the target (w / 12). Each team manager overrides their team on the quarter's
fourth day with the roll-up of the first calls marked up 0–8 % (they know their sandbaggers);
the override stands. Nothing is dated after ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import numpy as np

from spm.fiscal import quarter_bounds, quarter_key, shift_month

WEEKS = 13


def _money(x: float) -> Decimal:
    return Decimal(int(round(max(x, 0.0) / 100.0)) * 100)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def forecast_calls(rng: np.random.Generator, *, people, won: list[tuple], open_commit: list[tuple], start: dt.date,
                   today: dt.date, fy_start_month: int) -> tuple[list[tuple], list[tuple]]:
    """``(submissions, overrides)`` as row tuples ``(seller ext, period, commit, best_case, note, at)``.

    ``won``: ``(seller ext, close date, amount)`` of won deals; ``open_commit``: the same of open
    deals in the commit category (expected close date)."""
    booked: dict[tuple[str, str], float] = defaultdict(float)
    for ext, close, amount in won:
        booked[(ext, quarter_key(close, fy_start_month))] += float(amount)
    current = quarter_key(today, fy_start_month)
    for ext, close, amount in open_commit:
        if close is not None and quarter_key(close, fy_start_month) == current:
            booked[(ext, current)] += float(amount)
    closers = [p for p in people if p.role_type in ("AE", "CSM")]
    manager_of = {p.ext: p.manager for p in closers}
    habit = {}
    for p in closers:
        kind = rng.random()
        habit[p.ext] = (float(rng.uniform(0.65, 0.85)) if kind < 0.35 else float(rng.uniform(1.1, 1.3)) if kind < 0.5
                        else float(rng.normal(0.97, 0.08)))
    submissions: list[tuple] = []
    overrides: list[tuple] = []
    q = quarter_bounds(start, fy_start_month)[0]
    while q <= today:
        q_start, q_end = quarter_bounds(q, fy_start_month)
        period = quarter_key(q_start, fy_start_month)
        first_calls: dict[str, tuple[float, float]] = {}
        for p in closers:
            f, target = habit[p.ext], booked.get((p.ext, period), 0.0)
            for w in range(WEEKS):
                day = q_start + dt.timedelta(days=7 * w + 1)
                if day > min(q_end, today) or day < p.hire or (p.end is not None and day > p.end):
                    continue
                progress = w / (WEEKS - 1)
                commit = target * (f + (1 - f) * progress ** 1.5) * float(rng.normal(1.0, 0.03))
                best = commit * float(rng.uniform(1.15, 1.4))
                submissions.append((p.ext, period, _money(commit), _money(best), "", _at(day)))
                first_calls.setdefault(p.ext, (commit, best))
        day = q_start + dt.timedelta(days=3)
        if day <= today:
            team: dict[str, list[tuple[float, float]]] = defaultdict(list)
            for ext, call in first_calls.items():
                if manager_of[ext]:
                    team[manager_of[ext]].append(call)
            for manager, calls in sorted(team.items()):
                mark_up = float(rng.uniform(1.0, 1.08))
                overrides.append((manager, period, _money(sum(c for c, _ in calls) * mark_up),
                                  _money(sum(b for _, b in calls) * mark_up), "Team call (demo)", _at(day)))
        q = shift_month(q_start, 3)
    return submissions, overrides
