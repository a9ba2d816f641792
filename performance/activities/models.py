"""Sales activities: meetings (the SDR's first KPI), calls and e-mails, logged in the app or imported."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class Activity(TenantModel):
    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        EMAIL = "email", "E-mail"

    owner = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MEETING)
    occurred_on = models.DateField()
    subject = models.CharField(max_length=200, blank=True)
    opportunity = models.ForeignKey("performance.Opportunity", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="activities")
    # The CRM's id: re-importing the same export updates instead of duplicating. Blank when logged here.
    external_id = models.CharField(max_length=100, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="activity_external_id_unique",
                                    condition=models.Q(external_id__isnull=False)),
        ]
        # Scorecards count meetings per owner and month: this index serves that aggregate.
        indexes = [models.Index(fields=["tenant", "owner", "kind", "occurred_on"], name="activity_owner_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}: {self.subject}"[:80]
