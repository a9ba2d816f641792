"""Reads for disputes, composed with the one visibility rule (pay records)."""

from __future__ import annotations

from django.db.models import QuerySet

from compensation.disputes.models import Dispute, DisputeComment
from planning.selectors import restrict_to_visible
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
