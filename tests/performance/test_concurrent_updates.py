"""opportunity_update locks the deal before reading it: no update is lost to another one."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from performance.models import Opportunity
from performance.services import opportunity_update
from spm.tenancy.db import tenant_atomic
from tests import factories


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
