"""Quota sets: versions of an allocation of a published capacity scenario's quota to assign.

Publishing a set writes `planning.Quota` rows (month, fiscal quarter and fiscal year keys, source
`capacity` or `ramp`) from its effective month on, which is what Pay reads.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class QuotaSet(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        SUPERSEDED = "superseded"

    class Method(models.TextChoices):
        CAPACITY = "capacity", "Ramp-adjusted capacity"
        POTENTIAL = "potential", "Territory potential"
        BLEND = "blend", "Capacity blended with trailing attainment"

    scenario = models.ForeignKey("planning.CapacityScenario", on_delete=models.PROTECT, related_name="quota_sets")
    version = models.PositiveIntegerField()
    measure = models.CharField(max_length=40, default="bookings")
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.CAPACITY)
    blend_weight = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    seasonality = models.JSONField(default=list)  # 12 monthly weights (a quarter's weight spread over its months)
    effective_from = models.CharField(max_length=7)  # YYYY-MM: months before keep the previous version
    total = models.DecimalField(max_digits=16, decimal_places=2)  # the quota to assign it allocates
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "scenario", "version"], name="quotaset_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario.name} quotas v{self.version}"


class QuotaAllocation(TenantModel):
    """One seller's (or an open headcount's) share of a quota set: 12 monthly amounts."""

    quota_set = models.ForeignKey(QuotaSet, on_delete=models.CASCADE, related_name="allocations")
    seller = models.ForeignKey("planning.Seller", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=200)  # seller name, or "TBH mid 2027-03 ×3"
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    months = models.JSONField(default=list)  # 12 decimal strings summing to amount
    capacity = models.DecimalField(max_digits=16, decimal_places=2)  # reachable in the year
    source = models.CharField(max_length=10, default="capacity")  # capacity | ramp
    above_capacity = models.BooleanField(default=False)

    class Meta:
        ordering = ["label", "id"]

    def __str__(self) -> str:
        return self.label
