"""The set-based write stage of load_scenario: counts, one audit event, stage changes, all-or-nothing, change feed."""

import copy
from decimal import Decimal

import pytest

from performance.models import Opportunity, OpportunitySplit, StageChange
from planning.models import Quota, Seller
from spm import changes
from spm.hub.scenarios import ScenarioError, scenario_load
from spm.models import AuditEvent, InputChange, Tenant
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def _data():
    return {
        "tenant": {"name": "Bulk Co", "currency": "USD", "fiscal_year_start_month": 1},
        "sellers": [
            {"id": "M-1", "name": "Mia Manager", "role_type": "manager"},
            {"id": "S-1", "name": "Sam Seller", "manager": "M-1"},
            {"id": "S-2", "name": "Sue Seller", "manager": "M-1"},
        ],
        "quotas": [{"seller": "S-1", "period": "2027-01", "amount": "100000"},
                   {"seller": "S-2", "period": "2027-Q1", "amount": "300000.50"}],
        "deals": [
            {"id": "D-1", "owner": "S-1", "amount": "60000", "close_date": "2027-01-15", "stage": "closed_won"},
            {"id": "D-2", "owner": "S-1", "amount": "1234.56", "close_date": "2027-02-10", "stage": "closed_won",
             "splits": [{"seller": "S-1", "pct": 0.6}, {"seller": "S-2", "pct": 0.4}]},
            {"id": "D-3", "owner": "S-2", "amount": "5000", "close_date": "2027-03-01", "stage": "negotiation"},
        ],
    }


def _load(data, slug="bulk"):
    return scenario_load(data=copy.deepcopy(data), tenant_slug=slug)


def _counts(report, kind):
    c = report.counts[kind]
    return c["created"], c["updated"], c["unchanged"]


def test_first_load_creates_rows_with_exact_values_and_one_audit_event():
    report = _load(_data())
    assert _counts(report, "sellers") == (3, 0, 0)
    assert _counts(report, "quotas") == (2, 0, 0)
    assert _counts(report, "deals") == (3, 0, 0)
    tenant = Tenant.objects.get(slug="bulk")
    with tenant_atomic(tenant):
        assert Seller.objects.get(external_id="S-1").manager.external_id == "M-1"
        assert Seller.objects.get(external_id="M-1").manager is None
        d2 = Opportunity.objects.get(external_id="D-2")
        assert d2.amount == Decimal("1234.56") and d2.is_won and d2.is_closed and d2.currency == "USD"
        assert d2.forecast_category == "closed"
        d3 = Opportunity.objects.get(external_id="D-3")
        assert not d3.is_closed and d3.forecast_category == "pipeline"
        splits = sorted((s.seller.external_id, s.pct) for s in OpportunitySplit.objects.filter(opportunity=d2))
        assert splits == [("S-1", Decimal("60")), ("S-2", Decimal("40"))]  # fractions stored as percent
        assert Quota.objects.get(seller__external_id="S-2").amount == Decimal("300000.50")
        assert StageChange.objects.count() == 3  # first sight of each deal
        events = list(AuditEvent.objects.filter(action="scenario.load"))
        assert len(events) == 1
        assert events[0].after["counts"]["deals"] == {"created": 3}
        assert events[0].after["counts"]["sellers"] == {"created": 3}
        assert not AuditEvent.objects.filter(action__startswith="deal.").exists()
        assert not AuditEvent.objects.filter(action__startswith="seller.").exists()


def test_second_load_is_all_unchanged_and_writes_nothing():
    _load(_data())
    tenant = Tenant.objects.get(slug="bulk")
    with tenant_atomic(tenant):
        before = (AuditEvent.objects.count(), StageChange.objects.count(), OpportunitySplit.objects.count(),
                  InputChange.objects.count())
    report = _load(_data())
    assert _counts(report, "sellers") == (0, 0, 3)
    assert _counts(report, "quotas") == (0, 0, 2)
    assert _counts(report, "deals") == (0, 0, 3)
    assert not report.changed
    with tenant_atomic(tenant):
        after = (AuditEvent.objects.count(), StageChange.objects.count(), OpportunitySplit.objects.count(),
                 InputChange.objects.count())
    assert after == before


def test_one_changed_deal_is_updated_once_and_its_stage_change_recorded():
    _load(_data())
    data = _data()
    data["deals"][2].update(stage="closed_won", amount="5000.01")
    report = _load(data)
    assert _counts(report, "deals") == (0, 1, 2)
    tenant = Tenant.objects.get(slug="bulk")
    with tenant_atomic(tenant):
        d3 = Opportunity.objects.get(external_id="D-3")
        assert d3.amount == Decimal("5000.01") and d3.is_won and d3.forecast_category == "closed"
        moves = list(StageChange.objects.filter(opportunity=d3).order_by("pk").values_list("from_stage", "to_stage"))
        assert moves == [("", "negotiation"), ("negotiation", "closed_won")]
        events = list(AuditEvent.objects.filter(action="scenario.load").order_by("pk"))
        assert len(events) == 2
        assert events[1].after["counts"]["deals"] == {"updated": 1, "unchanged": 2}


