"""Payroll batches: totals equal the approved statements to the cent, and they get paid."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compensation.models import Statement
from compensation.payroll.models import PayrollBatch
from compensation.payroll.services import CSV_COLUMNS, payroll_batch_create, payroll_csv
from planning.models import Seller
from spm.errors import ConflictError, PermissionDeniedError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db
APPROVED = Statement.Status.APPROVED


def approved_statements(world, totals, period="2027-03", currency="USD"):
    made = []
    for i, total in enumerate(totals):
        seller = Seller.objects.create(tenant=world.tenant, external_id=f"{world.tenant.slug}-pay-{period}-{currency}{i}",
                                       name=f"Payee {i}", email=f"payee{i}@example.test")
        made.append(Statement.objects.create(tenant=world.tenant, seller=seller, period=period, currency=currency,
                                             total=Decimal(total), status=APPROVED))
    return made


def test_a_batch_takes_every_approved_statement_of_the_month_and_marks_them_paid(acme):
    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        approved_statements(acme, ["1234.56", "0.01", "-20.00", "999.99"])
        approved_statements(acme, ["500.00"], currency="EUR")
        # a published statement of the same month stays out
        Statement.objects.filter(seller=acme.sellers["rep"]).update(period="2027-03")
        batch = payroll_batch_create(period="2027-03", actor=finance)
        paid = Statement.objects.filter(period="2027-03", currency="USD", status="paid")
        text = payroll_csv(batch=batch)
        audit = list(AuditEvent.objects.filter(action__in=["statement.pay", "payroll.batch.create"])
                     .values_list("action", flat=True))
    # 1,234.56 + 0.01 − 20.00 + 999.99 = 2,214.56
    assert (batch.total, batch.statement_count, batch.currency) == (Decimal("2214.56"), 4, "USD")
    assert paid.count() == 4 and all(s.paid_at for s in paid)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == CSV_COLUMNS
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("2214.56")
    assert rows[0]["employee_id"] == "acme-pay-2027-03-USD0" and rows[0]["amount"] == "1234.56"
    assert sorted(audit) == ["payroll.batch.create"] + ["statement.pay"] * 4


def test_nothing_to_pay_and_a_second_export_are_refused(acme):
    with tenant_atomic(acme.tenant):
        approved_statements(acme, ["10.00"])
        payroll_batch_create(period="2027-03", actor=acme.users["finance"])
        with pytest.raises(ConflictError, match="No approved USD statement of 2027-03"):
            payroll_batch_create(period="2027-03", actor=acme.users["finance"])
        assert PayrollBatch.objects.count() == 1


@pytest.mark.parametrize("persona", ["rep", "manager", "revops", "executive"])
def test_only_finance_and_admin_export(acme, persona):
    with tenant_atomic(acme.tenant):
        approved_statements(acme, ["10.00"])
        with pytest.raises(PermissionDeniedError):
            payroll_batch_create(period="2027-03", actor=acme.users[persona])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.lists(st.integers(min_value=-10**7, max_value=10**9), min_size=1, max_size=12),
       month=st.integers(min_value=1, max_value=12))
def test_property_payroll_equals_the_approved_statements_to_the_cent(acme, cents, month):
    period = f"2030-{month:02d}"
    with tenant_atomic(acme.tenant):
        if Statement.objects.filter(period=period).exists():
            return  # this month was drawn already in an earlier example
        made = approved_statements(acme, [Decimal(c) / 100 for c in cents], period=period)
        expected = sum((s.total for s in made), Decimal("0.00"))
        batch = payroll_batch_create(period=period, actor=acme.users["admin"])
        rows = list(csv.DictReader(io.StringIO(payroll_csv(batch=batch))))
        assert batch.total == expected
        assert sum(Decimal(r["amount"]) for r in rows) == expected
        assert len(rows) == len(cents)
        assert not Statement.objects.filter(period=period, status=APPROVED).exists()
