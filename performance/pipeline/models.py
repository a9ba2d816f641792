"""Pipeline summaries: the page's default view read from O(owners × cells) rows, not O(deals).

``PipelineSummary`` holds, per owner, the metric cells of ``performance.pipeline.metrics`` (state,
aging bucket, cycle days, close month, in-period flag, count, amount in tenant-currency cents) as
of one day and for one fiscal period — today and its quarter, the page's default view. Aging
depends on "today", so the rows are for one day; the daily roll (Celery beat) and the first read
of a new day rebuild them. Writes that change deals keep them exact in their own transaction
(``summaries.pipeline_summaries_refresh``, set-based over the touched owners).

``PipelineSummaryState`` says for which day/period the rows hold and whether they may be used.
On PostgreSQL a statement trigger on the deal and FX tables marks it dirty with the writing
transaction's id, so a writer that changes deals without refreshing (a new loader, a raw SQL fix)
makes the page read the exact path instead of stale figures: the safety net, not the mechanism.

``PipelineStageNorm``: days-in-stage norms per stage, stored by imports and the daily roll rather
than computed from the whole stage history on a read.
"""

from __future__ import annotations

from django.db import models

from spm.tenancy.models import TenantModel


class PipelineSummaryState(TenantModel):
    as_of = models.DateField()
    period = models.CharField(max_length=16)  # fiscal quarter key of as_of ("2027-Q1")
    # Set by a writer that has not (yet) refreshed; the id of its transaction (PostgreSQL txid).
    dirty_xid = models.BigIntegerField(null=True, blank=True)
    # True when rows are known to be out of date (two writers without a refresh, a failed roll).
    stale = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="pipeline_summary_state_unique")]


class PipelineSummary(TenantModel):
    owner = models.ForeignKey("planning.Seller", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                              db_index=False)  # pipeline_summary_owner_idx leads with (tenant, owner)
    team = models.CharField(max_length=100, blank=True)  # the deal's own (blank: the owner's, resolved on read)
    region = models.CharField(max_length=50, blank=True)
    state = models.CharField(max_length=4)  # won | lost | open
    bucket = models.CharField(max_length=8, null=True, blank=True)  # aging bucket of open deals with a created date
    cycle_days = models.IntegerField(null=True, blank=True)  # won deals: close − created
    close_month = models.DateField(null=True, blank=True)  # won deals: first day of the close month
    in_period = models.BooleanField(default=False)  # close date in the state's period
    n = models.IntegerField()
    amount_cents = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "owner"], name="pipeline_summary_owner_idx")]


class PipelineStageNorm(TenantModel):
    stage = models.CharField(max_length=100)
    norm_days = models.FloatField()
    stays = models.IntegerField()  # completed stays the norm is computed from

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "stage"], name="pipeline_stage_norm_unique")]


class PipelinePanelSummary(TenantModel):
    """Per owner, the totals of the page's two htmx panels for the state's day (see
    ``summaries``), kept with ``PipelineSummary`` by the same refresh and roll:

    * ``flow``: the flow cells of ``selectors.flow_cells`` between the period's first day and the
      default flow end (``summaries.default_flow_window``): state at start, at end, created in;
    * ``stuck`` / ``slipped``: count and amount (face value, as ``selectors.stuck_deals``) of the
      open deals stuck in their stage (against the stored norms) or past their close date.
    """

    owner = models.ForeignKey("planning.Seller", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                              db_index=False)  # pipeline_panel_owner_idx leads with (tenant, owner)
    team = models.CharField(max_length=100, blank=True)  # the deal's own (blank: the owner's, resolved on read)
    region = models.CharField(max_length=50, blank=True)
    kind = models.CharField(max_length=8)  # flow | stuck | slipped
    state_start = models.CharField(max_length=8, blank=True)  # flow: open | closed | none
    state_end = models.CharField(max_length=8, blank=True)  # flow: open | won | lost | none
    created_in = models.BooleanField(default=False)  # flow: created in (start, end]
    n = models.IntegerField()
    amount_cents = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "owner"], name="pipeline_panel_owner_idx")]


class PipelineOwnerRollup(TenantModel):
    """Per owner and the deal's own team / region (blank: the owner's, resolved on read), the
    ``PipelineSummary`` rows of that key rolled up to what the page's document reads, kept by the
    same refresh and roll (``summaries``): a manager's page reads O(owners) rows, not one per
    (owner, cycle length, close month) cell.

    Counts and cents per state; open pipeline and bookings closing in the state's period; the
    aging cells, the won close months and the won cycle lengths as flat lists of integers in
    text (``"0 9 1102 3 4 500"``: a page parses thousands of rows' lists in one numpy call, where
    JSON decoding took ten times as long). Cycle lengths are a histogram (days, count), so the
    exact median of any set of owners, teams or regions is taken from the merged histograms.
    """

    owner = models.ForeignKey("planning.Seller", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                              db_index=False)  # pipeline_rollup_owner_idx leads with (tenant, owner)
    team = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=50, blank=True)
    won_n = models.IntegerField()
    lost_n = models.IntegerField()
    open_n = models.IntegerField()
    won_cents = models.BigIntegerField()
    open_cents = models.BigIntegerField()
    pipeline_cents = models.BigIntegerField()  # open, close date in the period
    booked_cents = models.BigIntegerField()  # won, close date in the period
    # "bucket n cents …" of open deals with a created date (bucket: index in metrics.BUCKET_NAMES)
    aging = models.TextField(blank=True, default="")
    months = models.TextField(blank=True, default="")  # "yyyymm n cents …" of won deals with a close date
    cycles = models.TextField(blank=True, default="")  # "days n …" of won deals with both dates

    class Meta:
        indexes = [models.Index(fields=["tenant", "owner"], name="pipeline_rollup_owner_idx")]
