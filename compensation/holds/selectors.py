"""Reads for holds: a statement's earned vs payable, and the holds the viewer may see."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet, Sum

from compensation.holds.models import Hold
from planning.selectors import restrict_to_visible

if TYPE_CHECKING:
    from compensation.models import Statement
    from spm.tenancy.access import TenantAccess


def hold_list(*, access: TenantAccess, status: str | None = None) -> QuerySet[Hold]:
    qs = restrict_to_visible(Hold.objects.select_related("seller", "statement", "created_by", "released_by"), access, pay=True)
    return qs.filter(status=status) if status else qs


def earned_and_payable(statement: Statement) -> dict:
    """Payable is the statement total (the hold is a line on it); earned adds back what is held.

    A statement read with a `held` annotation (the statement page's query) costs no query here.
    """
    held = getattr(statement, "held", None)
    if held is None:
        held = Hold.objects.filter(statement=statement).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return {"earned": statement.total + held, "payable": statement.total, "held": held}
