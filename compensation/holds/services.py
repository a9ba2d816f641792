"""Holds. Placing one posts a negative adjustment of the held amount in the statement's month
(its payable total drops; what was earned is total + held); releasing posts the same amount back
as a positive adjustment in an open month. Both recalculate the seller's month they post to
(calculation_after_adjustment), so payroll
always pays the statements as they stand and still ties to them to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from compensation.holds.models import Hold, HoldPolicy
from compensation.models import EarningLine, Statement
from compensation.services import adjustment_create, calculation_after_adjustment
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.fiscal import month_end, month_start
from spm.services import validate_month_key
from spm.tenancy.context import current_tenant

CENT = Decimal("0.01")
HELD_KINDS = (EarningLine.Kind.COMMISSION, EarningLine.Kind.SPIF)


def hold_policy() -> HoldPolicy:
    return HoldPolicy.objects.first() or HoldPolicy(pct=Decimal(0), days=90)


def hold_policy_set(*, pct, days: int, actor) -> HoldPolicy:
    """Set the held share (0–1) and the days to automatic release (0–730). Audited."""
    try:
        pct = Decimal(str(pct))
    except InvalidOperation:
        raise DomainError(f"pct: {pct!r} is not a number", field="pct") from None
    if not (0 <= pct <= 1):
        raise DomainError("pct: between 0 and 1 (0.25 = 25 %)", field="pct")
    if not 0 <= int(days) <= 730:
        raise DomainError("days: between 0 and 730", field="days")
    with transaction.atomic():
        policy = HoldPolicy.objects.select_for_update().first()
        before = snapshot(policy, ["pct", "days"]) if policy else None
        policy = policy or HoldPolicy(tenant=current_tenant())
        policy.pct, policy.days = pct, int(days)
        policy.save()
        audit_record(actor=actor, action="hold.policy", instance=policy, before=before, after=snapshot(policy, ["pct", "days"]))
        return policy


def held_base(statement: Statement) -> Decimal:
    """Commission and SPIF earnings of the statement (what a hold takes its share of)."""
    return statement.lines.filter(kind__in=HELD_KINDS).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def hold_place(*, statement: Statement, actor, pct=None, days: int | None = None, reason: str = "") -> Hold:
    """Hold `pct` (default: the tenant policy) of the statement's commission and SPIF earnings until
    the invoice is paid or `days` after the month's end. Posts −amount as an adjustment of the
    statement's month and recalculates the seller's month (not the other sellers').

    Errors: DomainError on a bad share or nothing to hold; ConflictError when the statement is
    approved/paid or already has an unreleased hold, or the month is closed (from adjustment_create).
    Audited (hold.place).
    """
    policy = hold_policy()
    if pct is None and not policy.pct:
        raise DomainError("pct: no share to hold is set: set the hold policy on the Holds page first", field="pct")
    pct = Decimal(str(policy.pct if pct is None else pct))
    days = policy.days if days is None else int(days)
    if not (0 < pct <= 1):
        raise DomainError("pct: a hold is a share between 0 and 1", field="pct")
    with transaction.atomic():
        statement = Statement.objects.select_for_update(of=("self",)).select_related("seller").get(pk=statement.pk)
        if statement.is_locked:
            raise ConflictError(f"{statement} is {statement.status}: hold before approval.")
        if Hold.objects.filter(statement=statement, status=Hold.Status.HELD).exists():
            raise ConflictError(f"{statement} already has a hold; release it first.")
        amount = (held_base(statement) * pct).quantize(CENT, rounding=ROUND_HALF_UP)
        if amount <= 0:
            raise DomainError("Nothing to hold: the statement has no commission earnings.", field="pct")
        start = month_start(statement.period)
        release_after = month_end(start.year, start.month) + dt.timedelta(days=days)
        text = (reason or "").strip() or f"{pct * 100:.2f}% held until the invoice is paid or {release_after:%b %d, %Y}"
        adjustment = adjustment_create(seller=statement.seller, period=statement.period, amount=-amount,
                                       reason=f"Hold: {text}"[:300], actor=actor)
        hold = Hold(tenant=current_tenant(), statement=statement, seller=statement.seller, period=statement.period,
                    amount=amount, reason=text[:300], release_after=release_after, hold_adjustment=adjustment,
                    created_by=actor if getattr(actor, "pk", None) else None)
        hold.save()
        audit_record(actor=actor, action="hold.place", instance=hold, after=snapshot(hold))
        calculation_after_adjustment(period=statement.period, requested_by=actor if getattr(actor, "pk", None) else None)
        return hold


def hold_release(*, hold: Hold, period: str, actor, reason: str = "invoice paid", recalculate: bool = True) -> Hold:
    """Release a hold: post +amount as an adjustment in open month `period` and recalculate it.

    ConflictError when already released or `period` is closed/locked (from adjustment_create).
    Audited (hold.release).
    """
    validate_month_key(period)
    with transaction.atomic():
        hold = Hold.objects.select_for_update(of=("self",)).select_related("seller").get(pk=hold.pk)
        if hold.status != Hold.Status.HELD:
            raise ConflictError(f"Hold {hold.pk} is already released.")
        before = snapshot(hold, ["status", "release_period"])
        adjustment = adjustment_create(seller=hold.seller, period=period, amount=hold.amount,
                                       reason=f"Hold released ({reason}): held in {hold.period}"[:300], actor=actor)
        hold.status, hold.release_adjustment, hold.release_period = Hold.Status.RELEASED, adjustment, period
        hold.released_by = actor if getattr(actor, "pk", None) else None
        hold.released_at = timezone.now()
        hold.save(update_fields=["status", "release_adjustment", "release_period", "released_by", "released_at"])
        audit_record(actor=actor, action="hold.release", instance=hold, before=before,
                     after={**snapshot(hold, ["status", "release_period"]), "reason": reason})
        if recalculate:
            calculation_after_adjustment(period=period, requested_by=hold.released_by)
        return hold


def holds_release_due(*, today: dt.date, actor=None) -> int:
    """Release every hold whose release date has passed, into the month of `today`. Returns how many.
    Safe to run twice (released holds are skipped)."""
    period = f"{today.year:04d}-{today.month:02d}"
    with transaction.atomic():
        due = list(Hold.objects.filter(status=Hold.Status.HELD, release_after__lte=today).order_by("id"))
        for hold in due:
            hold_release(hold=hold, period=period, actor=actor, recalculate=False,
                         reason=f"due on {hold.release_after.isoformat()}")
        if due:  # one recalculation of the month for all of them
            calculation_after_adjustment(period=period, requested_by=actor if getattr(actor, "pk", None) else None)
    return len(due)
