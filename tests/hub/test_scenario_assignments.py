"""Scenario plan assignments set-based (spm.hub.scenario_assignments) against the per-record service they
replace (compensation.services.plan_assignment_upsert, one record at a time): the same random scenario
files — new, reloaded unchanged, reloaded with changes (another plan version, end dates, target
incentives, repeated keys) — loaded both ways leave the same assignments, the same counts, the same
change feed (sellers, every month) and the same refusals."""

import copy
import datetime as dt
import random

import pytest

from compensation.models import CompPlan, PlanAssignment
from planning.models import Seller
from spm.hub import scenarios
from spm.hub.scenarios import ScenarioError, scenario_load
from spm.models import AuditEvent, InputChange, Tenant
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

SELLERS = [{"id": "M-1", "name": "Mia", "role_type": "manager"},
           *({"id": f"S-{i}", "name": f"Seller {i}", "manager": "M-1"} for i in range(1, 6))]
STARTS = ["2027-01-01", "2027-04-01", "2027-07-01"]


def _plan(name, rate="0.10"):
    return {"name": name, "currency": "USD", "components": [{
        "name": "New business", "type": "commission", "measure": {"deal_types": ["new_logo"]},
        "quota": {"measure": "bookings", "period": "quarter"}, "basis": "credit", "method": "marginal",
        "tiers": [{"upto": 1.0, "rate": rate}, {"rate": "0.15"}]}]}


def _assignment(rng):
    start = rng.choice(STARTS)
    rec = {"seller": rng.choice(SELLERS)["id"], "plan": rng.choice(["AE", "SE"]), "from": start}
    if rng.random() < 0.5:
        rec["to"] = (dt.date.fromisoformat(start) + dt.timedelta(days=rng.choice([30, 90, 364]))).isoformat()
    choice = rng.random()
    if choice < 0.6:
        rec["target_incentive"] = rng.choice(["60000", "60000.00", "60000.5", 50000, "0", "1E+3", 12345.67])
    return rec


def _files(seed):
    """Three loads: new, the same again, then changed (a new AE version, other end dates and incentives)."""
    rng = random.Random(seed)
    first = {"tenant": {"name": "Assign Co"}, "sellers": SELLERS, "plans": [_plan("AE"), _plan("SE")],
             "assignments": [_assignment(rng) for _ in range(rng.randrange(1, 14))]}
    changed = copy.deepcopy(first)
    if rng.random() < 0.7:
        changed["plans"][0] = _plan("AE", "0.12")  # version 2 replaces version 1 on its assignments
    for rec in changed["assignments"]:
        roll = rng.random()
        if roll < 0.3:
            rec["to"] = "2027-12-31"
        elif roll < 0.5:
            rec.pop("to", None)
        elif roll < 0.7:
            rec["target_incentive"] = rng.choice(["70000", "60000", 0])
    changed["assignments"] += [_assignment(rng) for _ in range(rng.randrange(0, 4))]
    rng.shuffle(changed["assignments"])
    return [first, copy.deepcopy(first), changed]


def _state(slug):
    tenant = Tenant.objects.get(slug=slug)
    with tenant_atomic(tenant):
        rows = sorted((a.seller.external_id, a.plan.name, a.plan.version, a.start_date, a.end_date, a.target_incentive)
                      for a in PlanAssignment.objects.select_related("seller", "plan"))
        ext = dict(Seller.objects.values_list("id", "external_id"))
        feed = sorted(ext[s] for s in InputChange.objects.filter(month=InputChange.EVERY_MONTH)
                      .values_list("seller_id", flat=True))
        InputChange.objects.all().delete()  # the next load's feed starts empty
        plans = sorted(CompPlan.objects.values_list("name", "version"))
    return rows, feed, plans


def _run(files, slug, *, per_record, monkeypatch, took=None):
    with monkeypatch.context() as m:
        if per_record:
            m.setattr(scenarios, "load_assignments", lambda *a, **k: False)  # every file through the service
        elif took is not None:
            real = scenarios.load_assignments
            m.setattr(scenarios, "load_assignments", lambda *a, **k: took.append(real(*a, **k)) or took[-1])
        out = []
        for data in files:
            try:
                report = scenario_load(data=copy.deepcopy(data), tenant_slug=slug)
            except ScenarioError as exc:
                out.append(("refused", exc.errors))
                continue
            out.append((dict(report.counts.get("assignments", {})), *_state(slug)))
        return out


