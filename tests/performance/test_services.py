"""opportunity_update locks the deal before reading it: no update is lost to another one.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from performance.models import Opportunity, StageChange
from performance.services import opportunity_event_record, opportunity_update, opportunity_upsert
from spm.errors import DomainError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic
from tests import factories


def test_opportunity_upsert_records_stage_changes_splits_and_audit(acme):
    rep, peer = acme.sellers["rep"], acme.sellers["peer"]
    with tenant_atomic(acme.tenant):
        opp, created = opportunity_upsert(external_id="N-1", owner=rep, amount="5000", stage="proposal",
                                          close_date=None)
        assert created
        opp, created = opportunity_upsert(external_id="N-1", owner=rep, amount="5000", stage="closed_won",
                                          close_date=dt.date(2027, 2, 1), splits=[(rep, Decimal(60)), (peer, 40)])
        assert not created and opp.upsert_status == "updated"
        _, _ = opportunity_upsert(external_id="N-1", owner=rep, amount="5000", stage="closed_won",
                                  close_date=dt.date(2027, 2, 1), splits=[(rep, Decimal(60)), (peer, 40)])
        stages = list(StageChange.objects.filter(opportunity=opp).values_list("from_stage", "to_stage"))
        events = list(AuditEvent.objects.filter(object_id=str(opp.pk), object_type="performance.opportunity")
                      .order_by("id").values_list("action", flat=True))
        update = AuditEvent.objects.get(action="deal.update", object_id=str(opp.pk))
    assert stages == [("", "proposal"), ("proposal", "closed_won")]
    assert events == ["deal.create", "deal.update"]
    assert update.before["stage"] == "proposal" and len(update.after["splits"]) == 2


def test_closed_won_needs_close_date_and_splits_cannot_exceed_100(acme):
    rep = acme.sellers["rep"]
    with tenant_atomic(acme.tenant):
        with pytest.raises(DomainError):
            opportunity_upsert(external_id="N-2", owner=rep, amount=1, stage="closed_won", close_date=None)
        with pytest.raises(DomainError):
            opportunity_upsert(external_id="N-2", owner=rep, amount=1, stage="closed_won",
                               close_date=dt.date(2027, 1, 1), splits=[(rep, 80), (acme.sellers["peer"], 30)])


def test_event_record_is_idempotent(acme):
    with tenant_atomic(acme.tenant):
        deal = acme.deals["rep"]
        first = opportunity_event_record(opportunity=deal, date=dt.date(2027, 3, 1))
        second = opportunity_event_record(opportunity=deal, date=dt.date(2027, 3, 1))
        assert first.pk == second.pk and second.upsert_status == "unchanged"
        assert AuditEvent.objects.filter(action="deal.churn").count() == 1


def test_opportunity_update_changes_only_the_named_fields(acme):
    from performance.services import opportunity_update

    deal = acme.deals["rep"]
    with tenant_atomic(acme.tenant):
        updated = opportunity_update(opportunity=deal, amount="65000", actor=acme.users["revops"])
        assert (updated.amount, updated.stage, updated.close_date, updated.owner_id, updated.name) == (
            Decimal("65000.00"), deal.stage, deal.close_date, deal.owner_id, deal.name)
        with pytest.raises(DomainError, match="cannot change external_id"):
            opportunity_update(opportunity=deal, external_id="X", actor=None)


def test_an_update_through_a_stale_instance_keeps_the_change_made_in_between(acme):
    deal = acme.deals["rep"]
    with tenant_atomic(acme.tenant):
        stale = Opportunity.objects.get(pk=deal.pk)  # read before the other change
        opportunity_update(opportunity=Opportunity.objects.get(pk=deal.pk), amount=Decimal("77777"))
        opportunity_update(opportunity=stale, name="Renamed")
        fresh = Opportunity.objects.get(pk=deal.pk)
    assert (fresh.amount, fresh.name) == (Decimal("77777.00"), "Renamed")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_patches_of_different_fields_both_stick():
    world = factories.build_tenant("acme")
    deal = world.deals["rep"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def patch(**change):
        try:
            # Both threads hold the same stale instance and start together: without the row lock
            # before the read, the later writer would put back the other field's old value.
            with tenant_atomic(world.tenant):
                stale = Opportunity.objects.get(pk=deal.pk)
                barrier.wait(timeout=10)
                opportunity_update(opportunity=stale, **change)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, kwargs={"amount": Decimal("123456")}),
               threading.Thread(target=patch, kwargs={"name": "Both changes kept"})]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    with tenant_atomic(world.tenant):
        fresh = Opportunity.objects.get(pk=deal.pk)
    assert (fresh.amount, fresh.name) == (Decimal("123456.00"), "Both changes kept")
