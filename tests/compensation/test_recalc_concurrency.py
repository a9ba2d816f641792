"""Two recalculations on change of one tenant in two workers at once (PostgreSQL: real connections).

A recalculation reads its inputs, computes, then writes. When a second change commits after the first
recalculation read and its own recalculation writes first, the first one must not then write its older
result over the newer one (a lost update): the stored statements must still equal a full rerun.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from compensation.services import recalculation
from performance.models import Opportunity
from performance.services import opportunity_update
from spm.tenancy.context import tenant_scope
from spm.tenancy.db import tenant_atomic
from tests.compensation.test_calculation_recalc import full_rerun, loaded, snapshot, world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(tenant, fn, errors):
    def body():
        try:
            with tenant_scope(tenant):
                fn()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()
    t = threading.Thread(target=body)
    t.start()
    return t


def test_a_slower_recalculation_never_writes_older_inputs_over_a_newer_one(calculate, monkeypatch):
    tenant = loaded(world(), "recalc-race")
    calculate(tenant, period_from="2027-01", through="2027-06")
    with tenant_atomic(tenant):
        r1 = Opportunity.objects.get(external_id="D-04").owner_id  # R-1's deal of 31 January (M-1, VP above)
    first_read, second_done = threading.Event(), threading.Event()
    engine = recalculation.calculate

    def slow_first(inp):
        if not first_read.is_set():
            first_read.set()
            second_done.wait(5)  # the second recalculation gets every chance to finish first
        return engine(inp)

    monkeypatch.setattr(recalculation, "calculate", slow_first)
    monkeypatch.setattr(recalculation, "_dispatch", lambda tenant_id: None)  # the threads below are the workers
    errors: list = []
    with tenant_atomic(tenant):
        opportunity_update(opportunity=Opportunity.objects.get(external_id="D-04"), amount=Decimal("80000"))
    first = _in_thread(tenant, lambda: recalculation.calculation_recalculate(seller_ids=[r1], months=["2027-01"]), errors)
    assert first_read.wait(30)
    with tenant_atomic(tenant):  # a second change of the same deal, committed after the first read its inputs
        opportunity_update(opportunity=Opportunity.objects.get(external_id="D-04"), amount=Decimal("4944.25"),
                           close_date=dt.date(2027, 3, 3))
    second = _in_thread(tenant, lambda: recalculation.calculation_recalculate(
        seller_ids=[r1], months=["2027-01", "2027-03"]), errors)
    second.join(8)
    second_done.set()
    first.join(60)
    second.join(60)
    assert not errors, errors
    recalculated = snapshot(tenant)
    assert full_rerun(tenant, calculate) == recalculated
