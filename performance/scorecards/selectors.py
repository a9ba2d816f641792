"""Reads for scorecards: one aggregate query for the deals, one for sellers, one for quotas.

Attainment is bookings ÷ the ramp-adjusted quota from the Plan pillar's quotas (through
``planning.selectors``), computed here in Perform: Pay's own attainment (per comp-plan component,
with splits and roll-ups) stays on the statements.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from django.db.models import Case, Count, DateField, DurationField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import TruncMonth

from performance.pipeline import metrics
from performance.pipeline.selectors import (
    PipelineFilters,
    id_set,
    quota_rows_for,
    scoped_deals,
    seller_infos,
    with_base_amount,
)
from performance.scorecards import engine
from spm.tenancy.access import TenantAccess


def scorecard_cells(qs, *, as_of: date) -> pd.DataFrame:
    """The scorecard cell frame of ``engine`` for the deals of ``qs`` (one aggregate query)."""
    qs, amount = with_base_amount(qs, as_of)
    rows = (
        qs.annotate(
            _close=TruncMonth("close_date", output_field=DateField()),
            _created=TruncMonth("created_date", output_field=DateField()),
            _cycle=Case(
                When(Q(is_won=True) & Q(created_date__isnull=False) & Q(close_date__isnull=False),
                     then=ExpressionWrapper(F("close_date") - F("created_date"), output_field=DurationField())),
                default=Value(None), output_field=DurationField(),
            ),
        )
        .values("owner_id", "deal_type", "is_closed", "is_won", "_close", "_created", "_cycle")
        .annotate(_n=Count("id"), _sum=Sum(amount))
        .order_by()
    )
    data = [
        (r["owner_id"], r["deal_type"], bool(r["is_closed"]), bool(r["is_won"]), _d(r["_close"]), _d(r["_created"]),
         float(r["_cycle"].days) if r["_cycle"] is not None else float("nan"), int(r["_n"]),
         metrics.to_cents(r["_sum"] or 0))
        for r in rows
    ]
    return pd.DataFrame(data, columns=list(engine.CELL_COLUMNS))


def meeting_cells(*, access: TenantAccess, owner_ids: list[int]) -> pd.DataFrame:
    """Meetings held per owner and month (``engine.MEETING_COLUMNS``), one aggregate query."""
    from performance.activities.selectors import meetings_by_owner_month

    rows = meetings_by_owner_month(access=access, owner_ids=owner_ids)
    return pd.DataFrame([(o, _d(m), n) for o, m, n in rows], columns=list(engine.MEETING_COLUMNS))


def _d(v):
    if v is None:
        return None
    return v.date() if hasattr(v, "hour") else v


def scorecard_data(*, access: TenantAccess, as_of: date, filters: PipelineFilters | None = None) -> dict:
    """Cells, sellers and quotas of the viewer's scope: what ``engine.scorecards``/``trend`` take."""
    sellers = seller_infos(access=access, filters=filters)
    ids = [s.id for s in sellers]
    # Deals of the sellers in scope, whatever team/region the deal itself carries: a scorecard
    # belongs to the seller (their quota), so team and region are the seller's own.
    qs = scoped_deals(access=access)
    if filters is not None and filters.as_query():
        qs = qs.filter(owner_id__in=id_set(ids))
    return {
        "cells": scorecard_cells(qs, as_of=as_of),
        "sellers": sellers,
        "quotas": quota_rows_for(access=access, seller_ids=ids),
        "meetings": meeting_cells(access=access, owner_ids=ids),
        "fy": access.tenant.fiscal_year_start_month,
    }