def test_same_amount_written_differently_is_unchanged():
    _load(_data())
    data = _data()
    data["deals"][0]["amount"] = "60000.00"
    data["deals"][1]["splits"] = [{"seller": "S-1", "pct": 60}, {"seller": "S-2", "pct": "40.00"}]
    assert _counts(_load(data), "deals") == (0, 0, 3)


def test_split_change_updates_the_deal_and_replaces_its_splits():
    _load(_data())
    data = _data()
    data["deals"][1]["splits"] = [{"seller": "S-2", "pct": 100}]
    assert _counts(_load(data), "deals") == (0, 1, 2)
    with tenant_atomic(Tenant.objects.get(slug="bulk")):
        rows = list(OpportunitySplit.objects.filter(opportunity__external_id="D-2").values_list("seller__external_id", "pct"))
    assert rows == [("S-2", Decimal("100"))]


def test_a_bad_record_writes_nothing():
    data = _data()
    data["deals"].append({"id": "D-9", "owner": "S-1", "amount": "ten", "close_date": "2027-01-01"})
    with pytest.raises(ScenarioError) as exc:
        _load(data)
    assert 'deals[3] (id "D-9"): amount' in str(exc.value)
    assert not Tenant.objects.filter(slug="bulk").exists()


def test_a_failure_in_the_write_stage_rolls_back_the_whole_load():
    _load(_data())
    data = _data()
    data["deals"][0]["amount"] = "70000"  # would be updated …
    data["deals"].append({"id": "D-4", "owner": "S-1", "amount": "1", "close_date": "2027-01-01",
                          "stage": "closed_won", "name": "x" * 201})  # … but this name is too long for the column
    with pytest.raises(ScenarioError) as exc:
        _load(data)
    assert "name: deal 'D-4': Ensure this value has at most 200 characters (it has 201)." in str(exc.value)
    with tenant_atomic(Tenant.objects.get(slug="bulk")):
        assert Opportunity.objects.get(external_id="D-1").amount == Decimal("60000")
        assert not Opportunity.objects.filter(external_id="D-4").exists()
        assert AuditEvent.objects.filter(action="scenario.load").count() == 1


def test_values_the_columns_cannot_hold_are_refused_with_the_model_messages():
    data = _data()
    data["deals"][0]["amount"] = "1.234"
    with pytest.raises(ScenarioError) as exc:
        _load(data)
    assert "amount: deal 'D-1': Ensure that there are no more than 2 decimal places." in str(exc.value)
    data = _data()
    data["sellers"][1]["email"] = "sam@nowhere"
    with pytest.raises(ScenarioError) as exc:
        _load(data)
    assert "email: seller 'S-1': Enter a valid email address." in str(exc.value)
    assert not Tenant.objects.filter(slug="bulk").exists()


def test_a_manager_cycle_through_the_database_is_refused():
    _load(_data())
    data = {"sellers": [{"id": "M-1", "name": "Mia Manager", "role_type": "manager", "manager": "S-1"}]}
    with pytest.raises(ScenarioError) as exc:
        _load(data)
    assert "seller 'M-1': manager: 'S-1' reports to this seller" in str(exc.value)


def test_the_change_feed_receives_the_affected_sellers_once():
    calls = []

    def listener(**kwargs):
        calls.append(kwargs)

    changes.subscribe(listener)
    try:
        _load(_data())
        tenant = Tenant.objects.get(slug="bulk")
        with tenant_atomic(tenant):
            ids = dict(Seller.objects.values_list("external_id", "pk"))
        assert len(calls) == 1
        # Won deals D-1 (S-1, 2027-01) and D-2 (S-1/S-2, 2027-02), the quotas' months, and the manager's roll-up.
        assert set(calls[0]["seller_ids"]) == {ids["S-1"], ids["S-2"], ids["M-1"]}
        assert set(calls[0]["months"]) == {"2027-01", "2027-02", "2027-03"}
        calls.clear()
        _load(_data())
        assert calls == []  # nothing changed, nothing to recalculate
        data = _data()
        data["deals"][1]["amount"] = "2000"
        _load(data)
        assert len(calls) == 1
        assert set(calls[0]["seller_ids"]) == {ids["S-1"], ids["S-2"], ids["M-1"]}
        assert calls[0]["months"] == ["2027-02"]
    finally:
        changes._subscribers.remove(listener)


