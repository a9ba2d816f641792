"""Manual adjustments: lines with a reason and an author, in an open pay period."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction

from compensation.models import Adjustment, Statement
from spm.audit import audit_record, snapshot
from spm.changes import inputs_changed
from spm.errors import ConflictError, DomainError
from spm.services import period_is_closed, validate_month_key
from spm.tenancy.context import current_tenant
from spm.upsert import full_clean_or_raise

if TYPE_CHECKING:
    from planning.models import Seller


def adjustment_refusal(
    *, seller: Seller, period: str, statement: Statement | None = None, period_closed: bool | None = None
) -> str | None:
    """Why no adjustment may be added to or changed in `seller`'s month `period`, or None.

    The one rule (the service enforces it, the statement page asks it before offering the form):
    a closed period takes no new lines, and an approved or paid statement is never rewritten, so an
    adjustment dated in its month would never be paid — the correction must land in an open month.
    Pass the month's `statement` and whether its period is closed when the caller already knows
    (saves the queries).
    """
    if period_is_closed(period) if period_closed is None else period_closed:
        return f"Period {period} is closed: post the correction in an open period."
    if statement is None:
        statement = Statement.objects.filter(seller=seller, period=period).first()
    if statement is not None and statement.status in (Statement.Status.APPROVED, Statement.Status.PAID):
        return (
            f"{seller}'s statement for {period} is {statement.status}: post the correction in an open month "
            f"(that statement is never recalculated, so an adjustment of {period} would never be paid)."
        )
    return None


def _clean(period: str, amount, reason: str) -> tuple[Decimal, str]:
    """Validate an adjustment's month, amount (cents) and reason; DomainError names the field."""
    validate_month_key(period)
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(f"amount: {amount!r} is not a decimal number", field="amount") from None
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(f"amount: {amount} has more than 2 decimals", field="amount")
    if not (reason or "").strip():
        raise DomainError("reason: an adjustment needs a reason", field="reason")
    return amount, reason.strip()


def _refuse_frozen_months(seller: Seller, *periods: str) -> None:
    """A closed period or an approved/paid statement takes no new or changed adjustment."""
    for period in dict.fromkeys(periods):
        refusal = adjustment_refusal(seller=seller, period=period)
        if refusal:
            raise ConflictError(refusal, field="period")


def adjustment_create(*, seller: Seller, period: str, amount, reason: str, actor, external_id: str = "") -> Adjustment:
    """Create an adjustment of `amount` (plan currency, cents) for `seller` in month `period`.

    It becomes an earning line when that month is recalculated: the change feed (`inputs_changed`) recalculates
    the seller and their managers after commit; a month with no statement yet takes it at its first run. Errors: DomainError on a bad
    month key, amount or empty reason; ConflictError when the period is closed or the month's
    statement is approved or paid. Not idempotent (each call is a new adjustment). Audited as
    adjustment.create.
    """
    amount, reason = _clean(period, amount, reason)
    with transaction.atomic():
        _refuse_frozen_months(seller, period)
        adjustment = Adjustment(seller=seller, period=period, amount=amount, reason=reason, external_id=external_id,
                                created_by=actor if getattr(actor, "pk", None) else None, tenant=current_tenant())
        full_clean_or_raise(adjustment)
        adjustment.save()
        inputs_changed(seller_ids=[seller.pk], months=[period], reason=f"adjustment {amount} added")
        audit_record(actor=actor, action="adjustment.create", instance=adjustment, after=snapshot(adjustment))
        return adjustment


def adjustment_upsert(*, external_id: str, seller: Seller, period: str, amount, reason: str, actor) -> tuple[Adjustment, str]:
    """Create or update the adjustment with this external id; returns (adjustment, created|updated|unchanged).

    Idempotent: the same values twice change nothing and write no audit event. Same errors as
    adjustment_create; a change is also refused when the month it moves OUT of is frozen.
    """
    amount, reason = _clean(period, amount, reason)
    with transaction.atomic():
        existing = Adjustment.objects.select_for_update().filter(external_id=external_id).first()
        if existing is None:
            return adjustment_create(seller=seller, period=period, amount=amount, reason=reason, actor=actor,
                                     external_id=external_id), "created"
        new = {"seller_id": seller.pk, "period": period, "amount": amount, "reason": reason}
        if all(getattr(existing, k) == v for k, v in new.items()):
            return existing, "unchanged"
        _refuse_frozen_months(existing.seller, existing.period)
        _refuse_frozen_months(seller, period)
        before = snapshot(existing)
        for k, v in new.items():
            setattr(existing, k, v)
        full_clean_or_raise(existing)
        existing.save()
        inputs_changed(seller_ids=[before["seller"], seller.pk], months=[before["period"], period],
                       reason=f"adjustment {existing.external_id or existing.pk} changed")
        audit_record(actor=actor, action="adjustment.update", instance=existing, before=before, after=snapshot(existing))
        return existing, "updated"
