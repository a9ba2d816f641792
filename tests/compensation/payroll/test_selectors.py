"""Finance's queue: batch totals with the change against last month, and the anomaly flags."""

from decimal import Decimal

import pytest

from compensation.models import EarningLine, Statement
from compensation.payroll.selectors import approval_queue, queue_batches, statement_flags
from spm.tenancy.access import TenantAccess, membership_in_scope
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
D = Decimal


def finance_access(world):
    return TenantAccess(tenant=world.tenant, membership=membership_in_scope(world.users["finance"]))


@pytest.fixture
def queue(acme):
    """acme's January: the rep's published 6,000.00 after four paid months with a median of 1,000.00;
    the peer's published statement is zero. The rep's lines include a negative adjustment, a rate
    above the plan's highest tier (15 %) and credits without a quota."""
    tenant, rep = acme.tenant, acme.sellers["rep"]
    with tenant_atomic(tenant):
        for period, total in [("2026-09", "1000.00"), ("2026-10", "1200.00"), ("2026-11", "800.00"), ("2026-12", "1000.00")]:
            Statement.objects.create(tenant=tenant, seller=rep, period=period, total=D(total), status="paid")
        Statement.objects.filter(pk=acme.statements["peer"].pk).update(total=0)
        statement = acme.statements["rep"]
        common = {"tenant": tenant, "statement": statement, "seller": rep, "period": "2027-01", "explanation": "x"}
        EarningLine.objects.create(**common, position=1, plan_name="AE Plan", component="New business",
                                   kind="commission", rate=D("0.20"), amount=D("6050.00"), quota=D("100000"),
                                   quota_period="2027-Q1", credit=D("60000"))
        EarningLine.objects.create(**common, position=2, plan_name="AE Plan", component="Bonus", kind="commission",
                                   rate=None, amount=D("0.00"), quota=None, quota_period="2027", credit=D("60000"))
        EarningLine.objects.create(**common, position=3, component="Adjustment", kind="adjustment", amount=D("-50.00"))
    return acme


def test_flags_name_each_anomaly(queue):
    with tenant_atomic(queue.tenant):
        statements = list(Statement.objects.filter(period="2027-01").select_related("seller"))
        flags = statement_flags(statements)
    rep, peer = queue.statements["rep"].pk, queue.statements["peer"].pk
    assert flags[rep] == [
        "6,000.00 is 6.0× the seller's trailing median (1,000.00 over 4 months)",
        "rate 20.00% above AE Plan's highest tier (15.00%)",
        "negative adjustment -50.00",
        "credits on Bonus with no quota for 2027",
    ]
    assert flags[peer] == ["zero statement"]


def test_a_hold_is_flagged_as_a_hold_not_as_a_negative_adjustment(queue):
    """A hold posts a negative adjustment (its release a positive one): the queue said "negative adjustment",
    which sends finance looking for a correction that is not there."""
    from compensation.holds.services import hold_place

    with tenant_atomic(queue.tenant):
        statement = queue.statements["peer"]
        Statement.objects.filter(pk=statement.pk).update(total=D("2000.00"))
        EarningLine.objects.create(tenant=queue.tenant, statement=statement, seller=statement.seller, period="2027-01",
                                   position=1, component="New business", kind="commission", amount=D("2000.00"),
                                   explanation="x")
        statement.refresh_from_db()
        hold = hold_place(statement=statement, actor=queue.users["finance"], pct="0.25", days=30)
        EarningLine.objects.create(tenant=queue.tenant, statement=statement, seller=statement.seller, period="2027-01",
                                   position=2, component="Adjustment", kind="adjustment", amount=-hold.amount,
                                   adjustment=hold.hold_adjustment, explanation="hold")
        flags = statement_flags(list(Statement.objects.filter(period="2027-01").select_related("seller")))
    assert f"hold -500.00 (held until {hold.release_after:%b %d, %Y} or the invoice is paid)" in flags[statement.pk]
    assert not any(f.startswith("negative adjustment") for f in flags[statement.pk])
    assert "negative adjustment -50.00" in flags[queue.statements["rep"].pk]  # a real one still is


def test_batches_show_totals_zero_count_and_change_against_last_month(queue):
    with tenant_atomic(queue.tenant):
        batches = queue_batches(access=finance_access(queue))
    assert len(batches) == 1
    b = batches[0]
    assert (b["period"], b["currency"], b["n"], b["total"], b["zero"]) == ("2027-01", "USD", 2, D("6000.00"), 1)
    assert (b["previous_period"], b["previous_total"], b["change"], b["change_pct"]) == (
        "2026-12", D("1000.00"), D("5000.00"), D("500"))


def test_zero_statements_are_hidden_from_the_default_queue(queue):
    with tenant_atomic(queue.tenant):
        default = [s.seller.external_id for s in approval_queue(access=finance_access(queue))]
        everything = [s.seller.external_id for s in approval_queue(access=finance_access(queue), include_zero=True)]
    assert default == ["acme-rep"] and everything == ["acme-peer", "acme-rep"]


def test_the_change_compares_whole_months_once_part_of_one_is_approved(queue):
    """Approving part of January shrinks what awaits approval, not January: the change against
    December compares January's published, approved and paid total (6,000.00 + 2,000.00) with
    December's (1,000.00), as before any approval, not the remainder of the queue."""
    with tenant_atomic(queue.tenant):
        Statement.objects.filter(pk=queue.statements["peer"].pk).update(total=D("2000.00"), status="approved")
        b = queue_batches(access=finance_access(queue))[0]
    assert (b["n"], b["total"], b["zero"]) == (1, D("6000.00"), 0)
    assert (b["month_total"], b["previous_total"], b["change"], b["change_pct"]) == (
        D("8000.00"), D("1000.00"), D("7000.00"), D("700"))
