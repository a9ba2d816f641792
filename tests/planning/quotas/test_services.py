import datetime as dt
from decimal import Decimal

import pytest

from planning.capacity import services as capacity_services
from planning.models import Quota
from planning.quotas import services
from planning.quotas.models import QuotaSet
from planning.quotas.selectors import quota_grid
from spm.errors import ConflictError, DomainError
from spm.models import AuditEvent
from spm.tenancy.access import TenantAccess
from spm.tenancy.db import tenant_atomic

SEGMENTS = [{"name": "mid", "productivity": "480000", "ramp_months": 6}]


def published(world, **kw):
    revops = world.users["revops"]
    args = {"name": "FY27", "year": 2027, "target": "960000", "segments": SEGMENTS, "over_assignment": "0.1",
            "actor": revops}
    args.update(kw)
    scenario = capacity_services.capacity_scenario_create(**args)
    return capacity_services.capacity_scenario_publish(scenario=scenario, actor=revops, override_reason="test")


def test_quota_set_from_a_published_scenario_sums_to_the_quota_to_assign(acme):
    revops = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        scenario = published(acme)
        qset = services.quota_set_create(scenario=scenario, actor=revops, seasonality=["1", "1", "1", "2"])
        allocations = {a.label: a for a in qset.allocations.all()}
        # 960,000 × 1.1 = 1,056,000 over two equal ramped sellers: 528,000 each, ≤ 480,000 × 1.1.
        assert qset.total == Decimal("1056000.00") and qset.version == 1
        assert {a.amount for a in allocations.values()} == {Decimal("528000.00")}
        assert not any(a.above_capacity for a in allocations.values())
        # Q1-Q3 weigh 1, Q4 2 (of 5): 528,000 / 5 / 3 = 35,200 a month, Q4 months 70,400.
        assert allocations["acme Rep"].months[:3] == ["35200.00"] * 3
        assert allocations["acme Rep"].months[9:] == ["70400.00"] * 3
        services.quota_set_publish(quota_set=qset, actor=revops)
        rep = acme.sellers["rep"]
        rows = dict(Quota.objects.filter(seller=rep).values_list("period", "amount"))
        assert rows["2027-01"] == Decimal("35200.00") and rows["2027-12"] == Decimal("70400.00")
        # the factory's manual 2027-Q1 quota now agrees with its months; the year key is the sum
        assert rows["2027-Q1"] == Decimal("105600.00") and rows["2027"] == Decimal("528000.00")
        assert Quota.objects.get(seller=rep, period="2027-03").source == "capacity"
        assert AuditEvent.objects.filter(action="quota_set.publish").count() == 1


def test_new_hires_get_ramped_quotas_and_open_headcount_writes_no_quota(acme):
    revops = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        scenario = capacity_services.capacity_scenario_create(
            name="hires", year=2027, target="960000", segments=SEGMENTS, actor=revops,
            hires=[{"segment": "mid", "count": 2, "start": "2027-07"}],
        )
        member = scenario.roster.get(seller=acme.sellers["peer"])
        member.hire_date = dt.date(2027, 4, 1)
        member.save()
        scenario = capacity_services.capacity_scenario_publish(scenario=scenario, actor=revops)
        qset = services.quota_set_create(scenario=scenario, actor=revops)
        peer = qset.allocations.get(seller=acme.sellers["peer"])
        assert peer.source == "ramp" and peer.months[:3] == ["0.00"] * 3
        tbh = qset.allocations.get(seller=None)
        assert tbh.label == "TBH mid from 2027-07 ×2"
        assert sum(Decimal(a.amount) for a in qset.allocations.all()) == qset.total
        services.quota_set_publish(quota_set=qset, actor=revops)
        assert Quota.objects.get(seller=acme.sellers["peer"], period="2027-04").source == "ramp"


