"""Payroll export: one batch per month and currency of approved statements, which it marks paid.

The batch total is the sum of its statements' totals (Decimal cents, no rounding anywhere), so the
CSV ties to the approved statements to the cent.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db import transaction

from compensation.models import Statement
from compensation.payroll.models import PayrollBatch, PayrollBatchItem
from compensation.services.statements import statements_move_to
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError, PermissionDeniedError
from spm.roles import has_capability
from spm.services import validate_month_key
from spm.tenancy.access import membership_in_scope
from spm.tenancy.context import current_tenant

CSV_COLUMNS = ["batch", "period", "employee_id", "name", "email", "currency", "amount", "statement"]
_STATEMENT_FIELDS = ["status", "paid_at"]


def payroll_batch_create(*, period: str, currency: str | None = None, actor,
                         expected: tuple[int, Decimal] | None = None) -> PayrollBatch:
    """Put every approved statement of month `period` in `currency` (default: the tenant's base
    currency) into a new batch and mark them paid, in one transaction.

    Errors: PermissionDeniedError without "payroll.export"; DomainError on a bad month/currency;
    ConflictError when no approved statement is waiting. Statements are locked (FOR UPDATE, by id)
    so two concurrent exports cannot pay a statement twice (and the one-to-one item refuses it).
    Audited: payroll.batch.create plus statement.pay for each statement. `expected`: (count, total)
    the person confirmed on their page; ConflictError when the batch differs (a statement approved,
    held or recalculated since), so nobody pays more or less than they were shown.
    """
    membership = membership_in_scope(actor)
    if membership is None or not has_capability(membership.role, "payroll.export"):
        raise PermissionDeniedError("Your role cannot export payroll.")
    validate_month_key(period)
    tenant = current_tenant()
    currency = (currency or tenant.base_currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise DomainError(f"currency: {currency!r} is not a currency code", field="currency")
    with transaction.atomic():
        statements = list(
            Statement.objects.select_for_update(of=("self",)).select_related("seller")
            .filter(period=period, currency=currency, status=Statement.Status.APPROVED).order_by("id")
        )
        if not statements:
            raise ConflictError(f"No approved {currency} statement of {period} is waiting for payroll.", field="period")
        total = sum((s.total for s in statements), Decimal("0.00"))
        if expected is not None and (len(statements), total) != (expected[0], expected[1]):
            raise ConflictError(
                f"The {period} {currency} batch is now {len(statements)} statement{'s' if len(statements) != 1 else ''}, "
                f"{currency} {total:,.2f}, not the {expected[0]} statement{'s' if expected[0] != 1 else ''}, "
                f"{currency} {expected[1]:,.2f} you were shown: statements changed since the page was loaded. "
                "Review the figures below and export again.", field="period", code="stale")
        batch = PayrollBatch(tenant=tenant, period=period, currency=currency, statement_count=len(statements),
                             total=total, created_by=actor if getattr(actor, "pk", None) else None)
        batch.save()
        PayrollBatchItem.objects.bulk_create([
            PayrollBatchItem(tenant=tenant, batch=batch, statement=s, seller=s.seller, amount=s.total) for s in statements
        ])
        statements_move_to(statements, status=Statement.Status.PAID, stamp="paid_at", actor=actor,
                           action="statement.pay", audit_fields=_STATEMENT_FIELDS)
        audit_record(actor=actor, action="payroll.batch.create", instance=batch, after=snapshot(batch))
        return batch


def payroll_csv(*, batch: PayrollBatch) -> str:
    """The batch as CSV, one row per statement (columns CSV_COLUMNS); the amounts sum to batch.total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in batch.items.select_related("seller__user").order_by("seller__external_id", "id"):
        seller = item.seller
        email = seller.email or (seller.user.email if seller.user_id else "")
        writer.writerow([batch.pk, batch.period, seller.external_id, seller.name, email, batch.currency,
                         f"{item.amount:.2f}", item.statement_id])
    return out.getvalue()