def _rich_data():
    data = _data()
    data["accounts"] = [{"id": "A-1", "name": "Acme"}, {"id": "A-2", "name": "Globex"}]
    data["deals"] += [
        {"id": "D-4", "owner": "S-2", "amount": 700, "close_date": "2027-04-30", "currency": "EUR", "account": "A-1",
         "splits": [{"seller": "S-1", "pct": "0.25"}, {"seller": "S-2", "pct": "0.75"}]},
        {"id": "D-5", "owner": "M-1", "amount": "99.5", "close_date": "2027-05-02", "stage": "closed_lost",
         "deal_type": "renewal", "created_date": "2026-11-01"},
        {"id": "D-6", "owner": "S-1", "amount": "10", "stage": "Discovery", "forecast_category": "commit",
         "name": "Tab\there, back\\slash"},
        {"id": "D-7", "owner": "S-1", "amount": "500", "close_date": "2027-06-15",
         "splits": [{"seller": "S-1", "pct": 50}, {"seller": "S-2", "pct": 50}]},
    ]
    return data


def _changed(data):
    data = copy.deepcopy(data)
    deals = {d["id"]: d for d in data["deals"]}
    deals["D-1"]["amount"] = "60000.00"  # the same value: unchanged
    deals["D-2"].update(amount="2000", close_date="2027-03-20")  # won deal moves month
    deals["D-3"].update(owner="S-1")  # an open deal changes owner
    deals["D-4"].update(stage="closed_lost", splits=[{"seller": "S-1", "pct": 100}])  # won → lost, resplit
    deals["D-5"].update(stage="closed_won", account="A-2")  # lost → won
    deals["D-6"]["name"] = "Renamed\r\n\\N"  # COPY's special characters, and its NULL marker as text
    deals["D-7"]["splits"] = []  # splits removed
    data["deals"].append({"id": "D-8", "owner": "S-2", "amount": "1", "close_date": "2027-01-31",
                          "splits": [{"seller": "M-1", "pct": 10}]})
    return data


def _snapshot(slug):
    with tenant_atomic(Tenant.objects.get(slug=slug)):
        fields = ["name", "owner__external_id", "account__external_id", "amount", "currency", "stage", "is_closed",
                  "is_won", "forecast_category", "deal_type", "created_date", "close_date", "probability", "product",
                  "region", "team", "contract_term_months"]
        deals = {row[0]: row[1:] for row in Opportunity.objects.values_list("external_id", *fields)}
        order = list(Opportunity.objects.order_by("pk").values_list("external_id", flat=True))
        splits = sorted(OpportunitySplit.objects.values_list("opportunity__external_id", "seller__external_id", "pct"))
        moves = sorted(StageChange.objects.values_list("opportunity__external_id", "from_stage", "to_stage"))
        ext = dict(Seller.objects.values_list("pk", "external_id"))
        fed = sorted((ext[s], m) for s, m in InputChange.objects.values_list("seller_id", "month"))
        audits = [e.after for e in AuditEvent.objects.filter(action="scenario.load").order_by("pk")]
    return deals, order, splits, moves, fed, audits


@pytest.mark.postgres
def test_postgres_set_based_deal_writes_equal_the_python_comparison(monkeypatch):
    """The SQL path (PostgreSQL) and the Python path (other databases) give the same rows, counts and feed."""
    from spm.hub import scenario_bulk

    def run(slug):
        calls = []

        def listener(**kwargs):
            calls.append((kwargs["seller_ids"], kwargs["months"]))

        changes.subscribe(listener)
        try:
            reports = [_load(data, slug) for data in (_rich_data(), _changed(_rich_data()), _changed(_rich_data()))]
        finally:
            changes._subscribers.remove(listener)
        with tenant_atomic(Tenant.objects.get(slug=slug)):
            ext = dict(Seller.objects.values_list("pk", "external_id"))
        feed = [(sorted(ext[s] for s in sellers), months) for sellers, months in calls]
        return [{k: dict(c) for k, c in r.counts.items()} for r in reports], feed, _snapshot(slug)

    sql = run("sql-path")
    monkeypatch.setattr(scenario_bulk, "_write_deals_sql", scenario_bulk._write_deals_python)
    python = run("python-path")
    assert sql == python
    counts, feed, (deals, _, splits, moves, fed, _) = sql
    assert len(feed) == 2  # the third load changes nothing
    assert [c["deals"] for c in counts] == [{"created": 7}, {"created": 1, "updated": 6, "unchanged": 1}, {"unchanged": 8}]
    assert deals["D-6"][0] == "Renamed\r\n\\N" and deals["D-4"][3:7] == (Decimal("700"), "EUR", "closed_lost", True)
    assert ("D-4", "S-1", Decimal("100")) in splits and not any(s[0] == "D-7" for s in splits)
    assert ("D-4", "closed_won", "closed_lost") in moves and ("D-5", "closed_lost", "closed_won") in moves
    assert ("S-2", "2027-04") in fed and ("M-1", "2027-05") in fed
