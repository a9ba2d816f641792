"""Disputes on statement lines: open → in review → accepted (an adjustment) or rejected (a reason)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel

USER = settings.AUTH_USER_MODEL


class Dispute(TenantModel):
    class Status(models.TextChoices):
        OPEN = "open"
        IN_REVIEW = "in_review", "In review"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    statement = models.ForeignKey("compensation.Statement", on_delete=models.CASCADE, related_name="disputes")
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="disputes")
    # A recalculation replaces a statement's lines, so the line is kept as a snapshot as well as a link.
    # No database constraint: with one, every deleted line queued a deferred check at COMMIT (minutes for
    # a year's 1.6M lines). The one bulk delete of lines (services.calculation) clears these links first
    # and Django's collector does SET_NULL on every other delete.
    line = models.ForeignKey("compensation.EarningLine", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="disputes", db_constraint=False)
    line_position = models.PositiveIntegerField(null=True, blank=True)
    line_component = models.CharField(max_length=200, blank=True)
    line_deal = models.CharField(max_length=64, blank=True)
    line_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # what the rep claims the line should change by (plan currency, signed cents)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    adjustment = models.ForeignKey("compensation.Adjustment", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="disputes")

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["tenant", "status"], name="dispute_status_idx")]

    def __str__(self) -> str:
        return f"Dispute {self.pk} on {self.line_component or 'statement'} ({self.status})"

    @property
    def is_resolved(self) -> bool:
        return self.status in (self.Status.ACCEPTED, self.Status.REJECTED)


class DisputeComment(TenantModel):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on dispute {self.dispute_id}"
