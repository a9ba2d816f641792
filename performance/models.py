"""Perform: opportunities, their splits, stage history and post-close events."""

from __future__ import annotations

from django.db import models

from spm.tenancy.models import TenantModel


class Opportunity(TenantModel):
    class Stage(models.TextChoices):
        PROSPECTING = "prospecting"
        QUALIFICATION = "qualification"
        PROPOSAL = "proposal"
        NEGOTIATION = "negotiation"
        CLOSED_WON = "closed_won"
        CLOSED_LOST = "closed_lost"

    class ForecastCategory(models.TextChoices):
        PIPELINE = "pipeline"
        BEST_CASE = "best_case"
        COMMIT = "commit"
        CLOSED = "closed"
        OMITTED = "omitted"

    class DealType(models.TextChoices):
        NEW_LOGO = "new_logo", "New logo"
        EXPANSION = "expansion"
        RENEWAL = "renewal"

    external_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    account = models.ForeignKey("planning.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities")
    owner = models.ForeignKey("planning.Seller", on_delete=models.PROTECT, related_name="opportunities")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROSPECTING)
    forecast_category = models.CharField(max_length=20, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE)
    deal_type = models.CharField(max_length=20, choices=DealType.choices, default=DealType.NEW_LOGO)
    created_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="opportunity_unique_external_id"),
        ]
        indexes = [
            models.Index(fields=["tenant", "owner", "close_date"], name="opp_owner_close_idx"),
            models.Index(fields=["tenant", "stage", "close_date"], name="opp_stage_close_idx"),
        ]
        ordering = ["-close_date", "external_id"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.name or self.external_id

    @property
    def is_won(self) -> bool:
        return self.stage == self.Stage.CLOSED_WON


class OpportunitySplit(TenantModel):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="splits")
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="split_credits")
    pct = models.DecimalField(max_digits=7, decimal_places=4)  # percent of the deal, 50 = 50 %

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "opportunity", "seller"], name="split_unique_seller"),
        ]


class StageChange(TenantModel):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, blank=True)
    to_stage = models.CharField(max_length=20)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["tenant", "opportunity", "changed_at"], name="stage_change_opp_idx")]


class OpportunityEvent(TenantModel):
    """Something that happened to a deal after it closed (a churn triggers clawback)."""

    class Type(models.TextChoices):
        CHURN = "churn"

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.CHURN)
    date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "opportunity", "type", "date"], name="opp_event_unique"),
        ]
