"""A rep's acceptance of a comp plan version: who, when, which version (recorded once, audited)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class PlanAcceptance(TenantModel):
    plan = models.ForeignKey("compensation.CompPlan", on_delete=models.PROTECT, related_name="acceptances")
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="plan_acceptances")
    # the version number is copied so the record reads on its own, even in an export
    version = models.PositiveIntegerField()
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "plan", "seller"], name="plan_acceptance_unique"),
        ]
        ordering = ["-accepted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.seller} accepted plan {self.plan_id} v{self.version}"
