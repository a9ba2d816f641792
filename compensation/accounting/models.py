"""The tenant's ASC 340-40 policy: when commissions are capitalised and over how long."""

from __future__ import annotations

from django.db import models

from spm.tenancy.models import TenantModel


class AccountingPolicy(TenantModel):
    # Contracts longer than this are capitalised; shorter ones are expensed (the practical expedient).
    expedient_months = models.PositiveSmallIntegerField(default=12)
    # When set, the amortisation period instead of each contract's own term (renewals expected).
    expected_customer_life_months = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="accounting_policy_one_per_tenant")]

    def __str__(self) -> str:
        return f"ASC 340-40 policy (> {self.expedient_months} months capitalised)"
