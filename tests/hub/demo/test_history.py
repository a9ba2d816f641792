"""The generated company's deal history: PipelineStage probabilities, OpportunityHistory rebuilt from
each deal's life (stage moves, slipped close dates, shrunk amounts, the close), and the planted
problems (a sandbagger, a stuck deal, a region under plan) — issue 10 item 8, issue 14 item 1."""

import datetime as dt
import io
import json
from collections import defaultdict

import pytest
from django.core.management import call_command

from performance.models import Opportunity, OpportunityHistory, PipelineStage, StageChange
from spm.fiscal import quarter_bounds
from spm.hub.demo.generator import generate_company
from spm.services import tenant_create_or_update
from spm.tenancy.db import tenant_atomic

TODAY = dt.date(2026, 11, 23)
SIZE = {"sellers": 21, "accounts": 80, "opportunities": 400}


@pytest.fixture
def acme(db):
    tenant = tenant_create_or_update(slug="acme", name="Acme")
    report = generate_company(tenant=tenant, seed=7, today=TODAY, with_plans=False, **SIZE)
    return tenant, report


def _history(tenant):
    with tenant_atomic(tenant):
        rows = defaultdict(list)
        for r in OpportunityHistory.objects.order_by("opportunity_id", "as_of").values(
                "opportunity_id", "as_of", "stage", "amount", "close_date", "owner_id", "forecast_category",
                "is_closed", "is_won"):
            rows[r["opportunity_id"]].append(r)
    return rows


def test_it_writes_the_stages_with_their_probabilities_in_order(acme):
    tenant, report = acme
    with tenant_atomic(tenant):
        stages = list(PipelineStage.objects.values_list("name", "position", "probability", "is_closed", "is_won"))
    assert [(n, p, float(pr), c, w) for n, p, pr, c, w in stages] == [
        ("prospecting", 1, 0.1, False, False), ("qualification", 2, 0.2, False, False),
        ("proposal", 3, 0.4, False, False), ("negotiation", 4, 0.6, False, False),
        ("closed_won", 5, 1.0, True, True), ("closed_lost", 6, 0.0, True, False)]
    assert report.counts["pipeline_stages"] == 6


def test_every_deal_has_history_never_after_today_and_its_latest_row_is_the_deal(acme):
    tenant, report = acme
    history = _history(tenant)
    with tenant_atomic(tenant):
        deals = list(Opportunity.objects.values("id", "stage", "amount", "close_date", "owner_id", "created_date",
                                                "forecast_category", "is_closed", "is_won"))
        assert not OpportunityHistory.objects.filter(as_of__gt=TODAY).exists()
        assert OpportunityHistory.objects.count() == report.counts["history_rows"] > len(deals)
    assert len(history) == len(deals) == SIZE["opportunities"]
    for deal in deals:
        rows = history[deal["id"]]
        assert rows[0]["as_of"] == deal["created_date"]  # first sight (its state at the end of that day)
        latest = [r for r in rows if r["as_of"] <= TODAY][-1]  # the state on today
        for key in ("stage", "amount", "close_date", "owner_id", "forecast_category", "is_closed", "is_won"):
            assert latest[key] == deal[key], (deal, latest, key)
        if deal["is_closed"]:
            assert latest["as_of"] == deal["close_date"] < TODAY
            assert all(not r["is_closed"] for r in rows[:-1])


def test_history_follows_the_stage_changes_and_records_slips_and_cuts(acme):
    tenant, report = acme
    history = _history(tenant)
    with tenant_atomic(tenant):
        stuck = Opportunity.objects.get(external_id=report.problems["stuck_deal"]).pk
        moves = defaultdict(list)
        for opp, to, at in StageChange.objects.order_by("changed_at", "id").values_list(
                "opportunity_id", "to_stage", "changed_at"):
            moves[opp].append((at.date(), to))
    slipped = shrunk = 0
    for opp, rows in history.items():
        for r in rows:  # the stage on each row's day = the last stage change on or before it
            assert r["stage"] == [to for day, to in moves[opp] if day <= r["as_of"]][-1]
        dates = [r["close_date"] for r in rows]
        if dates[0] != dates[-1] and opp != stuck:  # the stuck deal slipped by months
            slipped += 1
            assert 14 <= (dates[-1] - dates[0]).days <= 56
        if rows[0]["amount"] > rows[-1]["amount"]:
            shrunk += 1
        assert len({r["as_of"] for r in rows}) == len(rows)
    assert slipped >= 20 and shrunk >= 8


