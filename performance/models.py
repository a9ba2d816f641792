"""Perform: opportunities, their splits, stage history and post-close events.

A deal's `stage` is the tenant's own stage name (no fixed list); the stored booleans `is_closed` and
`is_won` decide its state. `PipelineStage` lists each tenant's stage names with their probability;
`OpportunityHistory` keeps the state of a deal as of each day it changed (imports write it).
"""

from __future__ import annotations

from django.db import models

from spm.tenancy.models import TenantModel

#: Stage names that mean closed-won / closed-lost when a source gives no is_won/is_closed flags
#: (scenario files, the legacy fixed stages, the REST API without flags).
WON_STAGE = "closed_won"
LOST_STAGE = "closed_lost"
STAGE_NAME_MAX = 100


def stage_flags(stage: str) -> tuple[bool, bool]:
    """(is_closed, is_won) implied by a legacy/scenario stage name: closed_won → won, closed_lost → lost."""
    if stage == WON_STAGE:
        return True, True
    if stage == LOST_STAGE:
        return True, False
    return False, False


def default_forecast_category(is_closed: bool, is_won: bool) -> str:
    """The forecast category of a deal given none: closed (won), omitted (lost) or pipeline (open).
    Every writer (the deal service, the CRM import, scenario loading) applies this one rule."""
    if is_closed:
        return Opportunity.ForecastCategory.CLOSED.value if is_won else Opportunity.ForecastCategory.OMITTED.value
    return Opportunity.ForecastCategory.PIPELINE.value


class Opportunity(TenantModel):
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

    # No database FK constraints on tenant, owner and account: imports write deals in bulk, and a million
    # rows spent seconds in per-row FK triggers (three per deal). Integrity is kept set-based instead:
    # RLS WITH CHECK pins tenant_id, owners and accounts are resolved within the tenant before writing
    # and the import checks them with one anti-join (performance.importers.opportunities); Django's
    # collector still applies CASCADE / PROTECT / SET_NULL. The tenant index is redundant: every
    # index and the unique constraint lead with tenant_id.
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, editable=False, related_name="+",
                               db_constraint=False, db_index=False)
    external_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    account = models.ForeignKey("planning.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities",
                                db_constraint=False)
    # Indexed by opp_owner_close_idx (tenant, owner, close_date): no second single-column index to maintain.
    owner = models.ForeignKey("planning.Seller", on_delete=models.PROTECT, related_name="opportunities", db_index=False,
                              db_constraint=False)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    stage = models.CharField(max_length=STAGE_NAME_MAX, default="prospecting")  # the tenant's own stage name
    is_closed = models.BooleanField(default=False)
    is_won = models.BooleanField(default=False)
    forecast_category = models.CharField(max_length=20, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE)
    deal_type = models.CharField(max_length=20, choices=DealType.choices, default=DealType.NEW_LOGO)
    created_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)  # on an open deal, None = unknown
    product = models.CharField(max_length=100, blank=True)
    team = models.CharField(max_length=100, blank=True)  # blank: the owner's team
    region = models.CharField(max_length=50, blank=True)  # blank: the owner's region
    probability = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)  # 0..1
    # Length of the customer contract (ASC 340-40: commissions on contracts > 12 months are capitalised).
    contract_term_months = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="opportunity_unique_external_id"),
            models.CheckConstraint(condition=models.Q(is_won=False) | models.Q(is_closed=True), name="opportunity_won_is_closed"),
        ]
        indexes = [
            models.Index(fields=["tenant", "owner", "close_date"], name="opp_owner_close_idx"),
            models.Index(fields=["tenant", "stage", "close_date"], name="opp_stage_close_idx"),
            # The deal lists (page and API) show newest close first, 50 at a time: read from this index
            # instead of sorting every deal of the tenant per request.
            models.Index(fields=["tenant", "-close_date", "-id"], name="opp_tenant_close_idx"),
            # Drill-downs list the largest deals first: walk this in order and stop after a page,
            # instead of sorting a manager's whole subtree (a top-N sort of 200,000 deals).
            models.Index(models.F("tenant"), models.F("amount").desc(), models.F("id"), name="opp_amount_idx"),
            models.Index(fields=["tenant", "id"], name="opp_tenant_id_idx"),  # data version: MAX(id) per tenant
        ]
        ordering = ["-close_date", "external_id"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.name or self.external_id

    @property
    def stage_label(self) -> str:
        """The stage as people read it: a tenant's own names as they are, legacy snake_case capitalised."""
        return self.stage.replace("_", " ").capitalize() if self.stage.islower() else self.stage

    @property
    def state(self) -> str:
        """"won", "lost" or "open" (from the stored flags, never from the stage name)."""
        return ("won" if self.is_won else "lost") if self.is_closed else "open"


class OpportunitySplit(TenantModel):
    # No database FK constraints (see Opportunity.tenant): a 1,000,000-deal scenario load writes 200,000
    # splits, and their three deferred checks each (the deal's row locked FOR KEY SHARE among them) ran
    # at COMMIT for longer than the split insert itself. Writers take the deal from their own insert or
    # lock and the sellers from the tenant's own rows (RLS pins tenant_id); Django's collector still
    # cascades deletes. No tenant index: split_unique_seller leads with tenant_id.
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, editable=False, related_name="+",
                               db_constraint=False, db_index=False)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="splits", db_constraint=False)
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="split_credits",
                               db_constraint=False)
    pct = models.DecimalField(max_digits=7, decimal_places=4)  # percent of the deal, 50 = 50 %

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "opportunity", "seller"], name="split_unique_seller"),
        ]


