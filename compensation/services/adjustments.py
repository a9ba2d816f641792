"""Manual adjustments: lines with a reason and an author, in an open pay period."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from compensation.models import Adjustment, Statement
from planning.models import Seller
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.services import period_is_closed, validate_month_key
from spm.tenancy.context import current_tenant


def _refuse_locked_statement(seller: Seller, period: str) -> None:
    # An approved or paid statement is never rewritten, so an adjustment dated in its month would
    # never become a line: the correction must land in an open month instead (DESIGN.md).
    locked = Statement.objects.filter(
        seller=seller, period=period, status__in=(Statement.Status.APPROVED, Statement.Status.PAID)
    ).first()
    if locked is not None:
        raise ConflictError(
            f"{seller}'s statement for {period} is {locked.status}: post the correction in an open month."
        )


def adjustment_create(*, seller: Seller, period: str, amount, reason: str, actor, external_id: str = "") -> Adjustment:
    """Create an adjustment of `amount` (plan currency, cents) for `seller` in month `period`.

    It becomes an earning line at the next calculation of that month. Errors: DomainError on a bad
    month key, amount or empty reason; ConflictError when the period is closed. Not idempotent
    (each call is a new adjustment). Audited as adjustment.create.
    """
    validate_month_key(period)
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(f"amount: {amount!r} is not a decimal number") from None
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(f"amount: {amount} has more than 2 decimals")
    if not (reason or "").strip():
        raise DomainError("reason: an adjustment needs a reason")
    with transaction.atomic():
        if period_is_closed(period):
            raise ConflictError(f"Period {period} is closed: post the correction in an open period.")
        _refuse_locked_statement(seller, period)
        adjustment = Adjustment(seller=seller, period=period, amount=amount, reason=reason.strip(), external_id=external_id,
                                created_by=actor if getattr(actor, "pk", None) else None, tenant=current_tenant())
        adjustment.full_clean()
        adjustment.save()
        audit_record(actor=actor, action="adjustment.create", instance=adjustment, after=snapshot(adjustment))
        return adjustment


def adjustment_upsert(*, external_id: str, seller: Seller, period: str, amount, reason: str, actor) -> tuple[Adjustment, str]:
    """Create or update the adjustment with this external id; returns (adjustment, created|updated|unchanged).

    Idempotent: the same values twice change nothing and write no audit event. Changing an
    adjustment of a closed period is refused (ConflictError), like creating one.
    """
    existing = Adjustment.objects.filter(external_id=external_id).first()
    if existing is None:
        return adjustment_create(seller=seller, period=period, amount=amount, reason=reason, actor=actor,
                                 external_id=external_id), "created"
    amount = Decimal(str(amount))
    new = {"seller_id": seller.pk, "period": period, "amount": amount, "reason": reason.strip()}
    if all(getattr(existing, k) == v for k, v in new.items()):
        return existing, "unchanged"
    validate_month_key(period)
    with transaction.atomic():
        _refuse_locked_statement(seller, period)
        if period_is_closed(period) or period_is_closed(existing.period):
            raise ConflictError(f"Period {existing.period if period_is_closed(existing.period) else period} is closed: "
                                "post the correction in an open period.")
        before = snapshot(existing)
        for k, v in new.items():
            setattr(existing, k, v)
        existing.full_clean()
        existing.save()
        audit_record(actor=actor, action="adjustment.update", instance=existing, before=before, after=snapshot(existing))
        return existing, "updated"
