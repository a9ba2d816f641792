"""Engine-only benchmark (no database): the set-based rater against the reference, on synthetic input.

`manage.py bench` calls `rating_comparison` and reports both next to the vectorised rating floor of
PERFORMANCE.md. Inputs are seeded, so two runs rate the same credits; the function also checks that both
engines returned the same lines (to the cent) and says so in its result.
"""
from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from .calculate import Assignment, Deal, EngineInput, calculate
from .frames import calculate_frames
from .plan_document import parse_plan_document

PLAN = {"name": "AE", "currency": "USD", "components": [
    {"name": "New business", "type": "commission", "measure": {}, "quota": {"measure": "bookings", "period": "quarter"},
     "basis": "credit", "method": "marginal",
     "tiers": [{"upto": 1.0, "rate": "0.06"}, {"upto": 1.5, "rate": "0.09"}, {"rate": "0.12"}], "cap": {"amount": "90000"}},
    {"name": "Annual", "type": "commission", "measure": {}, "quota": {"measure": "bookings", "period": "year"},
     "basis": "target_incentive", "weight": "0.5", "method": "retroactive",
     "tiers": [{"upto": 1.0, "rate": "1.0"}, {"rate": "1.5"}]}]}


def synthetic_input(*, sellers: int, deals: int, seed: int = 1, year: int = 2027) -> EngineInput:
    rng = np.random.default_rng(seed)
    plan = parse_plan_document(PLAN)
    ids = [f"S-{i:05d}" for i in range(sellers)]
    owners = rng.integers(0, sellers, deals)
    days = rng.integers(0, 365, deals)
    amounts = np.round(rng.lognormal(9.5, 0.8, deals), 2)
    start = date(year, 1, 1)
    deal_list = [Deal(key=f"D-{i:07d}", owner=ids[o], amount=Decimal(f"{a:.2f}"), currency="USD",
                      close_date=start + timedelta(days=int(d)), deal_type="new_logo")
                 for i, (o, d, a) in enumerate(zip(owners.tolist(), days.tolist(), amounts.tolist(), strict=True))]
    quotas = {}
    for s in ids:
        for q in range(1, 5):
            quotas[(s, "bookings", f"{year}-Q{q}")] = Decimal(int(rng.integers(150, 400)) * 1000)
    return EngineInput(fy_start_month=1, base_currency="USD", managers=dict.fromkeys(ids), plans={"p": plan},
                       assignments=[Assignment(s, "p", start, None, Decimal(60000)) for s in ids], quotas=quotas,
                       deals=deal_list, period_from=f"{year}-01", period_through=f"{year}-12")


def rating_comparison(*, sellers: int, deals: int, seed: int = 1) -> dict:
    """Seconds for the reference and the set-based engine (with and without explanation text)."""
    inp = synthetic_input(sellers=sellers, deals=deals, seed=seed)
    started = time.perf_counter()
    reference = calculate(inp)
    t_reference = time.perf_counter() - started
    started = time.perf_counter()
    frames = calculate_frames(inp)
    t_frames = time.perf_counter() - started
    started = time.perf_counter()
    bare = calculate_frames(inp, explain=False)
    t_bare = time.perf_counter() - started
    same = frames.lines == reference.lines and [ln.amount for ln in bare.lines] == [ln.amount for ln in reference.lines]
    return {"lines": len(reference.lines), "reference": t_reference, "frames": t_frames, "frames_no_text": t_bare,
            "identical": same}
