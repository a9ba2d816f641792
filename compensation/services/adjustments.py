"""Manual adjustments: lines with a reason and an author, in an open pay period."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction

from compensation.models import Adjustment, Statement
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.services import period_is_closed, validate_month_key
from spm.tenancy.context import current_tenant

if TYPE_CHECKING:
    from planning.models import Seller


def _refuse_locked_statement(seller: Seller, period: str) -> None:
    # An approved or paid statement is never rewritten, so an adjustment dated in its month would
    # never become a line: the correction must land in an open month instead (DESIGN.md).
    locked = Statement.objects.filter(
        seller=seller, period=period, status__in=(Statement.Status.APPROVED, Statement.Status.PAID)
    ).first()
    if locked is not None:
        raise ConflictError(
            f"{seller}'s statement for {period} is {locked.status}: post the correction in an open month "
            f"(that statement is never recalculated, so an adjustment of {period} would never be paid)."
        )


def _clean(period: str, amount, reason: str) -> tuple[Decimal, str]:
    """Validate an adjustment's month, amount (cents) and reason; DomainError names the field."""
    validate_month_key(period)
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(f"amount: {amount!r} is not a decimal number") from None
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(f"amount: {amount} has more than 2 decimals")
    if not (reason or "").strip():
        raise DomainError("reason: an adjustment needs a reason")
    return amount, reason.strip()


def _refuse_frozen_months(seller: Seller, *periods: str) -> None:
    """A closed period or an approved/paid statement takes no new or changed adjustment."""
    for period in dict.fromkeys(periods):
        if period_is_closed(period):
            raise ConflictError(f"Period {period} is closed: post the correction in an open period.")
        _refuse_locked_statement(seller, period)


def adjustment_create(*, seller: Seller, period: str, amount, reason: str, actor, external_id: str = "") -> Adjustment:
    """Create an adjustment of `amount` (plan currency, cents) for `seller` in month `period`.

    It becomes an earning line at the next calculation of that month. Errors: DomainError on a bad
    month key, amount or empty reason; ConflictError when the period is closed or the month's
    statement is approved or paid. Not idempotent (each call is a new adjustment). Audited as
    adjustment.create.
    """
    amount, reason = _clean(period, amount, reason)
    with transaction.atomic():
        _refuse_frozen_months(seller, period)
        adjustment = Adjustment(seller=seller, period=period, amount=amount, reason=reason, external_id=external_id,
                                created_by=actor if getattr(actor, "pk", None) else None, tenant=current_tenant())
        adjustment.full_clean()
        adjustment.save()
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
        existing.full_clean()
        existing.save()
        audit_record(actor=actor, action="adjustment.update", instance=existing, before=before, after=snapshot(existing))
        return existing, "updated"
