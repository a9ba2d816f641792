"""Reads for approval routes: the route, a statement's progress along it, delegates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from compensation.routing.models import ApprovalDelegate, ApprovalStep, StatementApproval

if TYPE_CHECKING:
    from compensation.models import Statement


def route_progress(statement: Statement) -> list[dict]:
    """Each step of the route with who took it on this statement (None while pending)."""
    steps = list(ApprovalStep.objects.order_by("position"))
    if not steps:  # most tenants have no route: one query, not two
        return []
    done = {a.position: a for a in StatementApproval.objects.filter(statement=statement)
            .select_related("approved_by", "on_behalf_of")}
    return [{"step": s, "approval": done.get(s.position)} for s in steps]


def delegate_list() -> QuerySet[ApprovalDelegate]:
    return ApprovalDelegate.objects.select_related("user", "delegate").order_by("-starts", "-id")
