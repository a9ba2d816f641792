"""Risk alerts on deals and sellers: what is wrong, who should act, and what to do."""

from __future__ import annotations

from django.db import models

from spm.tenancy.models import TenantModel


class Alert(TenantModel):
    class Kind(models.TextChoices):
        STALLED = "stalled", "Stalled deal"
        SLIPPED = "slipped", "Slipped close date"
        SHRINKING = "shrinking", "Shrinking deal"
        PIPELINE_GAP = "pipeline_gap", "Pipeline gap"

    class Status(models.TextChoices):
        OPEN = "open"
        DISMISSED = "dismissed"
        RESOLVED = "resolved"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120)  # what it is about, e.g. "stalled:42" — one open alert per key
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="alerts")
    opportunity = models.ForeignKey("performance.Opportunity", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="alerts")
    period = models.CharField(max_length=10, blank=True)
    message = models.CharField(max_length=300)
    action = models.CharField(max_length=300)  # what to do about it
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="alert_unique_key")]
        indexes = [models.Index(fields=["tenant", "status", "seller"], name="alert_status_seller_idx")]

    def __str__(self) -> str:
        return self.message
