import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from planning.capacity import services
from planning.capacity.models import CapacityScenario
from planning.capacity.selectors import quotas_out_of_line, scenario_result
from planning.models import Quota
from spm.errors import ConflictError, DomainError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

SEGMENTS = [{"name": "mid", "productivity": "400000", "ramp_months": 6}]


def make(world, **kw):
    args = {"name": "FY27", "year": 2027, "target": "1000000", "segments": SEGMENTS, "over_assignment": "0.1",
            "actor": world.users["revops"]}
    args.update(kw)
    return services.capacity_scenario_create(**args)


def test_create_takes_the_roster_from_the_tenants_quota_carrying_sellers(acme):
    with tenant_atomic(acme.tenant):
        scenario = make(acme, target_incentives={acme.sellers["rep"].pk: Decimal("60000")})
        roster = {m.name: m for m in scenario.roster.all()}
        assert set(roster) == {"acme Rep", "acme Peer"}  # managers carry no capacity
        assert roster["acme Rep"].segment == "mid" and roster["acme Rep"].target_incentive == Decimal("60000")
        inp, result = scenario_result(scenario)
        # two long-tenured sellers at 400,000; 1,000,000 × 1.1 to assign
        assert result.capacity == 800000 and result.quota_to_assign == 1100000
        assert result.variable_pay == 60000
        assert AuditEvent.objects.filter(action="capacity_scenario.create", object_id=str(scenario.pk)).count() == 1


def test_create_rejects_bad_input_naming_the_key_and_writes_nothing(acme):
    with tenant_atomic(acme.tenant):
        with pytest.raises(DomainError) as exc:
            make(acme, segments=[{"name": "mid", "productivity": "-5", "ramp_months": 6}])
        assert exc.value.field == "segments" and "segments[0].productivity" in exc.value.message
        with pytest.raises(DomainError) as exc:
            make(acme, gap_segment="mid", gap_start="2030-01")
        assert exc.value.field == "gap_start"
        assert not CapacityScenario.objects.exists()


def test_update_copy_and_hypothetical_sellers(acme):
    with tenant_atomic(acme.tenant):
        scenario = make(acme)
        hypo = services.roster_member(name="New AE", segment="mid", hire_date=dt.date(2027, 7, 1))
        roster = [*scenario.roster.all(), hypo]
        services.capacity_scenario_update(scenario=scenario, actor=acme.users["revops"], target="2000000",
                                          roster=roster)
        scenario.refresh_from_db()
        assert scenario.target == Decimal("2000000") and scenario.roster.count() == 3
        _, result = scenario_result(scenario)
        # + a July hire: 33,333.33 × (1/6+…+5/6 + 1) = 33,333.33 × 3.5 = 116,666.67
        assert result.capacity == Fraction(2750000, 3)  # 800,000 + 116,666.67
        copy = services.capacity_scenario_copy(scenario=scenario, actor=acme.users["revops"])
        assert copy.copied_from == scenario and copy.is_draft and copy.name == "FY27 (copy)"
        assert sorted(m.name for m in copy.roster.all()) == sorted(m.name for m in scenario.roster.all())
        assert scenario_result(copy)[1].capacity == result.capacity
        event = AuditEvent.objects.get(action="capacity_scenario.update")
        assert event.before["target"] == "1000000.00" and event.after["roster_size"] == 3


def test_published_scenarios_are_immutable_and_archive_the_previous_one(acme):
    revops = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        first = services.capacity_scenario_publish(scenario=make(acme), actor=revops)
        second = services.capacity_scenario_publish(scenario=make(acme, name="FY27 b"), actor=revops)
        first.refresh_from_db()
        assert first.status == "archived" and second.status == "published"
        with pytest.raises(ConflictError):
            services.capacity_scenario_update(scenario=second, actor=revops, target="1")


def test_publishing_with_quotas_above_capacity_needs_an_audited_override(acme):
    revops, rep = acme.users["revops"], acme.sellers["rep"]
    with tenant_atomic(acme.tenant):
        Quota.objects.create(seller=rep, period="2027", amount=Decimal("500000"))
        scenario = make(acme)  # rep can reach 400,000 × 1.1 = 440,000 < 500,000
        assert [r["name"] for r in quotas_out_of_line(scenario=scenario)] == ["acme Rep"]
        with pytest.raises(DomainError) as exc:
            services.capacity_scenario_publish(scenario=scenario, actor=revops)
        assert exc.value.code == "override_required" and exc.value.field == "override_reason"
        services.capacity_scenario_publish(scenario=scenario, actor=revops, override_reason="Q4 enterprise push")
        scenario.refresh_from_db()
        assert scenario.status == "published" and scenario.override_reason == "Q4 enterprise push"
        event = AuditEvent.objects.get(action="capacity_scenario.override")
        assert event.after["reason"] == "Q4 enterprise push" and event.after["sellers"][0]["quota"] == "500000.00"


def test_reachable_capacity_is_computed_once_per_scenario_document(acme, monkeypatch):
    """The quota page flags quotas above capacity on every view: the capacity per member is cached by
    the scenario's whole document, so any change to the scenario or its roster computes afresh."""
    from planning.capacity import selectors

    rep = acme.sellers["rep"]
    with tenant_atomic(acme.tenant):
        Quota.objects.create(seller=rep, period="2027", amount=Decimal("500000"))
        scenario = make(acme)
        assert [r["name"] for r in quotas_out_of_line(scenario=scenario)] == ["acme Rep"]
        with monkeypatch.context() as m:
            m.setattr(selectors, "seller_capacity", lambda *a, **k: pytest.fail("computed again"))
            assert [r["name"] for r in quotas_out_of_line(scenario=scenario)] == ["acme Rep"]
        member = scenario.roster.get(seller=rep)
        member.hire_date = dt.date(2027, 7, 1)  # half a year on ramp: even less reachable
        member.save()
        flagged = quotas_out_of_line(scenario=scenario)
    assert [r["name"] for r in flagged] == ["acme Rep"] and flagged[0]["reachable"] < Decimal("440000")


def test_quarter_only_quotas_are_checked_against_capacity_too(acme):
    """A scenario file may give quotas by fiscal quarter only: the quota grid's year shows their sum,
    and the capacity check compares that same sum (it skipped such sellers: "every quota within
    reachable capacity" beside a quota above it)."""
    rep = acme.sellers["rep"]
    with tenant_atomic(acme.tenant):
        for key in ("2027-Q2", "2027-Q3", "2027-Q4"):  # + the fixture's 2027-Q1 100,000
            Quota.objects.create(seller=rep, period=key, amount=Decimal("150000"))
        scenario = make(acme)  # rep can reach 400,000 × 1.1 = 440,000 < 550,000
        flagged = quotas_out_of_line(scenario=scenario)
        assert [(r["name"], r["quota"]) for r in flagged] == [("acme Rep", Decimal("550000"))]