def test_above_capacity_needs_an_override_and_mid_year_versions_keep_earlier_months(acme):
    revops, rep = acme.users["revops"], acme.sellers["rep"]
    with tenant_atomic(acme.tenant):
        scenario = published(acme, target="1200000")  # 1.32M to assign, 2 × 528,000 reachable
        qset = services.quota_set_create(scenario=scenario, actor=revops)
        assert all(a.above_capacity for a in qset.allocations.all())
        with pytest.raises(DomainError) as exc:
            services.quota_set_publish(quota_set=qset, actor=revops)
        assert exc.value.code == "override_required"
        services.quota_set_publish(quota_set=qset, actor=revops, override_reason="stretch year")
        assert AuditEvent.objects.get(action="quota_set.override").after["reason"] == "stretch year"
        assert Quota.objects.get(seller=rep, period="2027-01").amount == Decimal("55000.00")
        v2 = services.quota_set_create(scenario=scenario, actor=revops, effective_from="2027-07",
                                       seasonality=["1", "1", "1", "3"])
        services.quota_set_publish(quota_set=v2, actor=revops, override_reason="re-plan H2")
        qset.refresh_from_db()
        assert qset.status == QuotaSet.Status.SUPERSEDED and v2.version == 2
        assert Quota.objects.get(seller=rep, period="2027-06").amount == Decimal("55000.00")  # kept
        assert Quota.objects.get(seller=rep, period="2027-12").amount == Decimal("110000.00")  # 660,000 × 3/6 / 3
        with pytest.raises(ConflictError):
            services.quota_set_publish(quota_set=v2, actor=revops, override_reason="again")


def test_quota_set_needs_a_published_scenario_and_valid_options(acme):
    revops = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        draft = capacity_services.capacity_scenario_create(name="d", year=2027, target="1", segments=SEGMENTS,
                                                           actor=revops)
        with pytest.raises(ConflictError):
            services.quota_set_create(scenario=draft, actor=revops)
        scenario = published(acme)
        for kwargs, field in [({"method": "magic"}, "method"), ({"effective_from": "2028-01"}, "effective_from"),
                              ({"seasonality": [1, 2]}, "seasonality"), ({"blend_weight": "2"}, "blend_weight"),
                              ({"blend_weight": "half"}, "blend_weight"), ({"blend_weight": "NaN"}, "blend_weight")]:
            with pytest.raises(DomainError) as exc:
                services.quota_set_create(scenario=scenario, actor=revops, **kwargs)
            assert exc.value.field == field
            assert not exc.value.message.startswith(f"{field}: {field}")  # the field named once
        by_potential = services.quota_set_create(
            scenario=scenario, actor=revops, method="potential",
            potentials={acme.sellers["rep"].pk: Decimal("3"), acme.sellers["peer"].pk: Decimal("1")})
        assert by_potential.allocations.get(seller=acme.sellers["rep"]).amount == Decimal("792000.00")


def test_csv_import_is_all_or_nothing_and_the_grid_rolls_up(acme):
    revops = acme.users["revops"]
    rep, peer = acme.sellers["rep"], acme.sellers["peer"]
    good = "seller,period,amount\nacme-rep,2027-01,1000\nacme-peer,2027-01,2500.5\nacme-rep,2027-02,1000\n"
    bad = "seller,period,amount\nacme-rep,2027-01,7\nnobody,2027-01,1\nacme-rep,2027-13,1\nacme-peer,2027-02,-3\n"
    with tenant_atomic(acme.tenant):
        report = services.quota_csv_import(content=bad.encode(), actor=revops)
        assert [(e.line, e.column) for e in report.errors] == [(3, "seller"), (4, "period"), (5, "amount")]
        assert not Quota.objects.filter(period="2027-01").exists()
        report = services.quota_csv_import(content=good.encode(), actor=revops)
        assert report.ok and report.created == 3
        assert Quota.objects.get(seller=peer, period="2027-01").amount == Decimal("2500.50")
        # the factory's 2027-Q1 row follows the imported months; a year key appears
        assert Quota.objects.get(seller=rep, period="2027-Q1").amount == Decimal("2000.00")
        assert Quota.objects.get(seller=peer, period="2027").amount == Decimal("2500.50")
        access = TenantAccess(tenant=acme.tenant, membership=revops.memberships.get(tenant=acme.tenant))
        grid = quota_grid(access=access, year=2027, by="quarter")
        assert grid["periods"] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
        rows = {r["seller"].name: r for r in grid["rows"]}
        assert rows["acme Rep"]["values"][0] == Decimal("2000")
        assert rows["acme Manager"]["reports_values"][0] == Decimal("2000")
        assert rows["acme Manager"]["difference"] == Decimal("-2000")
        assert grid["totals"][0] == Decimal("4500.50")
        # the peer's months replace the factory's quarter row in the grid
        manager = acme.users["manager"]
        access = TenantAccess(tenant=acme.tenant, membership=manager.memberships.get(tenant=acme.tenant))
        assert {r["seller"].name for r in quota_grid(access=access, year=2027)["rows"]} == {"acme Manager", "acme Rep"}
        assert rep.pk


