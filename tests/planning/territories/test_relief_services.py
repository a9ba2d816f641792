"""Quota relief offered by territory plans: proposals (selector) and applying one (service)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planning.models import Quota, Territory, TerritoryMove, TerritoryPlan
from planning.territories.relief import plan_relief, plan_relief_apply, relief_date
from planning.territories.services import territory_move_decide, territory_plan_publish
from spm.errors import ConflictError, DomainError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_draft_proposes_relief_for_the_accounts_it_moves(relief_world):
    w = relief_world
    with tenant_atomic(w.tenant):
        assert relief_date(w.draft) == max(dt.date.today(), dt.date(2027, 1, 1))
        w.draft.effective_from = dt.date(2027, 4, 1)  # as publishing would set it
        rows = plan_relief(w.draft)
    assert len(rows) == 1
    row = rows[0]
    assert (row["from_seller"], row["to_seller"]) == (w.sellers["rep"].pk, w.sellers["peer"].pk)
    assert (row["accounts"], row["potential"], row["total_potential"]) == (1, D("100000.00"), D("400000.00"))
    assert row["share"] == D("0.2500") and row["month"] == "2027-04"
    assert row["quota_moved"] == D("22500.00")  # April–December: 9 × 10,000 × 0.25
    assert row["applied"] is False


def test_the_published_plan_itself_offers_no_relief_when_nobody_owned_before(relief_world):
    with tenant_atomic(relief_world.tenant):
        assert plan_relief(relief_world.territory_plan) == []  # first publication: no previous owner


def test_an_accepted_move_is_offered_relief(relief_world):
    w = relief_world
    with tenant_atomic(w.tenant):
        emea = Territory.objects.get(plan=w.draft, name="EMEA")
        apac = Territory.objects.get(plan=w.draft, name="APAC")
        move = TerritoryMove.objects.create(plan=w.draft, account=w.accounts["T-1"], from_territory=emea,
                                            to_territory=apac, position=1, potential=D("300000"), cv_before=1.0,
                                            cv_after=0.5)
        territory_move_decide(move=move, accept=True, actor=w.users["revops"])
        rows = plan_relief(w.draft)
    # T-1 (300,000) and T-2 (100,000) go to peer: 400,000 / 400,000
    assert [(r["accounts"], r["potential"], r["share"]) for r in rows] == [(2, D("400000.00"), D("1.0000"))]


def test_applying_moves_the_quota_once_and_is_audited(relief_world):
    w = relief_world
    rep, peer, revops = w.sellers["rep"], w.sellers["peer"], w.users["revops"]
    with tenant_atomic(w.tenant):
        published = territory_plan_publish(plan=w.draft, effective_from=dt.date(2027, 4, 1), actor=revops,
                                           override_reason="new market")
        assert published.status == TerritoryPlan.Status.PUBLISHED
        [row] = plan_relief(published)  # after publishing: the day before vs what it assigned
        assert (row["share"], row["month"], row["quota_moved"]) == (D("0.2500"), "2027-04", D("22500.00"))
        done = plan_relief_apply(plan=published, from_seller_id=rep.pk, to_seller_id=peer.pk, actor=revops)
        assert done["amount"] == D("22500.00")
        assert Quota.objects.get(seller=rep, period="2027-03").amount == D("10000")
        assert Quota.objects.get(seller=rep, period="2027-04").amount == D("7500.00")
        assert Quota.objects.get(seller=peer, period="2027-04").amount == D("2500.00")
        event = AuditEvent.objects.get(action="quota.relief")
        assert event.after["from"] == "2027-04" and event.after["to_seller"] == peer.pk
        assert "FY2027 Q2" in event.after["reason"]
        assert plan_relief(published)[0]["applied"] is True
        with pytest.raises(ConflictError) as exc:
            plan_relief_apply(plan=published, from_seller_id=rep.pk, to_seller_id=peer.pk, actor=revops)
        assert exc.value.field == "from_seller" and "already applied" in exc.value.message
        assert AuditEvent.objects.filter(action="quota.relief").count() == 1
        assert Quota.objects.get(seller=rep, period="2027-04").amount == D("7500.00")


def test_pairs_not_proposed_or_without_month_quotas_are_refused_and_nothing_is_written(relief_world):
    w = relief_world
    rep, peer, revops = w.sellers["rep"], w.sellers["peer"], w.users["revops"]
    with tenant_atomic(w.tenant):
        with pytest.raises(DomainError) as exc:
            plan_relief_apply(plan=w.draft, from_seller_id=peer.pk, to_seller_id=rep.pk, actor=revops)
        assert exc.value.field == "from_seller" and "proposes no quota relief" in exc.value.message
        Quota.objects.filter(seller=rep).delete()
        Quota.objects.create(seller=rep, period="2027", amount=D("120000"))  # a year key only
        with pytest.raises(DomainError) as exc:
            plan_relief_apply(plan=w.draft, from_seller_id=rep.pk, to_seller_id=peer.pk, actor=revops)
        assert "no month quota" in exc.value.message
        assert not AuditEvent.objects.filter(action="quota.relief").exists()
        assert Quota.objects.get(seller=rep, period="2027").amount == D("120000")
