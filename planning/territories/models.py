"""Territory plans (versioned scenarios), manual overrides, proposed moves and dated account ownership.

`planning.Territory` (in planning/models.py) belongs to a plan. A plan is a draft until published
with an effective date; publishing writes one `AccountAssignment` per assigned account from that
date (closing the previous ones the day before), after which the plan is immutable. A later
published plan archives the earlier one; its assignments stay as history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel


class TerritoryPlan(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(null=True, blank=True)
    scenario_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # Publishing with territories short of their owners' quota needs a reason (issue 9, item 4).
    override_reason = models.TextField(blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # figures of the last evaluation
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="territoryplan_unique_name")]
        ordering = ["-effective_from", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class TerritoryOverride(TenantModel):
    """A manual pin of one account to one territory of a plan; beats every rule."""

    plan = models.ForeignKey(TerritoryPlan, on_delete=models.CASCADE, related_name="overrides")
    account = models.ForeignKey("planning.Account", on_delete=models.CASCADE, related_name="+")
    territory = models.ForeignKey("planning.Territory", on_delete=models.CASCADE, related_name="overrides")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "plan", "account"], name="territoryoverride_unique")]
        ordering = ["plan", "account"]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.territory}"


class TerritoryMove(TenantModel):
    """A balancer proposal: move one account to another territory. Accepting creates an override."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    plan = models.ForeignKey(TerritoryPlan, on_delete=models.CASCADE, related_name="moves")
    account = models.ForeignKey("planning.Account", on_delete=models.CASCADE, related_name="+")
    from_territory = models.ForeignKey("planning.Territory", null=True, on_delete=models.CASCADE, related_name="+")
    to_territory = models.ForeignKey("planning.Territory", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    potential = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cv_before = models.FloatField()
    cv_after = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "position"]
        indexes = [models.Index(fields=["tenant", "plan", "status"], name="territorymove_plan_idx")]

    def __str__(self) -> str:
        return f"move {self.account_id} → {self.to_territory_id}"


class AccountAssignment(TenantModel):
    """Who owns an account, and through which territory, from `effective_from` to `effective_to`
    (inclusive; open-ended when null). Written only by publishing a territory plan."""

    account = models.ForeignKey("planning.Account", on_delete=models.CASCADE, related_name="assignments")
    territory = models.ForeignKey("planning.Territory", on_delete=models.PROTECT, related_name="assignments")
    plan = models.ForeignKey(TerritoryPlan, on_delete=models.PROTECT, related_name="assignments")
    seller = models.ForeignKey("planning.Seller", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="account_assignments")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["account", "effective_from"]
        indexes = [
            models.Index(fields=["tenant", "account", "effective_from"], name="accountassignment_acct_idx"),
            models.Index(fields=["tenant", "seller", "effective_from"], name="accountassignment_seller_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(effective_to__isnull=True)
                                   | models.Q(effective_to__gte=models.F("effective_from")),
                                   name="accountassignment_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.effective_from}→{self.effective_to or '…'}"
