"""Plan acceptance: a rep accepts the published plan version they are assigned (once, audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from compensation.acceptance.models import PlanAcceptance
from compensation.models import CompPlan, PlanAssignment
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, PermissionDeniedError
from spm.tenancy.context import current_tenant

if TYPE_CHECKING:
    from planning.models import Seller


def plan_accept(*, plan: CompPlan, seller: Seller, actor) -> PlanAcceptance:
    """Record that `actor` (the seller's own user) accepts version `plan.version` of `plan`.

    Errors: PermissionDeniedError unless the actor is the seller's user; ConflictError when the plan
    is not published or not assigned to the seller. Idempotent: accepting again returns the first
    acceptance unchanged (no second audit event).
    """
    if seller.user_id is None or seller.user_id != getattr(actor, "pk", None):
        raise PermissionDeniedError("Only the seller themselves can accept their comp plan.")
    with transaction.atomic():
        if plan.status != CompPlan.Status.PUBLISHED:
            raise ConflictError(f"{plan} is {plan.status}: only a published plan can be accepted.", field="plan")
        if not PlanAssignment.objects.filter(plan=plan, seller=seller).exists():
            raise ConflictError(f"{plan} is not assigned to {seller}.", field="plan")
        existing = PlanAcceptance.objects.filter(plan=plan, seller=seller).first()
        if existing is not None:
            return existing
        acceptance = PlanAcceptance(plan=plan, seller=seller, version=plan.version, accepted_by=actor,
                                    tenant=current_tenant())
        acceptance.save()
        audit_record(actor=actor, action="plan.accept", instance=acceptance, after=snapshot(acceptance))
        return acceptance
