"""Reads for holds: a statement's earned vs payable, and the holds the viewer may see."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import CharField, DecimalField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from compensation.holds.models import Hold
from planning.selectors import restrict_to_visible

if TYPE_CHECKING:
    from compensation.models import Statement
    from spm.tenancy.access import TenantAccess


def hold_list(*, access: TenantAccess, status: str | None = None) -> QuerySet[Hold]:
    qs = restrict_to_visible(Hold.objects.select_related("seller", "statement", "created_by", "released_by"), access, pay=True)
    return qs.filter(status=status) if status else qs


def hold_sums() -> dict:
    """Aggregates of a statement's holds: what was held, how much of it is released and the latest month it
    was released into (a released hold's line stays on its statement; the page says where the money went)."""
    released = Q(status=Hold.Status.RELEASED)
    return {"held": Sum("amount"), "held_released": Sum("amount", filter=released),
            "held_release_period": Max("release_period", filter=released)}


def statement_hold_annotations() -> dict:
    """`hold_sums` as subqueries per statement, to annotate a Statement queryset (the statement page's
    query): `earned_and_payable` then reads no query. `held` is 0, never NULL, on a statement without holds."""
    holds = Hold.objects.filter(statement_id=OuterRef("pk")).order_by().values("statement_id")
    money = DecimalField(max_digits=16, decimal_places=2)
    fields = {"held": money, "held_released": money, "held_release_period": CharField()}
    out = {name: Subquery(holds.annotate(v=aggregate).values("v")[:1], output_field=fields[name])
           for name, aggregate in hold_sums().items()}
    out["held"] = Coalesce(out["held"], Value(0), output_field=money)
    return out


def earned_and_payable(statement: Statement) -> dict:
    """Payable is the statement total (the hold is a line on it); earned adds back what is held.

    A statement read with `held`, `held_released` and `held_release_period` annotations (the statement page's query) costs no query here.
    """
    if getattr(statement, "held", None) is None:
        sums = Hold.objects.filter(statement=statement).aggregate(**hold_sums())
    else:
        sums = {key: getattr(statement, key, None) for key in ("held", "held_released", "held_release_period")}
    held = sums["held"] or Decimal("0.00")
    return {"earned": statement.total + held, "payable": statement.total, "held": held,
            "released": sums["held_released"] or Decimal("0.00"), "release_period": sums["held_release_period"] or ""}
