"""Reads: visibility of calls, the manager's scoped backtest, target and actual."""

from __future__ import annotations

from decimal import Decimal

import pytest

from performance.forecasting import selectors
from spm.models import Membership
from spm.tenancy.access import TenantAccess
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def access_for(world, persona: str) -> TenantAccess:
    membership = Membership.all_tenants.get(tenant=world.tenant, user=world.users[persona])
    return TenantAccess(tenant=world.tenant, membership=membership)


def test_a_manager_sees_their_subtree_and_a_rep_only_themselves(history_world):
    w = history_world
    with tenant_atomic(w.tenant):
        manager_rows = selectors.forecast_rollup(access=access_for(w, "manager"), period="2017-Q2")
        rep_rows = selectors.forecast_rollup(access=access_for(w, "rep"), period="2017-Q2")
        all_rows = selectors.forecast_rollup(access=access_for(w, "executive"), period="2017-Q2")
    assert {r["seller"].pk for r in manager_rows} == {w.sellers["manager"].pk, w.sellers["rep"].pk}
    assert [r["seller"].pk for r in rep_rows] == [w.sellers["rep"].pk]
    by = {r["seller"].pk: r for r in all_rows}
    # Today the rep's latest call is 5,000; the other manager's override of 8,000 still stands.
    assert by[w.sellers["vp"].pk]["commit"]["call"] == 13000.0
    assert by[w.sellers["other_manager"].pk]["commit"] == {"own": 0.0, "rollup": 9000.0, "override": 8000.0,
                                                           "call": 8000.0}


def test_the_managers_backtest_covers_only_their_subtree_and_their_call(history_world):
    import datetime as dt

    w = history_world
    access = access_for(w, "manager")
    with tenant_atomic(w.tenant):
        report = selectors.backtest_report(today=dt.date(2017, 7, 1), model=False,
                                           seller_ids=selectors.visible_seller_ids(access),
                                           roots=selectors.viewer_roots(access))
    q2 = report["quarters"][1]
    assert q2["actual"] == "1500.00"
    assert q2["methods"]["weighted"]["forecast"] == "1100.00"
    assert q2["methods"]["stage_conversion"]["forecast"] == "1500.00"
    assert q2["methods"]["commit"] == {"forecast": "1800.00", "error": "300.00", "accuracy": 0.8, "bias": 0.2}


def test_target_sums_individual_quotas_of_the_quarter_and_actual_converts_currency(acme):
    import datetime as dt

    from spm.models import FxRate
    from tests.factories import OpportunityFactory

    OpportunityFactory(tenant=acme.tenant, owner=acme.sellers["rep"], amount=Decimal("1000"), currency="EUR",
                       close_date=dt.date(2027, 2, 1))
    with tenant_atomic(acme.tenant):
        FxRate.objects.create(currency="EUR", rate_to_base=Decimal("1.10"), effective_from=dt.date(2027, 1, 1))
        # build_tenant: rep and peer each have a 2027-Q1 quota of 100,000; rep won 60,000, peer 40,000.
        assert selectors.target_for(access=access_for(acme, "revops"), period="2027-Q1") == Decimal("200000.00")
        assert selectors.target_for(access=access_for(acme, "rep"), period="2027-Q1") == Decimal("100000.00")
        assert selectors.actual_for(access=access_for(acme, "rep"), period="2027-Q1") == pytest.approx(61100.0)
        assert selectors.actual_for(access=access_for(acme, "revops"), period="2027-Q1") == pytest.approx(101100.0)