@pytest.mark.parametrize("seed", range(12))
def test_set_based_assignments_load_as_the_per_record_service(seed, monkeypatch):
    files = _files(seed)
    took = []
    bulk = _run(files, f"bulk-{seed}", per_record=False, monkeypatch=monkeypatch, took=took)
    service = _run(files, f"svc-{seed}", per_record=True, monkeypatch=monkeypatch)
    assert took == [True, True, True]  # the set-based path loaded every file
    for load, (b, s) in enumerate(zip(bulk, service, strict=True)):
        for part, (x, y) in enumerate(zip(b, s, strict=True)):
            assert (load, part, x) == (load, part, y)
    days = [(a["seller"], a["from"]) for a in files[0]["assignments"]]
    if len(set(days)) == len(days):  # (two records of one seller and day take turns on one assignment)
        assert bulk[1][0].get("created", 0) == bulk[1][0].get("updated", 0) == 0  # a reload changes nothing
        assert bulk[1][2] == []  # … and feeds nothing


def test_one_audit_event_with_the_counts_and_none_per_assignment():
    files = _files(3)
    scenario_load(data=copy.deepcopy(files[0]), tenant_slug="audit")
    with tenant_atomic(Tenant.objects.get(slug="audit")):
        assert not AuditEvent.objects.filter(action__startswith="assignment.").exists()
        event = AuditEvent.objects.get(action="scenario.load")
        assert sum(event.after["counts"]["assignments"].values()) == len(files[0]["assignments"])


def test_a_changed_plan_moves_its_assignments_to_the_new_version_and_feeds_seller_and_manager():
    data = {"sellers": SELLERS, "plans": [_plan("AE")],
            "assignments": [{"seller": "S-1", "plan": "AE", "from": "2027-01-01", "target_incentive": "60000"}]}
    scenario_load(data=copy.deepcopy(data), tenant_slug="move")
    _state("move")
    data["plans"] = [_plan("AE", "0.2")]
    report = scenario_load(data=copy.deepcopy(data), tenant_slug="move")
    assert dict(report.counts["assignments"]) == {"updated": 1}
    rows, feed, _ = _state("move")
    assert [(r[0], r[2]) for r in rows] == [("S-1", 2)]
    assert feed == ["M-1", "S-1"]


@pytest.mark.parametrize("value", ["1000.125", "1E+13", "1234567890123"])
def test_an_incentive_full_clean_refuses_is_refused_with_the_services_message(value, monkeypatch):
    data = {"sellers": SELLERS, "plans": [_plan("AE")],
            "assignments": [{"seller": "S-1", "plan": "AE", "from": "2027-01-01", "target_incentive": "5"},
                            {"seller": "S-2", "plan": "AE", "from": "2027-01-01", "target_incentive": value}]}
    bulk = _run([data], "bad-bulk", per_record=False, monkeypatch=monkeypatch)
    service = _run([data], "bad-svc", per_record=True, monkeypatch=monkeypatch)
    assert bulk == service and bulk[0][0] == "refused"
    assert "target_incentive" in bulk[0][1][0]
    assert not Tenant.objects.filter(slug__in=["bad-bulk", "bad-svc"]).exists()


def test_two_stored_versions_from_the_same_day_are_left_to_the_service(monkeypatch):
    data = {"sellers": SELLERS, "plans": [_plan("AE")],
            "assignments": [{"seller": "S-1", "plan": "AE", "from": "2027-01-01"}]}
    out = {}
    for slug, per_record in (("twice-bulk", False), ("twice-svc", True)):
        scenario_load(data=copy.deepcopy(data), tenant_slug=slug)
        tenant = Tenant.objects.get(slug=slug)
        with tenant_atomic(tenant):
            old = PlanAssignment.objects.get()
            v2 = CompPlan.objects.create(name="AE", version=2, document=old.plan.document, currency="USD",
                                         tenant=tenant)
            PlanAssignment.objects.create(seller=old.seller, plan=v2, start_date=old.start_date, tenant=tenant)
        _state(slug)
        changed = copy.deepcopy(data)
        changed["assignments"][0]["to"] = "2027-06-30"
        out[slug] = _run([changed], slug, per_record=per_record, monkeypatch=monkeypatch)
    assert out["twice-bulk"] == out["twice-svc"]
