import copy
import json
from decimal import Decimal

import pytest

from compensation.exports import statements_export
from compensation.models import CompPlan, PlanAssignment, Statement
from performance.models import Opportunity
from planning.models import Seller
from spm.hub.scenarios import ScenarioError, scenario_load
from spm.models import AuditEvent, Tenant
from spm.tenancy.db import tenant_atomic
from tests.conftest import scenario_data

pytestmark = pytest.mark.django_db


def test_scenario_round_trip_gives_hand_computed_amounts(loaded, calculate):
    run = calculate(loaded)
    assert run.status == "succeeded", run.message
    with tenant_atomic(loaded):
        rows = statements_export(period_from="2027-01", period_through="2027-03")
    by_key = {(r["seller"], r["period"]): r for r in rows}
    # 60,000 of 100,000 at 10 % = 6,000; then 40,000 at 10 % + 20,000 at 15 % = 7,000.
    assert by_key[("S-1", "2027-01")]["total"] == "6000.00"
    assert by_key[("S-1", "2027-02")]["total"] == "7000.00"
    assert by_key[("S-1", "2027-02")]["lines"][0]["deal"] == "D-2"
    assert by_key[("S-1", "2027-02")]["lines"][0]["attainment_after"] == "1.2"
    assert by_key[("S-1", "2027-03")]["total"] == "0.00"
    assert by_key[("S-2", "2027-02")]["total"] == "250.00"  # the adjustment, the open deal pays nothing
    assert by_key[("S-2", "2027-02")]["lines"][0]["kind"] == "adjustment"
    assert ("M-1", "2027-01") not in by_key  # no plan, no lines: no statement
    assert [(r["seller"], r["period"]) for r in rows] == sorted(by_key)
    json.dumps(rows)


def test_loading_twice_changes_nothing(loaded):
    with tenant_atomic(loaded):
        events = AuditEvent.objects.count()
    report = scenario_load(data=scenario_data(), tenant_slug="scen")
    assert not report.changed
    assert all(c["created"] == c["updated"] == 0 for c in report.counts.values())
    with tenant_atomic(loaded):
        assert AuditEvent.objects.count() == events
        assert CompPlan.objects.count() == 1


def test_loading_creates_tenant_and_resolves_managers_defined_later(loaded):
    assert loaded.name == "Scenario Co"
    with tenant_atomic(loaded):
        ada = Seller.objects.select_related("manager").get(external_id="S-1")
        assert ada.manager.external_id == "M-1"
        assert Opportunity.objects.get(external_id="D-1").account.name == "Initech"


def test_a_changed_plan_document_is_a_new_version(loaded):
    data = scenario_data()
    data["plans"][0]["components"][0]["tiers"][1]["rate"] = "0.20"
    report = scenario_load(data=data, tenant_slug="scen")
    assert report.counts["plans"]["updated"] == 1
    with tenant_atomic(loaded):
        assert list(CompPlan.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
        assert {a.plan.version for a in PlanAssignment.objects.select_related("plan")} == {2}


def test_bad_scenario_names_record_and_field_and_writes_nothing(db):
    data = scenario_data()
    data["deals"][1]["owner"] = "S-99"
    data["plans"][0]["components"][0]["tiers"][0]["rate"] = "ten"
    data["quotas"][0]["period"] = "2027-Q5"
    data["deals"][0]["colour"] = "red"
    with pytest.raises(ScenarioError) as info:
        scenario_load(data=data, tenant_slug="broken")
    errors = info.value.errors
    assert 'deals[1] (id "D-2"): owner "S-99" is not a seller in this scenario or tenant' in errors
    assert any(e.startswith('plans[0] "AE FY2027": components[0]') and "tiers[0].rate" in e for e in errors), errors
    assert any(e.startswith("quotas[0]: period:") for e in errors)
    assert any(e.startswith('deals[0] (id "D-1"): keys: unknown key') for e in errors)
    assert not Tenant.objects.filter(slug="broken").exists()


def test_manager_cycle_is_rejected(db):
    data = scenario_data()
    data["sellers"][1]["manager"] = "S-1"
    with pytest.raises(ScenarioError) as info:
        scenario_load(data=data, tenant_slug="cyc")
    assert any("cycle" in e for e in info.value.errors)


def test_splits_credit_each_seller(loaded, calculate):
    data = copy.deepcopy(scenario_data())
    data["deals"][0]["splits"] = [{"seller": "S-1", "pct": "0.5"}, {"seller": "S-2", "pct": "0.5"}]
    scenario_load(data=data, tenant_slug="scen")
    calculate(loaded, through="2027-01")
    with tenant_atomic(loaded):
        totals = dict(Statement.objects.filter(period="2027-01").values_list("seller__external_id", "total"))
    assert totals == {"S-1": Decimal("3000.00"), "S-2": Decimal("3000.00")}


def test_adjustments_with_an_id_are_upserted_by_it(loaded):
    from compensation.models import Adjustment

    data = scenario_data()
    data["adjustments"] = [{"id": "ADJ-7", "seller": "S-2", "period": "2027-02", "amount": "100.00", "reason": "Typo"}]
    scenario_load(data=data, tenant_slug="scen")
    scenario_load(data=data, tenant_slug="scen")  # twice: still one
    data["adjustments"][0].update(amount="120.00", reason="Corrected")
    report = scenario_load(data=data, tenant_slug="scen")
    assert report.counts["adjustments"]["updated"] == 1
    with tenant_atomic(loaded):
        adjustment = Adjustment.objects.get(external_id="ADJ-7")
        assert (adjustment.amount, adjustment.reason) == (Decimal("120.00"), "Corrected")
        assert AuditEvent.objects.filter(action="adjustment.update", object_id=str(adjustment.pk)).count() == 1