def test_weighted_by_month_weights_todays_open_deals_of_the_viewers_scope(acme):
    import datetime as dt

    from performance.models import PipelineStage
    from tests.factories import OpportunityFactory

    rep, peer = acme.sellers["rep"], acme.sellers["peer"]
    OpportunityFactory(tenant=acme.tenant, owner=rep, stage="Demo", is_closed=False, is_won=False,
                       amount=Decimal("1000"), close_date=dt.date(2027, 2, 10))
    OpportunityFactory(tenant=acme.tenant, owner=rep, stage="Deal", is_closed=False, is_won=False,
                       amount=Decimal("2000"), close_date=dt.date(2027, 3, 1))
    OpportunityFactory(tenant=acme.tenant, owner=rep, stage="Demo", is_closed=False, is_won=False,
                       amount=Decimal("5000"), close_date=None)
    OpportunityFactory(tenant=acme.tenant, owner=peer, stage="Demo", is_closed=False, is_won=False,
                       amount=Decimal("9000"), close_date=dt.date(2027, 2, 10))
    with tenant_atomic(acme.tenant):
        PipelineStage.objects.create(name="Demo", position=1, probability=Decimal("0.2"))
        PipelineStage.objects.create(name="Deal", position=2, probability=Decimal("0.5"))
        rows = selectors.weighted_by_month(access=access_for(acme, "rep"), months=3, today=dt.date(2027, 1, 20))
        everyone = selectors.weighted_by_month(access=access_for(acme, "revops"), months=3, today=dt.date(2027, 1, 20))
    assert [(r["month"].isoformat(), r["weighted"], r["open"]) for r in rows] == [
        ("2027-01-01", 0.0, 0.0), ("2027-02-01", 200.0, 1000.0), ("2027-03-01", 1000.0, 2000.0)]
    assert everyone[1]["weighted"] == pytest.approx(200.0 + 1800.0)


def test_target_counts_each_sellers_quarter_once_and_leaves_out_managers_roll_ups(acme):
    from tests.factories import QuotaFactory

    # The quota grid's shape: the rep's quarter row beside its three month rows (capacity), and every
    # manager's quota the roll-up of their reports'.
    for month, amount in (("2027-01", "33333.33"), ("2027-02", "33333.33"), ("2027-03", "33333.34")):
        QuotaFactory(tenant=acme.tenant, seller=acme.sellers["rep"], period=month, amount=Decimal(amount))
    for name, amount in (("manager", "100000"), ("other_manager", "100000"), ("vp", "200000")):
        QuotaFactory(tenant=acme.tenant, seller=acme.sellers[name], amount=Decimal(amount))
    with tenant_atomic(acme.tenant):
        assert selectors.target_for(access=access_for(acme, "revops"), period="2027-Q1") == Decimal("200000.00")
        assert selectors.target_for(access=access_for(acme, "manager"), period="2027-Q1") == Decimal("100000.00")
        assert selectors.target_for(access=access_for(acme, "rep"), period="2027-Q1") == Decimal("100000.00")


def test_the_forecasts_open_amount_converts_as_the_pipeline_does(acme):
    """An open 10,000 EUR deal recorded on 2027-01-10, when 1 EUR = 1.00 USD, closing 2027-03-20 when
    1 EUR = 1.10: the pipeline's coverage counts 11,000 (the rate on the close date); the forecast's
    "open in period" read 10,000 (the rate on the snapshot's day)."""
    import datetime as dt

    from performance.models import OpportunityHistory
    from performance.pipeline.selectors import pipeline_overview
    from spm.models import FxRate
    from tests.factories import OpportunityFactory

    rep = acme.sellers["rep"]
    deal = OpportunityFactory(tenant=acme.tenant, owner=rep, stage="Demo", is_closed=False, is_won=False,
                              amount=Decimal("10000"), currency="EUR", created_date=dt.date(2027, 1, 10),
                              close_date=dt.date(2027, 3, 20))
    with tenant_atomic(acme.tenant):
        FxRate.objects.create(currency="EUR", rate_to_base=Decimal("1.00"), effective_from=dt.date(2026, 1, 1))
        FxRate.objects.create(currency="EUR", rate_to_base=Decimal("1.10"), effective_from=dt.date(2027, 2, 1))
        OpportunityHistory.objects.create(opportunity=deal, as_of=dt.date(2027, 1, 10), stage="Demo",
                                          amount=Decimal("10000"), currency="EUR", close_date=dt.date(2027, 3, 20),
                                          owner=rep)
        access = access_for(acme, "rep")
        made = selectors.system_forecasts(access=access, period="2027-Q1", today=dt.date(2027, 2, 15))
        overview = pipeline_overview(access=access, as_of=dt.date(2027, 2, 15), period="2027-Q1")
    assert made["open_amount"] == pytest.approx(11000.0)
    assert overview["coverage"]["pipeline"] == "11000.00"
