"""Reads of activities: visible to the owner and the managers above them (tenant-wide roles: all)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, DateField
from django.db.models.functions import TruncMonth

from performance.activities.models import Activity
from planning.selectors import restrict_to_visible

if TYPE_CHECKING:
    from planning.models import Seller
    from spm.tenancy.access import TenantAccess


def activity_list(*, access: TenantAccess, owner: Seller | None = None, kind: str | None = None):
    qs = restrict_to_visible(Activity.objects.select_related("owner", "opportunity", "created_by"), access,
                             field="owner")
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs.filter(kind=kind) if kind else qs


def meetings_by_owner_month(*, access: TenantAccess, owner_ids: list[int]) -> list[tuple[int, object, int]]:
    """[(owner id, month start, meetings)] of ``owner_ids`` (already the viewer's visible sellers)."""
    qs = Activity.objects.filter(kind=Activity.Kind.MEETING, owner_id__in=owner_ids)
    return list(qs.annotate(_month=TruncMonth("occurred_on", output_field=DateField()))
                .values("owner_id", "_month").annotate(_n=Count("id")).order_by()
                .values_list("owner_id", "_month", "_n"))
