"""Holds: part of a statement's commission kept back until the invoice is paid or N days pass."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel

USER = settings.AUTH_USER_MODEL


class HoldPolicy(TenantModel):
    # share of commission and SPIF earnings held (0.25 = 25 %) and the days until automatic release
    pct = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    days = models.PositiveIntegerField(default=90)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="hold_policy_one_per_tenant")]

    def __str__(self) -> str:
        return f"Hold {self.pct} for {self.days} days"


class Hold(TenantModel):
    class Status(models.TextChoices):
        HELD = "held"
        RELEASED = "released"

    statement = models.ForeignKey("compensation.Statement", on_delete=models.CASCADE, related_name="holds")
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="holds")
    period = models.CharField(max_length=7)  # month the held amount was earned
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=300)
    release_after = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    hold_adjustment = models.ForeignKey("compensation.Adjustment", null=True, on_delete=models.SET_NULL, related_name="+")
    release_adjustment = models.ForeignKey("compensation.Adjustment", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")
    release_period = models.CharField(max_length=7, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["release_after", "id"]
        indexes = [models.Index(fields=["tenant", "status", "release_after"], name="hold_due_idx")]

    def __str__(self) -> str:
        return f"Hold {self.pk} {self.amount} ({self.status})"
