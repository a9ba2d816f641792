"""The tenant's ASC 340-40 policy (audited)."""

from __future__ import annotations

from django.db import transaction

from compensation.accounting.models import AccountingPolicy
from spm.audit import audit_record, snapshot
from spm.errors import DomainError
from spm.tenancy.context import current_tenant

_FIELDS = ["expedient_months", "expected_customer_life_months"]


def accounting_policy_set(*, expedient_months: int = 12, expected_customer_life_months: int | None = None,
                          actor) -> AccountingPolicy:
    """Set the practical-expedient threshold and the optional expected customer life (months).

    DomainError on a threshold outside 1–120 or a customer life outside 1–240. Audited.
    """
    if not 1 <= int(expedient_months) <= 120:
        raise DomainError("expedient_months: between 1 and 120", field="expedient_months")
    if expected_customer_life_months is not None and not 1 <= int(expected_customer_life_months) <= 240:
        raise DomainError("expected_customer_life_months: between 1 and 240", field="expected_customer_life_months")
    with transaction.atomic():
        policy = AccountingPolicy.objects.select_for_update().first()
        before = snapshot(policy, _FIELDS) if policy else None
        if policy is None:
            policy = AccountingPolicy(tenant=current_tenant())
        policy.expedient_months = int(expedient_months)
        policy.expected_customer_life_months = expected_customer_life_months
        policy.save()
        audit_record(actor=actor, action="accounting.policy", instance=policy, before=before, after=snapshot(policy, _FIELDS))
        return policy