class StageChange(TenantModel):
    # Written in bulk by imports (one per stage move): no FK constraints (see Opportunity.tenant), and
    # no single-column tenant or deal index: stage_change_opp_idx (tenant, opportunity, changed_at) serves
    # both, since every read and the cascade delete carry the tenant (its manager, RLS). The deal index
    # cost 15-20 % of the server CPU of writing an import's stage changes and no plan used it.
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, editable=False, related_name="+",
                               db_constraint=False, db_index=False)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes",
                                    db_constraint=False, db_index=False)
    from_stage = models.CharField(max_length=STAGE_NAME_MAX, blank=True)
    to_stage = models.CharField(max_length=STAGE_NAME_MAX)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["tenant", "opportunity", "changed_at"], name="stage_change_opp_idx"),
                   # MAX(id) per tenant (the pipeline data version) in one index probe; by the primary
                   # key it walks back over every later tenant's rows.
                   models.Index(fields=["tenant", "id"], name="stage_change_tenant_id_idx")]


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


class PipelineStage(TenantModel):
    """One of a tenant's stage names, created on first sight by imports; its probability weights the pipeline."""

    name = models.CharField(max_length=STAGE_NAME_MAX)
    position = models.PositiveIntegerField(default=0)
    probability = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)  # 0..1
    is_closed = models.BooleanField(default=False)
    is_won = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="pipeline_stage_unique_name")]
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class OpportunityHistory(TenantModel):
    """The state of a deal as of `as_of`: one row whenever stage, amount, close date or owner changed
    (plus the first sight). The state on day D is the latest row with as_of <= D."""

    # No database constraints: history is written in bulk by imports (a million rows would spend
    # seconds in deferred FK checks); rows go with their deal through Django's cascade.
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, editable=False, related_name="+",
                               db_constraint=False, db_index=False)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="history",
                                    db_constraint=False, db_index=False)  # opp_history_unique_as_of leads with it
    as_of = models.DateField()
    stage = models.CharField(max_length=STAGE_NAME_MAX)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    close_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey("planning.Seller", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                              db_index=False)
    forecast_category = models.CharField(max_length=20, choices=Opportunity.ForecastCategory.choices,
                                         default=Opportunity.ForecastCategory.PIPELINE)
    is_closed = models.BooleanField(default=False)
    is_won = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "opportunity", "as_of"], name="opp_history_unique_as_of"),
        ]
        indexes = [models.Index(fields=["tenant", "as_of"], name="opp_history_as_of_idx"),
                   models.Index(fields=["tenant", "id"], name="opp_history_tenant_id_idx")]  # data version
        ordering = ["opportunity", "as_of"]
        verbose_name_plural = "opportunity history"


from performance.imports.models import CrmWebhook, ImportJob, ImportMapping, WebhookDelivery  # noqa: E402
from performance.pipeline.models import (  # noqa: E402
    PipelineOwnerRollup,
    PipelinePanelSummary,
    PipelineStageNorm,
    PipelineSummary,
    PipelineSummaryState,
)

__all__ = [
    "CrmWebhook", "ImportJob", "ImportMapping", "Opportunity", "OpportunityEvent", "OpportunityHistory",
    "OpportunitySplit", "PipelineOwnerRollup", "PipelinePanelSummary", "PipelineStage", "PipelineStageNorm", "PipelineSummary",
    "PipelineSummaryState",
    "StageChange", "WebhookDelivery",
]

import performance.activities.models, performance.alerts.models, performance.coaching.models, performance.forecasting.models  # noqa: E401,E402,F401,I001  activities/forecasting/alerts/coaching models
