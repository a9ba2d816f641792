"""Plotly figures of the liability page (rendered server-side, plotly.js from /static)."""

from __future__ import annotations

import plotly.graph_objects as go

from spm.formatting import period_label
from spm.web.charts import PALETTE, to_html

from .selectors import BUCKET_LABELS


def liability_bars(rows: list[dict], *, currency: str) -> str:
    """Stacked bars per month: accrued, approved unpaid, paid."""
    periods = [period_label(r["period"]) for r in rows]  # "Nov 2026", as the month table names them
    fig = go.Figure()
    for i, bucket in enumerate(("paid", "approved_unpaid", "accrued")):
        fig.add_bar(x=periods, y=[float(r[bucket]) for r in rows], name=BUCKET_LABELS[bucket],
                    marker_color=PALETTE[i], hovertemplate=f"%{{x}}<br>{currency} %{{y:,.2f}}<extra>{BUCKET_LABELS[bucket]}</extra>")
    fig.update_layout(barmode="stack", xaxis={"type": "category"}, yaxis={"tickformat": ",.0f", "title": {"text": currency}})
    return to_html(fig)


def cost_of_sales_line(rows: list[dict]) -> str:
    fig = go.Figure(go.Scatter(x=[period_label(r["period"]) for r in rows], y=[float(r["ratio"]) if r["ratio"] is not None else None for r in rows],
                               mode="lines+markers", name="Comp cost of sales", line={"color": PALETTE[0], "width": 2},
                               hovertemplate="%{x}<br>%{y:.2f}% of bookings<extra></extra>"))
    fig.update_layout(xaxis={"type": "category"}, yaxis={"ticksuffix": "%", "rangemode": "tozero"})
    return to_html(fig, height=260)
