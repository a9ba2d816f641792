"""Coaching: notes on a rep or one of their deals, and follow-ups with due dates."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class CoachingNote(TenantModel):
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="coaching_notes")
    opportunity = models.ForeignKey("performance.Opportunity", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="coaching_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "seller", "created_at"], name="coach_note_seller_idx")]

    def __str__(self) -> str:
        return self.body[:60]


class FollowUp(TenantModel):
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="follow_ups")
    opportunity = models.ForeignKey("performance.Opportunity", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="follow_ups")
    note = models.ForeignKey(CoachingNote, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups")
    title = models.CharField(max_length=200)
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["done_at", "due_date", "id"]

    def __str__(self) -> str:
        return self.title