def test_the_planted_problems_are_there(acme):
    tenant, report = acme
    problems = report.problems
    assert set(problems) == {"sandbagger", "stuck_deal", "under_plan_region"}
    history = _history(tenant)
    with tenant_atomic(tenant):
        stuck = Opportunity.objects.get(external_id=problems["stuck_deal"])
        assert not stuck.is_closed and stuck.stage == "proposal"
        entered = StageChange.objects.filter(opportunity=stuck, to_stage="proposal").get().changed_at.date()
        assert (TODAY - entered).days >= 120
        # The sandbagger's large won deals: "best case" until the quarter's last week, closed in it.
        deals = Opportunity.objects.filter(owner__external_id=problems["sandbagger"], is_won=True)
        late = 0
        for deal in deals:
            commit = [r["as_of"] for r in history[deal.id] if r["forecast_category"] == "commit"]
            q_end = quarter_bounds(deal.close_date)[1]
            if commit and (q_end - commit[0]).days <= 6 and (q_end - deal.close_date).days <= 4:
                assert [r["forecast_category"] for r in history[deal.id] if r["as_of"] < commit[0]][-1] == "best_case"
                late += 1
        assert late >= 3
        # The region under plan wins a smaller share of its closed deals than the rest.
        def win_rate(qs):
            closed = qs.filter(is_closed=True)
            return closed.filter(is_won=True).count() / closed.count()
        region = problems["under_plan_region"]
        assert win_rate(Opportunity.objects.filter(owner__region=region)) < win_rate(
            Opportunity.objects.exclude(owner__region=region)) - 0.05


def test_the_forecast_backtest_scores_past_quarters_with_every_method(acme):
    out = io.StringIO()
    call_command("forecast_backtest", "--tenant", "acme", "--format", "json", "--as-of", TODAY.isoformat(), stdout=out)
    report = json.loads(out.getvalue())
    assert len(report["quarters"]) >= 2
    for q in report["quarters"]:
        assert set(q["methods"]) == {"weighted", "stage_conversion", "model", "commit"}
        assert q["methods"]["weighted"]["forecast"] is not None and float(q["methods"]["weighted"]["forecast"]) > 0
        assert q["methods"]["stage_conversion"]["forecast"] is not None
        assert q["methods"]["model"]["forecast"] is not None or q["model"].get("note")
        assert float(q["actual"]) > 0
    assert not [n for n in report["notes"] if n.startswith("weighted: no probability")]


def test_the_backtest_compares_the_human_call_recorded_by_the_demo(acme):
    """Weekly rep submissions and manager overrides over the past quarters: the commit method has a
    forecast in every quarter, and the sandbaggers' first calls sit well under what they booked."""
    from performance.forecasting.models import ForecastOverride, ForecastSubmission

    tenant, report = acme
    assert report.counts["forecast_submissions"] > 0 and report.counts["forecast_overrides"] > 0
    out = io.StringIO()
    call_command("forecast_backtest", "--tenant", "acme", "--format", "json", "--as-of", TODAY.isoformat(), stdout=out)
    doc = json.loads(out.getvalue())
    assert all(q["methods"]["commit"]["forecast"] is not None for q in doc["quarters"])
    assert doc["summary"]["commit"]["quarters"] == len(doc["quarters"])
    with tenant_atomic(tenant):
        assert not ForecastSubmission.objects.filter(submitted_at__date__gt=TODAY).exists()
        assert not ForecastOverride.objects.filter(created_at__date__gt=TODAY).exists()
        won = defaultdict(float)
        for owner, close, amount in Opportunity.objects.filter(is_won=True).values_list("owner_id", "close_date", "amount"):
            won[(owner, f"{close.year}-Q{(close.month - 1) // 3 + 1}")] += float(amount)
        first = {}
        for seller, period, commit in ForecastSubmission.objects.order_by("submitted_at").values_list(
                "seller_id", "period", "commit"):
            first.setdefault((seller, period), float(commit))
    under = [k for k, call in first.items() if won.get(k, 0) > 0 and call < 0.85 * won[k]]
    assert len(under) >= 3  # sandbaggers under-call at the start of a quarter
