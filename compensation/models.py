"""Pay: comp plans, assignments, calculation runs, statements, lines and adjustments."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from spm.tenancy.models import TenantModel

USER = settings.AUTH_USER_MODEL


class CompPlan(TenantModel):
    """A versioned comp plan document (the JSON of DESIGN.md). Published versions are immutable."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        ARCHIVED = "archived"

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    document = models.JSONField()
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name", "version"], name="compplan_unique_version")]
        ordering = ["name", "-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class PlanAssignment(TenantModel):
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="plan_assignments")
    plan = models.ForeignKey(CompPlan, on_delete=models.PROTECT, related_name="assignments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    target_incentive = models.DecimalField(max_digits=14, decimal_places=2, default=0)  # annual, plan currency

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seller", "plan", "start_date"], name="assignment_unique_start"),
        ]
        ordering = ["seller__name", "start_date"]

    def __str__(self) -> str:
        return f"{self.seller} on {self.plan} from {self.start_date}"


class CalculationRun(TenantModel):
    """One calculation of a period range. Progress lives here (tenant-scoped), not in Celery."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    period_from = models.CharField(max_length=7)
    period_through = models.CharField(max_length=7)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    message = models.CharField(max_length=300, blank=True)
    input_fingerprint = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    line_count = models.PositiveIntegerField(default=0)
    statement_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Run {self.pk}: {self.period_from}–{self.period_through} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class Statement(TenantModel):
    """A seller's earnings for one pay month: draft → published → approved → paid."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        APPROVED = "approved"
        PAID = "paid"

    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="statements")
    period = models.CharField(max_length=7)  # month key
    currency = models.CharField(max_length=3, default="USD")
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    attainment = models.JSONField(default=dict, blank=True)  # {component: "0.8125"}
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    run = models.ForeignKey(CalculationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements")
    prepared_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "seller", "period"], name="statement_unique_period")]
        indexes = [models.Index(fields=["tenant", "period", "status"], name="statement_period_status_idx")]
        ordering = ["-period", "seller__name"]

    def __str__(self) -> str:
        return f"{self.seller} {self.period}"

    @property
    def is_locked(self) -> bool:
        """Approved and paid statements are never rewritten by a calculation."""
        return self.status in (self.Status.APPROVED, self.Status.PAID)


class Adjustment(TenantModel):
    external_id = models.CharField(max_length=64, blank=True)  # the scenario/API "id", when given
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="adjustments")
    period = models.CharField(max_length=7)  # month key
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"], condition=~models.Q(external_id=""), name="adjustment_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller} {self.period} {self.amount}"


class EarningLine(TenantModel):
    class Kind(models.TextChoices):
        COMMISSION = "commission"
        SPIF = "spif"
        CLAWBACK = "clawback"
        DRAW = "draw"
        DRAW_RECOVERY = "draw_recovery"
        ADJUSTMENT = "adjustment"

    # Runs write millions of lines: the only index is the one reads use, (tenant, statement,
    # position) below (the statement page, exports and every by-statement read; deleting a
    # statement's lines uses it too). The foreign keys have none: no read filters lines by run,
    # seller, deal or adjustment, and deals, sellers and adjustments are not deleted by the app.
    # Nor do tenant, run, seller, deal and adjustment have database constraints (as Perform's bulk-loaded tables): each
    # is a deferred trigger check per line at commit, most of a run's database time, and the one writer
    # (compensation.services.calculation) takes every id from rows it read in the same transaction, under
    # RLS; Django's collector still applies CASCADE / SET_NULL when a statement, seller, run, deal or adjustment is
    # deleted through the ORM. The statement has no constraint either: its check on a *deleted* statement
    # runs outside RLS, so without the tenant it cannot use line_statement_idx and scanned every tenant's
    # lines once per statement (a year's wipe of 98,000 statements did not commit in 5 minutes).
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, editable=False, related_name="+",
                               db_constraint=False, db_index=False)
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines", db_index=False,
                                  db_constraint=False)
    run = models.ForeignKey(CalculationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            db_index=False, db_constraint=False)
    seller = models.ForeignKey("planning.Seller", on_delete=models.CASCADE, related_name="+", db_index=False,
                               db_constraint=False)
    period = models.CharField(max_length=7)
    position = models.PositiveIntegerField(default=0)
    plan_name = models.CharField(max_length=200, blank=True)
    component = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    opportunity = models.ForeignKey("performance.Opportunity", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False, db_constraint=False)
    deal_external_id = models.CharField(max_length=64, blank=True)
    credit_kind = models.CharField(max_length=10, blank=True)
    credit = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    quota = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    quota_period = models.CharField(max_length=10, blank=True)
    attainment_before = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    attainment_after = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The words of the line. Quota-based commission lines of a run store `explain` instead (their
    # structured facts: credit, quota, attainment before/after, tiers, cap, FX …) and "" here; the text is
    # rendered on read with the same wording (compensation.explanations.render_explanation). Rows
    # written before that keep their text and no facts.
    explanation = models.TextField(blank=True, default="")
    # The facts as JSON *text*, not jsonb: nothing queries inside them (they are only rendered), and parsing
    # ~700 bytes of JSON per line into jsonb was ~40 % of writing a line (PERFORMANCE.md, docs/benchmarks.md).
    explain = models.TextField(null=True, blank=True)
    # No database constraint (see the top of the class): its check was queued for every line written, NULL keys
    # too — 3–5 ms at commit of an edit's ~7,000 rewritten lines (docs/benchmarks.md, bench:recalclite-2026-12-03b).
    adjustment = models.ForeignKey(Adjustment, null=True, blank=True, on_delete=models.SET_NULL, related_name="lines",
                                   db_index=False, db_constraint=False)

    class Meta:
        ordering = ["statement", "position"]
        indexes = [models.Index(fields=["tenant", "statement", "position"], name="line_statement_idx")]

    @property
    def explanation_text(self) -> str:
        """The explanation as people read it (rendered from `explain` when the run stored facts)."""
        from compensation.explanations import render_explanation

        return render_explanation(self)


# Feature sub-packages (imported here so Django registers their models).
from compensation.acceptance.models import PlanAcceptance  # noqa: E402,F401
from compensation.accounting.models import AccountingPolicy  # noqa: E402,F401
from compensation.disputes.models import Dispute, DisputeComment  # noqa: E402,F401
from compensation.holds.models import Hold, HoldPolicy  # noqa: E402,F401
from compensation.payroll.models import PayrollBatch, PayrollBatchItem  # noqa: E402,F401
from compensation.routing.models import (  # noqa: E402,F401
    ApprovalDelegate,
    ApprovalReminder,
    ApprovalStep,
    StatementApproval,
)
