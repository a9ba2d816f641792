"""Approval routes per tenant (e.g. manager, then finance), the steps taken on each statement, and
delegates who act for an approver while they are away."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel

USER = settings.AUTH_USER_MODEL


class ApprovalStep(TenantModel):
    """Step `position` (1, 2, …) of the tenant's route: who approves at that step, by role."""

    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "position"], name="approval_step_unique_position")]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Step {self.position}: {self.role}"


class StatementApproval(TenantModel):
    """One step approved on one statement (who, when, and on whose behalf when delegated)."""

    statement = models.ForeignKey("compensation.Statement", on_delete=models.CASCADE, related_name="step_approvals")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20)
    approved_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    on_behalf_of = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "statement", "position"], name="statement_step_once")]
        ordering = ["statement", "position"]

    def __str__(self) -> str:
        return f"{self.statement_id} step {self.position} by {self.approved_by_id}"


class ApprovalDelegate(TenantModel):
    """`delegate` may approve the steps `user` may approve, from `starts` until `ends` (inclusive)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    delegate = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    starts = models.DateField()
    ends = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts", "-id"]

    def __str__(self) -> str:
        return f"{self.delegate_id} for {self.user_id} from {self.starts}"


class ApprovalReminder(TenantModel):
    """A reminder sent on `sent_on` about a statement waiting at step `position`. The daily job claims these
    rows before e-mailing, so a statement's step is reminded at most once a day (a second run sends nothing)."""

    statement = models.ForeignKey("compensation.Statement", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    sent_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "statement", "position", "sent_on"],
                                               name="approval_reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.statement_id} step {self.position} on {self.sent_on}"
