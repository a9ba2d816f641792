"""Comp plans and plan assignments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from compensation.engine import PlanValidationError, parse_plan_document, plan_document_to_dict
from compensation.models import CompPlan, PlanAssignment
from planning.services import seller_inputs_changed
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.tenancy.context import current_tenant
from spm.upsert import UNCHANGED, full_clean_or_raise, upsert_audited

if TYPE_CHECKING:
    from planning.models import Seller


class PlanDocumentError(DomainError):
    """The plan document is invalid; `errors` lists every problem found by the engine's parser."""

    def __init__(self, errors: list[str], field_errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        self.field_errors = list(field_errors)
        super().__init__("Invalid plan document: " + "; ".join(self.errors), field="document", code="invalid_plan")

    def by_field(self) -> dict[str, list[str]]:
        """Messages grouped by the document path they name (components[0].tiers[1].rate)."""
        grouped: dict[str, list[str]] = {}
        for path, message in self.field_errors:
            grouped.setdefault(path, []).append(message)
        return grouped


def canonical_plan_document(document: dict) -> dict:
    """The validated, canonical form of a plan document (what is stored and compared)."""
    try:
        return plan_document_to_dict(parse_plan_document(document, storable=True))
    except PlanValidationError as exc:
        raise PlanDocumentError(exc.errors, exc.field_errors) from None


def comp_plan_create(
    *, document: dict, actor=None, effective_from: dt.date | None = None, publish: bool = False,
    based_on: tuple[str, int] | None = None,
) -> CompPlan:
    """Store `document` as the next version of the plan with its name (version 1 when new).

    Validates with compensation.engine.parse_plan_document (PlanDocumentError listing every
    problem). Stores the canonical document. `publish=True` publishes it at once. Not idempotent:
    every call creates a version (the scenario loader compares documents first). Audited.
    `based_on`: (plan name, the newest version the editor saw); ConflictError (code "stale") when
    a newer version of that plan was saved since, which this one would silently undo — a
    colleague's save, or the first click of a double-clicked publish.
    """
    canonical = canonical_plan_document(document)
    with transaction.atomic():
        name = canonical["name"]
        latest = CompPlan.objects.select_for_update().filter(name=name).aggregate(v=Max("version"))["v"] or 0
        if based_on is not None and based_on[0] == name and latest > based_on[1]:
            newest = CompPlan.objects.get(name=name, version=latest)
            raise ConflictError(
                f"{name} v{latest} was saved ({newest.status}, {newest.created_at:%Y-%m-%d %H:%M} UTC) after you opened "
                f"this editor on v{based_on[1]}: yours would not include its changes. Open v{latest} to edit from it, "
                f"or save again to store this draft as v{latest + 1} as it is.", field="document", code="stale")
        plan = CompPlan(
            name=name, version=latest + 1, document=canonical, currency=canonical["currency"],
            effective_from=effective_from, tenant=current_tenant(),
        )
        if publish:
            plan.status, plan.published_at, plan.published_by = CompPlan.Status.PUBLISHED, timezone.now(), actor
        full_clean_or_raise(plan)
        plan.save()
        audit_record(actor=actor, action="plan.create", instance=plan, after=snapshot(plan))
        return plan


def comp_plan_publish(*, plan: CompPlan, actor) -> CompPlan:
    """Publish a draft plan (draft → published). ConflictError otherwise. Published versions are
    immutable: a change is a new version via comp_plan_create. Audited."""
    with transaction.atomic():
        plan = CompPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != CompPlan.Status.DRAFT:
            raise ConflictError(f"{plan} is {plan.status}; only a draft can be published.")
        before = snapshot(plan, ["status"])
        plan.status, plan.published_at, plan.published_by = CompPlan.Status.PUBLISHED, timezone.now(), actor
        plan.save(update_fields=["status", "published_at", "published_by"])
        audit_record(actor=actor, action="plan.publish", instance=plan, before=before, after=snapshot(plan, ["status"]))
        return plan


def plan_assignment_upsert(
    *, seller: Seller, plan: CompPlan, start_date: dt.date, end_date: dt.date | None = None,
    target_incentive=0, actor=None,
) -> PlanAssignment:
    """Assign `seller` to `plan` from `start_date`, keyed by (seller, plan name, start_date).

    A newer version of the same plan replaces the older one on the existing assignment. Errors:
    DomainError when end_date < start_date or target_incentive is not a non-negative number.
    Idempotent; audited as assignment.create / assignment.update.
    """
    try:
        target_incentive = Decimal(str(target_incentive))
    except InvalidOperation:
        raise DomainError(f"target_incentive: {target_incentive!r} is not a decimal number") from None
    if target_incentive < 0:
        raise DomainError("target_incentive: cannot be negative")
    if end_date is not None and end_date < start_date:
        raise DomainError(f"to: {end_date} is before from {start_date}")
    with transaction.atomic():
        existing = (
            PlanAssignment.objects.select_for_update()
            .filter(seller=seller, plan__name=plan.name, start_date=start_date).first()
        )
        assignment = upsert_audited(
            model=PlanAssignment, lookup={"seller": seller, "start_date": start_date},
            values={"plan": plan, "end_date": end_date, "target_incentive": target_incentive},
            actor=actor, action_prefix="assignment", instance=existing,
        )
        if assignment.upsert_status != UNCHANGED:
            seller_inputs_changed(seller_ids=[seller.pk], months=None, reason=f"plan assignment {plan.name} changed")
        return assignment