def test_potential_method_reads_the_territory_selector_on_the_effective_month(acme, monkeypatch):
    import sys
    import types

    revops = acme.users["revops"]
    calls = []
    fake = types.ModuleType("planning.territories.selectors")

    def potential_by_seller(*, as_of=None):
        calls.append(as_of)
        return {acme.sellers["rep"].pk: Decimal("1000"), acme.sellers["peer"].pk: Decimal("3000")}

    fake.potential_by_seller = potential_by_seller
    with tenant_atomic(acme.tenant):
        scenario = published(acme)
        monkeypatch.setitem(sys.modules, "planning.territories.selectors", fake)
        qset = services.quota_set_create(scenario=scenario, actor=revops, method="potential", effective_from="2027-04")
        assert calls == [dt.date(2027, 4, 1)]
        assert qset.allocations.get(seller=acme.sellers["peer"]).amount == Decimal("792000.00")  # 3/4 of 1,056,000
        fake.potential_by_seller = lambda *, as_of=None: {}  # no published territory plan yet
        with pytest.raises(DomainError) as exc:
            services.quota_set_create(scenario=scenario, actor=revops, method="potential")
        assert exc.value.field == "method"


def test_quota_relief_moves_a_share_of_the_quota_from_the_move_date(acme):
    revops, rep, peer = acme.users["revops"], acme.sellers["rep"], acme.sellers["peer"]
    with tenant_atomic(acme.tenant):
        scenario = published(acme)
        services.quota_set_publish(quota_set=services.quota_set_create(scenario=scenario, actor=revops), actor=revops)
        # 44,000 a month each (528,000 / 12); from October a quarter of rep's quota goes to peer
        result = services.quota_relief(seller=rep, to_seller=peer, effective_from="2027-10", share="0.25",
                                       reason="Accounts moved to peer", actor=revops)
        assert result["amount"] == Decimal("33000.00")  # 3 × 11,000
        assert Quota.objects.get(seller=rep, period="2027-09").amount == Decimal("44000.00")
        assert Quota.objects.get(seller=rep, period="2027-10").amount == Decimal("33000.00")
        assert Quota.objects.get(seller=peer, period="2027-10").amount == Decimal("55000.00")
        assert Quota.objects.get(seller=rep, period="2027").amount == Decimal("495000.00")
        assert Quota.objects.get(seller=peer, period="2027-Q4").amount == Decimal("165000.00")
        event = AuditEvent.objects.get(action="quota.relief")
        assert event.after["reason"] == "Accounts moved to peer" and event.after["amount"] == "33000.00"
        for kwargs, field in [({"share": "2"}, "share"), ({"effective_from": "2027"}, "effective_from"),
                              ({"reason": " "}, "reason")]:
            args = {"seller": rep, "effective_from": "2027-10", "share": "0.1", "reason": "x", "actor": revops}
            with pytest.raises(DomainError) as exc:
                services.quota_relief(**{**args, **kwargs})
            assert exc.value.field == field


def test_the_grid_shows_quarter_and_year_quotas_in_every_view(acme):
    """A scenario may give quotas by fiscal quarter or year only: the month view spreads a quarter over its
    months and both views spread a year (the last period takes the cents left over), so the grid's year
    is the quota the capacity check reads instead of 0.00."""
    rep, peer = acme.sellers["rep"], acme.sellers["peer"]
    revops = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        Quota.objects.create(seller=rep, period="2028", amount=Decimal("400000.01"))
        for q in range(1, 5):
            Quota.objects.create(seller=peer, period=f"2028-Q{q}", amount=Decimal("90000"))
        access = TenantAccess(tenant=acme.tenant, membership=revops.memberships.get(tenant=acme.tenant))
        by_quarter = {r["seller"].name: r for r in quota_grid(access=access, year=2028, by="quarter")["rows"]}
        by_month = {r["seller"].name: r for r in quota_grid(access=access, year=2028, by="month")["rows"]}
    assert by_quarter["acme Rep"]["values"] == [Decimal("100000.00")] * 3 + [Decimal("100000.01")]
    assert by_quarter["acme Rep"]["total"] == by_month["acme Rep"]["total"] == Decimal("400000.01")
    assert by_month["acme Rep"]["values"] == [Decimal("33333.33")] * 11 + [Decimal("33333.38")]
    assert by_month["acme Peer"]["values"] == [Decimal("30000.00")] * 12
    assert by_quarter["acme Peer"]["total"] == by_month["acme Peer"]["total"] == Decimal("360000.00")


