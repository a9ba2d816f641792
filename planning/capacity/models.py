"""Capacity scenarios: target, segments, roster (real and hypothetical sellers), planned hires.

The scenario's inputs are stored; its outputs are always recomputed by the pure engine
(`planning.capacity.engine`) — a 2,000-seller scenario computes in well under a second, so nothing
derived is cached that could disagree with the inputs.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class CapacityScenario(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        ARCHIVED = "archived"

    name = models.CharField(max_length=200)
    year = models.PositiveIntegerField()
    target = models.DecimalField(max_digits=16, decimal_places=2)
    over_assignment = models.DecimalField(max_digits=6, decimal_places=4, default=0)
    attrition = models.DecimalField(max_digits=6, decimal_places=4, default=0)
    replace_attrition = models.BooleanField(default=False)
    # [{"name", "productivity", "ramp_months" | "ramp_curve", "target_incentive"?}] — the file format.
    segments = models.JSONField(default=list)
    # [{"segment", "count", "start": "YYYY-MM", "target_incentive"?}]
    hires = models.JSONField(default=list)
    gap_segment = models.CharField(max_length=50, blank=True)
    gap_start = models.CharField(max_length=7, blank=True)  # YYYY-MM; blank: first plan month
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    override_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "name", "id"]
        indexes = [models.Index(fields=["tenant", "year", "status"], name="capscen_year_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class CapacityRosterMember(TenantModel):
    """One head of the roster: a tenant seller, or a hypothetical one (no seller)."""

    scenario = models.ForeignKey(CapacityScenario, on_delete=models.CASCADE, related_name="roster")
    seller = models.ForeignKey("planning.Seller", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    segment = models.CharField(max_length=50)
    hire_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    target_incentive = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "scenario", "seller"], name="caproster_unique_seller"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def hypothetical(self) -> bool:
        return self.seller_id is None
