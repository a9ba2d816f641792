"""Statement exports: the JSON shape of DESIGN.md and a flat CSV (one row per line)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import Prefetch

from compensation.engine.formatting import plain
from compensation.explanations import render_explanation
from compensation.models import EarningLine, Statement
from spm.services import validate_month_key

CENT = Decimal("0.01")


def _money(value) -> str:
    return str(Decimal(value).quantize(CENT))


def statements_export(*, period_from: str, period_through: str | None = None) -> list[dict]:
    """Statements of months period_from..period_through of the tenant in scope, as JSON-able dicts.

    Sorted by (seller external id, period); amounts are strings with 2 decimals; credit,
    attainment and rate are plain decimal strings or None. Three queries whatever the size.
    """
    period_through = period_through or period_from
    validate_month_key(period_from, "period_from")
    validate_month_key(period_through, "period_through")
    lines = EarningLine.objects.select_related(None).order_by("position", "id")
    statements = (
        Statement.objects.filter(period__gte=period_from, period__lte=period_through)
        .select_related("seller").prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("seller__external_id", "period")
    )
    out = []
    for st in statements:
        out.append({
            "seller": st.seller.external_id,
            "seller_name": st.seller.name,
            "period": st.period,
            "currency": st.currency,
            "status": st.status,
            "total": _money(st.total),
            "lines": [
                {
                    "component": line.component,
                    "kind": line.kind,
                    "deal": line.deal_external_id or None,
                    "amount": _money(line.amount),
                    "credit": plain(line.credit),
                    "attainment_before": plain(line.attainment_before),
                    "attainment_after": plain(line.attainment_after),
                    "rate": plain(line.rate),
                    "explanation": render_explanation(line),
                }
                for line in st.lines.all()
            ],
            # by component name: PostgreSQL's jsonb keeps its own key order (shorter keys first)
            "attainment": dict(sorted((st.attainment or {}).items())),
        })
    return out


CSV_COLUMNS = ["seller", "seller_name", "period", "currency", "status", "component", "kind", "deal", "amount",
               "explanation", "statement_total"]


def statements_csv(rows: list[dict]) -> str:
    """CSV of `statements_export` rows: one row per line, with the statement total on each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for st in rows:
        for line in st["lines"]:
            writer.writerow([
                st["seller"], st["seller_name"], st["period"], st["currency"], st["status"], line["component"],
                line["kind"], line["deal"] or "", line["amount"], line["explanation"], st["total"],
            ])
    return buffer.getvalue()
