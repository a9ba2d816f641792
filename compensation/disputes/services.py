"""Disputes: a rep questions a statement line; finance reviews, comments, accepts or rejects.

Every step is audited (`dispute.open|comment|review|accept|reject`) and e-mails both sides on
commit. Accepting creates an adjustment of the disputed amount (linked to the dispute) and recalculates
the seller's month (calculation_after_adjustment), so the statement changes by exactly that amount.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from compensation.disputes import emails
from compensation.disputes.models import Dispute, DisputeComment
from compensation.models import EarningLine, Statement
from compensation.services import adjustment_create, calculation_after_adjustment
from compensation.services.calculation import last_calculable_month
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError, PermissionDeniedError
from spm.roles import has_capability
from spm.services import period_is_closed, validate_month_key
from spm.tenancy.access import membership_in_scope
from spm.tenancy.context import current_tenant

CENT = Decimal("0.01")
_FIELDS = ["status", "resolution", "resolved_by", "resolved_at", "adjustment", "amount"]


def _money(value, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{field}: {value!r} is not a decimal number", field=field) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise DomainError(f"{field}: {value} must be an amount in cents", field=field)
    if amount == 0:
        raise DomainError(f"{field}: a disputed amount cannot be zero", field=field)
    return amount


def _can_resolve(actor) -> bool:
    membership = membership_in_scope(actor)
    return membership is not None and has_capability(membership.role, "disputes.resolve")


def _is_rep_of(dispute_or_statement, actor) -> bool:
    return dispute_or_statement.seller.user_id is not None and dispute_or_statement.seller.user_id == getattr(actor, "pk", None)


def _require_resolver(actor) -> None:
    if not _can_resolve(actor):
        raise PermissionDeniedError("Only finance resolves disputes.")


def _locked(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update(of=("self",)).select_related("statement", "seller__user").get(pk=dispute.pk)


def dispute_open(*, statement: Statement, amount, reason: str, actor, line: EarningLine | None = None) -> Dispute:
    """The statement's seller disputes `line` (or the whole statement), claiming a change of `amount`.

    Errors: PermissionDeniedError unless the actor is the statement's seller; ConflictError on a
    draft statement; DomainError on a zero/bad amount, an empty reason or a line of another
    statement. ConflictError while the same claim (line, amount and reason) is unresolved: a
    double-clicked or resubmitted form, which finance would get twice. Audited; e-mails rep and finance.
    """
    amount = _money(amount)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason: say what is wrong with the line", field="reason")
    if not _is_rep_of(statement, actor):
        raise PermissionDeniedError("Only the seller of a statement can dispute it.")
    if statement.status == Statement.Status.DRAFT:
        raise ConflictError("This statement is still a draft.", field="statement")
    if line is not None and line.statement_id != statement.pk:
        raise DomainError("line: the line is not on this statement", field="line")
    with transaction.atomic():
        # The statement row is the lock: two submits at once cannot both find no dispute and open one.
        Statement.objects.select_for_update().filter(pk=statement.pk).first()
        same = Dispute.objects.filter(statement=statement, line=line, amount=amount, reason=reason).exclude(
            status__in=(Dispute.Status.ACCEPTED, Dispute.Status.REJECTED)).first()
        if same is not None:
            raise ConflictError(f"Dispute #{same.pk} with this amount and reason is already "
                                f"{same.get_status_display().lower()}: add a comment to it instead.", field="reason")
        dispute = Dispute(
            tenant=current_tenant(), statement=statement, seller=statement.seller, line=line, amount=amount,
            reason=reason, raised_by=actor,
            line_position=line.position if line else None, line_component=line.component if line else "",
            line_deal=(line.deal_external_id if line else ""), line_amount=line.amount if line else None,
        )
        dispute.save()
        audit_record(actor=actor, action="dispute.open", instance=dispute, after=snapshot(dispute))
        emails.notify(dispute, subject="New dispute",
                      body=f"{statement.seller.name} disputes {amount} {statement.currency}: {reason}")
        return dispute


def dispute_comment(*, dispute: Dispute, body: str, actor) -> DisputeComment:
    """Add a comment to the thread (the rep or finance). ConflictError once resolved. Audited; e-mails the other side."""
    body = (body or "").strip()
    if not body:
        raise DomainError("body: a comment cannot be empty", field="body")
    rep = _is_rep_of(dispute, actor)
    if not rep and not _can_resolve(actor):
        raise PermissionDeniedError("Only the seller and finance take part in a dispute.")
    with transaction.atomic():
        dispute = _locked(dispute)
        if dispute.is_resolved:
            raise ConflictError(f"Dispute #{dispute.pk} is {dispute.status}; it takes no more comments.")
        comment = DisputeComment(tenant=current_tenant(), dispute=dispute, author=actor, body=body)
        comment.save()
        audit_record(actor=actor, action="dispute.comment", instance=dispute, after={"comment": comment.pk, "body": body})
        emails.notify(dispute, subject="New comment", body=f"{getattr(actor, 'email', '')} wrote: {body}",
                      to_rep=not rep, to_finance=rep)
        return comment


def dispute_review(*, dispute: Dispute, actor) -> Dispute:
    """Finance takes an open dispute into review (open → in_review). Audited; e-mails the rep."""
    _require_resolver(actor)
    with transaction.atomic():
        dispute = _locked(dispute)
        if dispute.status != Dispute.Status.OPEN:
            raise ConflictError(f"Dispute #{dispute.pk} is {dispute.status}; only an open one goes into review.")
        before = snapshot(dispute, _FIELDS)
        dispute.status = Dispute.Status.IN_REVIEW
        dispute.save(update_fields=["status"])
        audit_record(actor=actor, action="dispute.review", instance=dispute, before=before, after=snapshot(dispute, _FIELDS))
        emails.notify(dispute, subject="Dispute in review", body="Finance is reviewing your dispute.", to_finance=False)
        return dispute


def _refuse_far_month(period: str, *, corrects: str) -> None:
    """A correction is paid in the disputed month or later, and never beyond what a run may calculate
    (a far month would hold a statement no run recalculates, or create one in 1999)."""
    if period < corrects:
        raise DomainError(f"period {period} is before {corrects}, the month the dispute corrects", field="period")
    last = last_calculable_month(fy_start_month=current_tenant().fiscal_year_start_month)
    if period > last:
        raise DomainError(f"period {period} is beyond {last}, the end of the next fiscal year", field="period")


def dispute_accept(*, dispute: Dispute, actor, amount=None, period: str | None = None, resolution: str = "") -> Dispute:
    """Accept: an adjustment of `amount` (default: the disputed amount) is created for the seller in
    `period` (default: the statement's month) and linked; the seller's month is recalculated.

    The adjustment follows adjustment_create's rules: a closed month or an approved/paid statement
    refuses it (ConflictError naming the month), so pass an open `period` for those. Errors also:
    DomainError for a month before the disputed one or beyond the end of the next fiscal year;
    PermissionDeniedError for a non-finance actor; ConflictError when already resolved or a
    calculation of that month is running. All or nothing. Audited; e-mails the rep.
    """
    _require_resolver(actor)
    with transaction.atomic():
        dispute = _locked(dispute)
        if dispute.is_resolved:
            raise ConflictError(f"Dispute #{dispute.pk} is already {dispute.status}.")
        amount = dispute.amount if amount in (None, "") else _money(amount)
        period = validate_month_key(period) if period else dispute.statement.period
        _refuse_far_month(period, corrects=dispute.statement.period)
        if period_is_closed(period):
            raise ConflictError(f"Period {period} is closed: accept the dispute into an open month.", field="period")
        before = snapshot(dispute, _FIELDS)
        adjustment = adjustment_create(
            seller=dispute.seller, period=period, amount=amount,
            reason=f"Dispute #{dispute.pk}: {dispute.reason}"[:300], actor=actor,
        )
        dispute.status, dispute.amount, dispute.adjustment = Dispute.Status.ACCEPTED, amount, adjustment
        dispute.resolution = (resolution or "").strip() or f"Accepted: adjustment of {amount} in {period}."
        dispute.resolved_by, dispute.resolved_at = actor, timezone.now()
        dispute.save(update_fields=["status", "amount", "adjustment", "resolution", "resolved_by", "resolved_at"])
        audit_record(actor=actor, action="dispute.accept", instance=dispute, before=before, after=snapshot(dispute, _FIELDS))
        calculation_after_adjustment(period=period, requested_by=actor)
        emails.notify(dispute, subject="Dispute accepted",
                      body=f"Your dispute was accepted: an adjustment of {amount} is added to {period}. {dispute.resolution}",
                      to_finance=False)
        return dispute


def dispute_reject(*, dispute: Dispute, actor, reason: str) -> Dispute:
    """Reject with a reason (required). PermissionDeniedError for non-finance; ConflictError when resolved. Audited."""
    _require_resolver(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason: say why the dispute is rejected", field="reason")
    with transaction.atomic():
        dispute = _locked(dispute)
        if dispute.is_resolved:
            raise ConflictError(f"Dispute #{dispute.pk} is already {dispute.status}.")
        before = snapshot(dispute, _FIELDS)
        dispute.status, dispute.resolution = Dispute.Status.REJECTED, reason
        dispute.resolved_by, dispute.resolved_at = actor, timezone.now()
        dispute.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        audit_record(actor=actor, action="dispute.reject", instance=dispute, before=before, after=snapshot(dispute, _FIELDS))
        emails.notify(dispute, subject="Dispute rejected", body=f"Your dispute was rejected: {reason}", to_finance=False)
        return dispute
