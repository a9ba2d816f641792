"""Reads for disputes, composed with the one visibility rule (pay records)."""

from __future__ import annotations

from django.db.models import QuerySet

from compensation.disputes.models import Dispute, DisputeComment
from compensation.models import Statement
from planning.selectors import restrict_to_visible
from spm.fiscal import month_key, month_start, shift_month
from spm.services import closed_periods
from spm.tenancy.access import TenantAccess

OPEN_STATUSES = (Dispute.Status.OPEN, Dispute.Status.IN_REVIEW)


def dispute_list(*, access: TenantAccess, status: str | None = None, statement_id: int | None = None) -> QuerySet[Dispute]:
    qs = restrict_to_visible(
        Dispute.objects.select_related("seller", "statement", "raised_by", "resolved_by", "adjustment"), access, pay=True
    )
    if status == "unresolved":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if statement_id is not None:
        qs = qs.filter(statement_id=statement_id)
    return qs


def dispute_get(*, access: TenantAccess, pk: int) -> Dispute | None:
    return dispute_list(access=access).filter(pk=pk).first()


def dispute_comments(*, dispute: Dispute) -> QuerySet[DisputeComment]:
    return dispute.comments.select_related("author").order_by("created_at", "id")


SUGGEST_MONTHS = 24  # how far ahead the accept form looks for a month that can take the adjustment


def suggested_adjustment_month(dispute: Dispute) -> str | None:
    """For a dispute on an approved or paid statement (never rewritten, so its own month refuses the
    adjustment): the first later month that is open and whose statement of the seller is not locked.
    None when the statement's own month takes it (the accept form's default). Two queries."""
    statement = dispute.statement
    if not statement.is_locked:
        return None
    closed = set(closed_periods())
    locked = set(Statement.objects.filter(seller_id=dispute.seller_id, period__gt=statement.period,
                                          status__in=(Statement.Status.APPROVED, Statement.Status.PAID))
                 .values_list("period", flat=True))
    start = month_start(statement.period)
    for step in range(1, SUGGEST_MONTHS + 1):
        month = month_key(shift_month(start, step))
        if month not in closed and month not in locked:
            return month
    return None
