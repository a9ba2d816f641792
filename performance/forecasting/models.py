"""Forecast submissions (the human call), manager overrides, and trained win-probability models."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class ForecastSubmission(TenantModel):
    """A seller's call for a fiscal quarter. Append-only: the latest submission is the call."""

    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="forecast_submissions")
    period = models.CharField(max_length=10)  # fiscal quarter key, "2027-Q1"
    commit = models.DecimalField(max_digits=16, decimal_places=2)
    best_case = models.DecimalField(max_digits=16, decimal_places=2)
    note = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["tenant", "period", "seller", "submitted_at"], name="fc_sub_period_idx")]

    def __str__(self) -> str:
        return f"{self.seller} {self.period} commit {self.commit}"


class ForecastOverride(TenantModel):
    """A manager's call for their subtree; it stands until removed (removed_at), history is kept."""

    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="forecast_overrides")
    period = models.CharField(max_length=10)
    commit = models.DecimalField(max_digits=16, decimal_places=2)
    best_case = models.DecimalField(max_digits=16, decimal_places=2)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seller", "period"], condition=models.Q(removed_at__isnull=True),
                                    name="fc_override_one_standing"),
        ]

    def __str__(self) -> str:
        return f"override {self.seller} {self.period} commit {self.commit}"


class WinModelRun(TenantModel):
    """One training of the tenant's win-probability model (Celery task), with its evaluation."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True)  # n_deals, auc, auc_low/high, brier, signal, verdict
    estimator = models.BinaryField(null=True, blank=True, editable=False)  # joblib dump of the fitted model
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"win model {self.pk} {self.status}"
