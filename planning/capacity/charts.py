"""Plotly figures of capacity scenarios (rendered server-side; plotly.min.js comes from /static)."""
from __future__ import annotations

import plotly.graph_objects as go

from planning.capacity.engine import CapacityResult
from spm.web.charts import ACCENT, BRAND, PALETTE, to_html


def capacity_vs_target(result: CapacityResult, *, currency: str = "", height: int = 320) -> str:
    months = [m.month for m in result.months]
    fig = go.Figure()
    fig.add_bar(x=months, y=[float(m.capacity) for m in result.months], name="Capacity", marker_color=BRAND,
                hovertemplate=f"%{{x}}<br>{currency} %{{y:,.0f}}<extra>Capacity</extra>")
    fig.add_scatter(x=months, y=[float(m.target) for m in result.months], name="Target", mode="lines",
                    line={"color": ACCENT, "width": 2, "dash": "dash"},
                    hovertemplate=f"%{{x}}<br>{currency} %{{y:,.0f}}<extra>Target</extra>")
    fig.add_scatter(x=months, y=[float(m.fre) for m in result.months], name="FRE", yaxis="y2", mode="lines+markers",
                    line={"color": "#f59e0b", "width": 2}, hovertemplate="%{x}<br>%{y:.2f} FRE<extra></extra>")
    fig.update_layout(xaxis={"type": "category"}, yaxis={"title": {"text": currency or None}, "tickformat": ",.0f"},
                      yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero",
                              "title": {"text": "FRE"}})
    return to_html(fig, height=height)


def compare(named_results: list[tuple[str, CapacityResult]], *, currency: str = "", height: int = 340) -> str:
    fig = go.Figure()
    for i, (name, result) in enumerate(named_results):
        color = PALETTE[i % len(PALETTE)]
        months = [m.month for m in result.months]
        fig.add_scatter(x=months, y=[float(m.capacity) for m in result.months], name=f"{name} capacity",
                        mode="lines+markers", line={"color": color, "width": 2},
                        hovertemplate=f"%{{x}}<br>{currency} %{{y:,.0f}}<extra>{name}</extra>")
        fig.add_scatter(x=months, y=[float(m.target) for m in result.months], name=f"{name} target", mode="lines",
                        line={"color": color, "width": 1, "dash": "dot"},
                        hovertemplate=f"%{{x}}<br>{currency} %{{y:,.0f}}<extra>{name} target</extra>")
    fig.update_layout(xaxis={"type": "category"}, yaxis={"title": {"text": currency or None}, "tickformat": ",.0f"})
    return to_html(fig, height=height)