@pytest.mark.parametrize("rows, manager_months", [
    ({f"2028-Q{q}": Decimal("90000") for q in range(1, 5)}, [Decimal("30000.00")] * 12),
    ({"2028": Decimal("400000.01")}, [Decimal("33333.33")] * 11 + [Decimal("33333.38")]),
])
def test_rolling_up_counts_reports_whose_quotas_are_by_quarter_or_year_only(acme, rows, manager_months):
    """A report with quarter or year rows only (a scenario file's '2028-Q1') counts in their manager's
    roll-up as the grid shows them (spread over the months, the last month taking the odd cents); the
    roll-up read month rows only, so such a report added 0.00 to the manager's quota."""
    rep, manager = acme.sellers["rep"], acme.sellers["manager"]
    with tenant_atomic(acme.tenant):
        for period, amount in rows.items():
            Quota.objects.create(seller=rep, period=period, amount=amount)
        services.quota_rollup_managers(year=2028, actor=acme.users["revops"])
        mine = dict(Quota.objects.filter(seller=manager).values_list("period", "amount"))
    assert [mine[f"2028-{m:02d}"] for m in range(1, 13)] == manager_months
    assert mine["2028"] == sum(rows.values())
    assert mine["2028-Q1"] == sum(manager_months[:3])


def test_csv_import_refuses_amounts_the_column_cannot_hold_and_rounds_cents_half_up(acme):
    """1e30 overflowed the quantize (a 500), a measure longer than its column failed the write on PostgreSQL;
    sub-cent amounts round half up like every other money import."""
    revops = acme.users["revops"]
    bad = ("seller,period,amount,measure\nacme-rep,2027-01,1e30,\nacme-rep,2027-02,12345678901234567,\n"
           f"acme-rep,2027-03,1.2.3,\nacme-rep,2027-04,1,{'m' * 41}\n")
    with tenant_atomic(acme.tenant):
        report = services.quota_csv_import(content=bad.encode(), actor=revops)
        assert [(e.line, e.column) for e in report.errors] == [(2, "amount"), (3, "amount"), (4, "amount"), (5, "measure")]
        assert "too large" in report.errors[1].message
        assert not Quota.objects.filter(period__in=["2027-01", "2027-02", "2027-03"]).exists()
        report = services.quota_csv_import(content=b"seller,period,amount\nacme-rep,2027-01,100.545\n", actor=revops)
        assert report.ok
        assert Quota.objects.get(seller=acme.sellers["rep"], period="2027-01").amount == Decimal("100.55")


def test_csv_import_audits_each_quota_it_creates_or_changes_with_before_and_after(acme):
    """The import's summary event has counts only; each quota row it writes is audited too, so "who
    changed this rep's quota, from what" has an answer."""
    revops = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        services.quota_csv_import(content=b"seller,period,amount\nacme-rep,2027-01,1000\n", actor=revops)
        AuditEvent.objects.filter(action__startswith="quota.").delete()
        services.quota_csv_import(content=b"seller,period,amount\nacme-rep,2027-01,1500\nacme-peer,2027-02,700\n",
                                  actor=revops)
        rep_month = Quota.objects.get(seller=acme.sellers["rep"], period="2027-01")
        changed = AuditEvent.objects.get(action="quota.update", object_id=str(rep_month.pk))
        assert (changed.actor, changed.before["amount"], changed.after["amount"]) == (revops, "1000.00", "1500.00")
        peer_month = Quota.objects.get(seller=acme.sellers["peer"], period="2027-02")
        created = AuditEvent.objects.get(action="quota.create", object_id=str(peer_month.pk))
        assert created.before is None and created.after["amount"] == "700.00"
        assert AuditEvent.objects.filter(action="quota.import").count() == 1
        services.quota_csv_import(content=b"seller,period,amount\nacme-rep,2027-01,1500\n", actor=revops)
        assert AuditEvent.objects.filter(action="quota.update", object_id=str(rep_month.pk)).count() == 1  # unchanged
