"""Plan acceptance pages: a rep accepts their plan on its page; RevOps lists who has not yet."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from compensation.acceptance.selectors import acceptance_for, plan_visible_get, unaccepted_assignments
from compensation.acceptance.services import plan_accept
from compensation.models import CompPlan, PlanAssignment
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.paging import paginate


def plan_or_404(access, pk: int) -> CompPlan:
    plan = plan_visible_get(access=access, pk=pk)
    if plan is None:
        raise Http404("No such plan")
    return plan


def own_assignments(access, plan: CompPlan) -> list[PlanAssignment]:
    """The viewer's own seller records assigned to `plan` (whom they may accept it for)."""
    return list(PlanAssignment.objects.filter(plan=plan, seller__user_id=access.membership.user_id)
                .select_related("seller").order_by("start_date"))


def acceptance_context(access, plan: CompPlan) -> dict:
    mine = own_assignments(access, plan)
    accepted = acceptance_for(plan=plan, seller_ids={a.seller_id for a in mine})
    rows = [{"assignment": a, "acceptance": accepted.get(a.seller_id)} for a in mine]
    return {
        "my_assignments": rows,
        "can_accept": plan.status == CompPlan.Status.PUBLISHED and any(r["acceptance"] is None for r in rows),
    }


class PlanAcceptView(TenantView):
    """POST: the signed-in rep accepts this plan version for each of their assigned seller records."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        plan = plan_or_404(self.access, kwargs["pk"])
        assignments = own_assignments(self.access, plan)
        url = reverse("compensation:plan_detail", kwargs={"tenant": self.access.tenant.slug, "pk": plan.pk})
        if not assignments:
            messages.error(request, "This plan is not assigned to you, so there is nothing for you to accept.")
            return redirect(url)
        try:
            for assignment in {a.seller_id: a for a in assignments}.values():
                acceptance = plan_accept(plan=plan, seller=assignment.seller, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"You accepted {plan.name} v{acceptance.version} on "
                                      f"{acceptance.accepted_at:%b %d, %Y %H:%M} UTC.")
        return redirect(url)


class PlanAcceptanceListView(TenantTemplateView):
    """RevOps: current assignments of published plans not yet accepted by their seller."""

    capability = "plans.edit"
    template_name = "compensation/plan_acceptance.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(paginate(self.request, unaccepted_assignments(access=self.access), per_page=100))
        return context
