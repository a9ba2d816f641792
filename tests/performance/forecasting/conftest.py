"""A recorded deal history with hand-computed forecasts (the same deals as test_engine.py).

Quarter 2017Q2 (2017-04-01..06-30), seen on April 1. Owned by `rep` (under `manager`):
  1 Prospect 100 → won Feb 1; 2 Prospect 100 → lost Feb 15 (the only deals closed by April 1)
  3 Prospect 1,000 closing May 1 → won at 1,200; 4 Engage 2,000 closing Jun 1 → lost
  5 Engage 500 closing in August (outside); 6 created Apr 10, won 300 on May 10 (unknowable)
Owned by `peer` (another manager's team): 7 Prospect 10,000 closing May 15 → won.
Stage probabilities: Prospect 0.1, Engage 0.5.
Company, on April 1: weighted 100 + 1,000 + 1,000 = 2,100; conversion (overall rate 1/2) 6,500;
actual 1,200 + 300 + 10,000 = 11,500. Manager's subtree: weighted 1,100, conversion 1,500, actual 1,500.
Human call one week in: rep 1,800 (Apr 3; the Apr 20 call is too late), peer 9,000 overridden by
the other manager at 8,000 (Apr 5) → company 9,800; the manager's own view: 1,800.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from performance.forecasting.services import forecast_override_set, forecast_submit
from performance.models import OpportunityHistory, PipelineStage
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory

D = dt.date.fromisoformat

DEALS = {  # n: (owner persona, created, final stage, final amount, close date)
    1: ("rep", "2017-01-01", "Won", "100", "2017-02-01"),
    2: ("rep", "2017-01-01", "Lost", "100", "2017-02-15"),
    3: ("rep", "2017-03-01", "Won", "1200", "2017-05-01"),
    4: ("rep", "2017-03-15", "Lost", "2000", "2017-06-01"),
    5: ("rep", "2017-03-20", "Engage", "500", "2017-08-01"),
    6: ("rep", "2017-04-10", "Won", "300", "2017-05-10"),
    7: ("peer", "2017-03-01", "Won", "10000", "2017-05-15"),
}
HISTORY = [  # (deal, as_of, stage, amount, close_date, is_closed, is_won)
    (1, "2017-01-01", "Prospect", "100", "2017-02-01", False, False),
    (1, "2017-02-01", "Won", "100", "2017-02-01", True, True),
    (2, "2017-01-01", "Prospect", "100", "2017-02-15", False, False),
    (2, "2017-02-15", "Lost", "100", "2017-02-15", True, False),
    (3, "2017-03-01", "Prospect", "1000", "2017-05-01", False, False),
    (3, "2017-05-01", "Won", "1200", "2017-05-01", True, True),
    (4, "2017-03-15", "Engage", "2000", "2017-06-01", False, False),
    (4, "2017-06-01", "Lost", "2000", "2017-06-01", True, False),
    (5, "2017-03-20", "Engage", "500", "2017-08-01", False, False),
    (6, "2017-04-10", "Won", "300", "2017-05-10", True, True),
    (7, "2017-03-01", "Prospect", "10000", "2017-05-15", False, False),
    (7, "2017-05-15", "Won", "10000", "2017-05-15", True, True),
]
STAGES = [("Prospect", 1, "0.1", False, False), ("Engage", 2, "0.5", False, False),
          ("Won", 3, None, True, True), ("Lost", 4, None, True, False)]


def aware(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(hour), tzinfo=dt.UTC)


def add_history(world) -> dict[int, object]:
    tenant = world.tenant
    deals = {}
    for n, (persona, created, stage, amount, close) in DEALS.items():
        closed = stage in ("Won", "Lost")
        deals[n] = OpportunityFactory(
            tenant=tenant, external_id=f"{tenant.slug}-H{n}", name=f"History deal {n}", owner=world.sellers[persona],
            stage=stage, is_closed=closed, is_won=stage == "Won", amount=Decimal(amount),
            created_date=D(created), close_date=D(close),
        )
    with tenant_atomic(tenant):
        for name, position, probability, is_closed, is_won in STAGES:
            PipelineStage.objects.create(name=name, position=position, is_closed=is_closed, is_won=is_won,
                                         probability=None if probability is None else Decimal(probability))
        for n, as_of, stage, amount, close, is_closed, is_won in HISTORY:
            deal = deals[n]
            OpportunityHistory.objects.create(
                opportunity=deal, as_of=D(as_of), stage=stage, amount=Decimal(amount), currency="USD",
                close_date=D(close), owner=deal.owner, is_closed=is_closed, is_won=is_won,
            )
    return deals


def add_calls(world) -> None:
    s, u = world.sellers, world.users
    with tenant_atomic(world.tenant):
        forecast_submit(seller=s["rep"], period="2017-Q2", commit="1800", best_case="2500", actor=u["rep"],
                        submitted_at=aware("2017-04-03"))
        forecast_submit(seller=s["rep"], period="2017-Q2", commit="5000", best_case="6000", actor=u["rep"],
                        submitted_at=aware("2017-04-20"))
        forecast_submit(seller=s["peer"], period="2017-Q2", commit="9000", best_case="9500", actor=u["peer"],
                        submitted_at=aware("2017-04-02"))
        forecast_override_set(seller=s["other_manager"], period="2017-Q2", commit="8000", best_case="9000",
                              actor=u["revops"], at=aware("2017-04-05"))


@pytest.fixture
def history_world(acme):
    acme.deals.update({f"h{n}": d for n, d in add_history(acme).items()})
    add_calls(acme)
    return acme
