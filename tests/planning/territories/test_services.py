"""Territory plan services: rules, evaluation, balancing move by move, publishing with the quota check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planning.models import Account, AccountAssignment, Territory, TerritoryMove, TerritoryOverride, TerritoryPlan
from planning.territories import selectors
from planning.territories.services import (
    territory_move_decide,
    territory_override_set,
    territory_plan_archive,
    territory_plan_balance,
    territory_plan_create,
    territory_plan_evaluate,
    territory_plan_publish,
    territory_save,
)
from spm.errors import ConflictError, DomainError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def test_evaluation_lists_gaps_and_compares_potential_with_quota(territory_world):
    w = territory_world
    with tenant_atomic(w.tenant):
        w.territory_plan.effective_from = w.day
        result = selectors.plan_evaluation(w.territory_plan)
    rows = result.balance.set_index("name")
    # EMEA: T-1 + T-2 = 400,000 against rep's 4 × 50,000 = 200,000; APAC: 250,000 against peer's 400,000.
    assert rows.loc["EMEA", ["accounts", "potential", "quota", "short"]].tolist() == [2, 400000.0, 200000.0, False]
    assert rows.loc["APAC", ["accounts", "potential", "quota", "short"]].tolist() == [1, 250000.0, 400000.0, True]
    assert [g["external_id"] for g in result.gaps] == ["acme-acct", "T-4"]  # the world's own account has no region
    assert result.overlaps == []
    # Potential per seller 400,000 and 250,000: CV = 75,000 / 325,000; Gini = 150,000 / (2·4·325,000)·2
    assert result.fairness["cv"] == pytest.approx(75000 / 325000)
    assert result.fairness["gini"] == pytest.approx(2 * 150000 / (2 * 4 * 325000))


def test_bad_rules_are_refused_with_the_key_named(territory_world):
    w = territory_world
    with tenant_atomic(w.tenant), pytest.raises(DomainError) as exc:
        territory_save(plan=w.territory_plan, name="Bad", rules={"employees": {"min": 9, "max": 1}})
    assert exc.value.field == "rules.employees"


def test_overlaps_are_listed_and_an_override_settles_one(territory_world):
    w = territory_world
    with tenant_atomic(w.tenant):
        retail = territory_save(plan=w.territory_plan, name="Retail", rules={"industries": ["retail"]})
        result = selectors.plan_evaluation(w.territory_plan)
        assert {o["external_id"]: o["territories"] for o in result.overlaps} == {"T-1": ["EMEA", "Retail"],
                                                                                 "T-3": ["APAC", "Retail"]}
        territory_override_set(plan=w.territory_plan, account=w.accounts["T-1"], territory=retail, reason="key account",
                               actor=w.users["revops"])
        result = selectors.plan_evaluation(w.territory_plan)
    assert [o["external_id"] for o in result.overlaps] == ["T-3"]
    assert result.evaluation.assignment()[w.accounts["T-1"].pk] == retail.pk


def test_balancing_proposes_moves_that_revops_accepts_or_rejects_one_by_one(territory_world):
    w = territory_world
    revops = w.users["revops"]
    with tenant_atomic(w.tenant):
        moves = territory_plan_balance(plan=w.territory_plan, actor=revops)
        # 400,000 vs 250,000: the gap is 150,000; moving T-2 (100,000) gives 300,000 vs 350,000.
        assert [(m.account.external_id, m.from_territory.name, m.to_territory.name) for m in moves] == [("T-2", "EMEA", "APAC")]
        assert moves[0].cv_after < moves[0].cv_before
        decided = territory_move_decide(move=moves[0], accept=True, actor=revops)
        assert decided.status == TerritoryMove.Status.ACCEPTED
        assert TerritoryOverride.objects.get(account=w.accounts["T-2"]).territory == w.territories["APAC"]
        with pytest.raises(ConflictError):
            territory_move_decide(move=moves[0], accept=False, actor=revops)
        assert AuditEvent.objects.filter(action="territory_move.accepted", actor=revops).count() == 1


def test_publishing_a_short_territory_needs_an_audited_override_reason(territory_world):
    w = territory_world
    revops = w.users["revops"]
    with tenant_atomic(w.tenant):
        with pytest.raises(DomainError) as exc:
            territory_plan_publish(plan=w.territory_plan, effective_from=w.day, actor=revops)
        assert exc.value.field == "override_reason" and "APAC" in exc.value.message
        assert not AccountAssignment.objects.exists()
        plan = territory_plan_publish(plan=w.territory_plan, effective_from=w.day, override_reason="new market",
                                      actor=revops)
        assert plan.status == TerritoryPlan.Status.PUBLISHED and plan.override_reason == "new market"
        event = AuditEvent.objects.get(action="territory_plan.publish")
        assert event.actor == revops
        assert event.after["short_territories"] == ["APAC"] and event.after["override_reason"] == "new market"


def test_publishing_moves_ownership_from_the_effective_date(territory_world):
    w = territory_world
    rep, peer = w.sellers["rep"], w.sellers["peer"]
    t1, t2 = w.accounts["T-1"], w.accounts["T-2"]
    with tenant_atomic(w.tenant):
        territory_plan_publish(plan=w.territory_plan, effective_from=w.day, override_reason="ok")
        assert selectors.account_owner_on(t2.pk, w.day) == rep.pk
        assert selectors.account_owner_on(t2.pk, w.day - dt.timedelta(days=1)) is None
        assert selectors.potential_by_seller(as_of=w.day) == {rep.pk: Decimal("400000.00"), peer.pk: Decimal("250000.00")}
        # A copy moves T-2 to peer from July.
        copy = territory_plan_create(name="FY2027 H2", copy_of=w.territory_plan)
        apac = Territory.objects.get(plan=copy, name="APAC")
        territory_override_set(plan=copy, account=t2, territory=apac)
        with pytest.raises(ConflictError):
            territory_plan_publish(plan=copy, effective_from=w.day, override_reason="x")
        territory_plan_publish(plan=copy, effective_from=dt.date(2027, 7, 1), override_reason="x")
        july, june = dt.date(2027, 7, 1), dt.date(2027, 6, 30)
        assert selectors.account_owners_on([t1.pk, t2.pk, w.accounts["T-4"].pk], june) == {
            t1.pk: rep.pk, t2.pk: rep.pk, w.accounts["T-4"].pk: None}
        assert selectors.account_owners_on([t1.pk, t2.pk], july) == {t1.pk: rep.pk, t2.pk: peer.pk}
        assert selectors.potential_by_seller(as_of=july) == {rep.pk: Decimal("300000.00"), peer.pk: Decimal("350000.00")}
        assert Account.objects.get(pk=t2.pk).owner == peer
        w.territory_plan.refresh_from_db()
        assert w.territory_plan.status == TerritoryPlan.Status.ARCHIVED


def test_published_plans_are_immutable(territory_world):
    w = territory_world
    with tenant_atomic(w.tenant):
        territory_plan_publish(plan=w.territory_plan, effective_from=w.day, override_reason="ok")
        w.territory_plan.refresh_from_db()
        for attempt in (
            lambda: territory_save(plan=w.territory_plan, name="New", rules={}),
            lambda: territory_override_set(plan=w.territory_plan, account=w.accounts["T-4"],
                                           territory=w.territories["EMEA"]),
            lambda: territory_plan_balance(plan=w.territory_plan),
            lambda: territory_plan_archive(plan=w.territory_plan),
        ):
            with pytest.raises(ConflictError):
                attempt()


def test_evaluate_stores_the_figures_and_a_rule_change_marks_them_stale(territory_world):
    w = territory_world
    with tenant_atomic(w.tenant):
        territory_plan_evaluate(plan=w.territory_plan, actor=w.users["revops"])
        w.territory_plan.refresh_from_db()
        assert w.territory_plan.evaluated_at is not None
        assert w.territory_plan.summary["gaps"] == 2 and w.territory_plan.summary["assigned"] == 3
        territory_save(plan=w.territory_plan, name="LATAM", rules={"regions": ["LATAM"]})
        w.territory_plan.refresh_from_db()
        assert w.territory_plan.evaluated_at is None


def test_a_copy_is_a_scenario_of_its_source(territory_world):
    w = territory_world
    with tenant_atomic(w.tenant):
        copy = territory_plan_create(name="What if", copy_of=w.territory_plan)
        assert copy.scenario_of == w.territory_plan
        assert sorted(Territory.objects.filter(plan=copy).values_list("name", flat=True)) == ["APAC", "EMEA"]
        with pytest.raises(DomainError):
            territory_plan_create(name="What if")
