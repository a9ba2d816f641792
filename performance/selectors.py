"""Reads for the Perform pillar, all composed with the one visibility rule."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from performance.models import Opportunity, PipelineStage
from planning.selectors import visible_seller_ids
from spm.tenancy.access import TenantAccess


def opportunity_list(*, access: TenantAccess, stage: str | None = None, search: str | None = None) -> QuerySet[Opportunity]:
    """Deals the viewer may see: owned by, or split to, a visible seller."""
    qs = Opportunity.objects.select_related("owner", "account")
    ids = visible_seller_ids(access)
    if ids is not None:
        qs = qs.filter(Q(owner_id__in=ids) | Q(splits__seller_id__in=ids)).distinct()
    if stage:
        qs = qs.filter(stage=stage)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(external_id__icontains=search) | Q(account__name__icontains=search))
    return qs


def stage_names() -> list[str]:
    """The tenant's stage names: its PipelineStages in order, then any other name a deal carries."""
    names = list(PipelineStage.objects.order_by("position", "name").values_list("name", flat=True))
    known = set(names)
    names += [s for s in Opportunity.objects.order_by("stage").values_list("stage", flat=True).distinct() if s not in known]
    return names


def opportunity_get(*, access: TenantAccess, pk: int) -> Opportunity | None:
    return opportunity_list(access=access).prefetch_related("splits__seller", "stage_changes").filter(pk=pk).first()
