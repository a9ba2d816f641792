"""The statement workflow: draft → published → approved → paid, each step audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from compensation.models import EarningLine, Statement
from spm.audit import audit_record, audit_record_many, snapshot
from spm.errors import ConflictError, PermissionDeniedError
from spm.roles import has_capability
from spm.services import validate_month_key
from spm.tenancy.access import membership_in_scope

_FIELDS = ["status", "published_at", "approved_by", "approved_at", "paid_at"]


def _locked(statement: Statement) -> Statement:
    return Statement.objects.select_for_update().select_related("seller").get(pk=statement.pk)


def _transition(statement: Statement, *, actor, action: str, to: str, **fields) -> Statement:
    before = snapshot(statement, _FIELDS)
    statement.status = to
    for key, value in fields.items():
        setattr(statement, key, value)
    statement.save(update_fields=["status", "updated_at", *fields])
    audit_record(actor=actor, action=action, instance=statement, before=before, after=snapshot(statement, _FIELDS))
    return statement


def statement_publish(*, statement: Statement, actor) -> Statement:
    """Publish a draft statement to the rep. ConflictError unless draft. Audited."""
    with transaction.atomic():
        statement = _locked(statement)
        if statement.status != Statement.Status.DRAFT:
            raise ConflictError(f"Statement {statement} is {statement.status}; only a draft can be published.")
        return _transition(statement, actor=actor, action="statement.publish", to=Statement.Status.PUBLISHED,
                           published_at=timezone.now())


def statements_move_to(statements: list[Statement], *, status: str, stamp: str, actor, action: str,
                       audit_fields: list[str]) -> None:
    """Move locked `statements` to `status`, stamping `stamp` with now: one UPDATE and one audit
    insert (`action`, before/after of `audit_fields`) for all of them, not two queries per statement."""
    now = timezone.now()
    changes = []
    for statement in statements:
        before = snapshot(statement, audit_fields)
        statement.status = status
        setattr(statement, stamp, now)
        changes.append((statement, before, snapshot(statement, audit_fields)))
    Statement.objects.filter(pk__in=[s.pk for s in statements]).update(status=status, updated_at=now, **{stamp: now})
    audit_record_many(actor=actor, action=action, changes=changes)


def statement_publish_period(*, period: str, actor) -> int:
    """Publish every draft statement of month `period`; returns how many. Each one audited."""
    validate_month_key(period)
    with transaction.atomic():
        drafts = list(
            Statement.objects.select_for_update(of=("self",)).select_related("seller")
            .filter(period=period, status=Statement.Status.DRAFT).order_by("id")
        )
        statements_move_to(drafts, status=Statement.Status.PUBLISHED, stamp="published_at", actor=actor,
                           action="statement.publish", audit_fields=_FIELDS)
        return len(drafts)


def approval_refusal(statement: Statement, actor, *, membership=None, adjusted: bool | None = None) -> str | None:
    """Why `actor` may not approve `statement` (segregation of duties, role), or None.

    Pass the actor's `membership` in the tenant in scope and whether they `adjusted` the statement
    (created an adjustment behind one of its lines) when the caller already knows (saves the queries).
    """
    membership = membership_in_scope(actor) if membership is None else membership
    if membership is None or not has_capability(membership.role, "statements.approve"):
        role = membership.get_role_display() if membership else "no role"
        return f"Your role ({role}) cannot approve statements."
    if statement.prepared_by_id == actor.pk:
        return "You prepared this statement (you ran its calculation); another finance user must approve it."
    if adjusted is None:
        adjusted = EarningLine.objects.filter(statement=statement, adjustment__created_by=actor).exists()
    if adjusted:
        return "You created an adjustment on this statement; another finance user must approve it."
    return None


def statement_approve(*, statement: Statement, actor) -> Statement:
    """Approve a published statement (published → approved).

    Errors: PermissionDeniedError when the actor's role lacks "statements.approve", or the actor
    prepared the statement or created an adjustment that produced one of its lines (the message
    says which); ConflictError unless published. Audited with before/after status.
    """
    with transaction.atomic():
        statement = _locked(statement)
        reason = approval_refusal(statement, actor)
        if reason:
            raise PermissionDeniedError(reason)
        if statement.status != Statement.Status.PUBLISHED:
            raise ConflictError(f"Statement {statement} is {statement.status}; only a published one can be approved.")
        return _transition(statement, actor=actor, action="statement.approve", to=Statement.Status.APPROVED,
                           approved_by=actor, approved_at=timezone.now())


def statement_mark_paid(*, statement: Statement, actor) -> Statement:
    """Mark an approved statement paid (approved → paid). ConflictError otherwise. Audited."""
    with transaction.atomic():
        statement = _locked(statement)
        if statement.status != Statement.Status.APPROVED:
            raise ConflictError(f"Statement {statement} is {statement.status}; only an approved one can be paid.")
        return _transition(statement, actor=actor, action="statement.pay", to=Statement.Status.PAID,
                           paid_at=timezone.now())
