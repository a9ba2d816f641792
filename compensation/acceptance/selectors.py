"""Reads for plan documents as reps see them, and acceptance status for RevOps."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from compensation.acceptance.models import PlanAcceptance
from compensation.models import CompPlan, PlanAssignment
from planning.selectors import visible_seller_ids
from spm.tenancy.access import TenantAccess


def plan_visible_list(*, access: TenantAccess) -> QuerySet[CompPlan]:
    """Plans the viewer may read: every plan for planning roles; otherwise the plans assigned to the
    sellers whose pay the viewer sees (a rep: their own plan; a manager: their team's)."""
    if access.can("planning.view"):
        return CompPlan.objects.all()
    ids = visible_seller_ids(access, pay=True)
    assigned = PlanAssignment.objects.filter(plan=OuterRef("pk"))
    if ids is not None:
        assigned = assigned.filter(seller_id__in=ids)
    return CompPlan.objects.filter(Exists(assigned))


def plan_visible_get(*, access: TenantAccess, pk: int) -> CompPlan | None:
    return plan_visible_list(access=access).select_related("published_by").filter(pk=pk).first()


def acceptance_for(*, plan: CompPlan, seller_ids) -> dict[int, PlanAcceptance]:
    """Acceptances of `plan` by these sellers, keyed by seller id."""
    return {a.seller_id: a for a in PlanAcceptance.objects.filter(plan=plan, seller_id__in=list(seller_ids))
            .select_related("accepted_by")}


def unaccepted_assignments(*, access: TenantAccess, on: dt.date | None = None) -> QuerySet[PlanAssignment]:
    """Current assignments of published plans that their seller has not accepted yet."""
    on = on or dt.date.today()
    accepted = PlanAcceptance.objects.filter(plan=OuterRef("plan_id"), seller=OuterRef("seller_id"))
    qs = (PlanAssignment.objects.select_related("seller", "plan")
          .filter(plan__status=CompPlan.Status.PUBLISHED)
          .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
          .filter(~Exists(accepted)))
    ids = visible_seller_ids(access, pay=True)
    if ids is not None:
        qs = qs.filter(seller_id__in=ids)
    return qs.order_by("seller__name", "plan__name", "start_date")


def plans_to_accept(*, access: TenantAccess) -> list[CompPlan]:
    """Published plans assigned (now or from a later date) to the viewer's own seller records that
    they have not accepted yet: what their dashboard asks them to read and accept."""
    rows = unaccepted_assignments(access=access).filter(seller__user_id=access.membership.user_id)
    return list({a.plan_id: a.plan for a in rows}.values())


def acceptance_list(*, access: TenantAccess) -> QuerySet[PlanAcceptance]:
    qs = PlanAcceptance.objects.select_related("seller", "plan", "accepted_by")
    ids = visible_seller_ids(access, pay=True)
    return qs if ids is None else qs.filter(seller_id__in=ids)
