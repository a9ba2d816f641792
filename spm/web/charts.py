"""Server-side plotly figures rendered to an HTML fragment (plotly.min.js comes from /static)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

BRAND = "#4f46e5"
ACCENT = "#06b6d4"
PALETTE = [BRAND, ACCENT, "#f59e0b", "#10b981", "#ef4444", "#8b5cf6"]


def to_html(fig: go.Figure, *, height: int = 320) -> str:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 50, "r": 50, "t": 20, "b": 40},
        font={"family": "Inter, Segoe UI, system-ui, sans-serif", "size": 12, "color": "#334155"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": "Inter, system-ui, sans-serif"}},
        colorway=PALETTE,
        bargap=0.35,
    )
    return pio.to_html(
        fig, include_plotlyjs=False, full_html=False, default_width="100%",
        config={"displayModeBar": False, "responsive": True},
    )


def bars(x: Sequence, y: Sequence, *, name: str, currency: str = "", height: int = 320) -> str:
    fig = go.Figure(go.Bar(x=list(x), y=[float(v) for v in y], name=name, marker_color=BRAND,
                           hovertemplate=f"%{{x}}<br>{currency} %{{y:,.2f}}<extra></extra>"))
    fig.update_yaxes(tickformat=",.0f", title_text=currency or None)
    fig.update_xaxes(type="category")
    return to_html(fig, height=height)


def earnings_and_attainment(
    periods: Sequence[str], earnings: Sequence, attainment: dict[str, Sequence], *, currency: str = "", height: int = 320
) -> str:
    """Bars of earnings per month with one attainment line per component on a second axis."""
    fig = go.Figure()
    fig.add_bar(x=list(periods), y=[float(v) for v in earnings], name="Earnings", marker_color=BRAND,
                hovertemplate=f"%{{x}}<br>{currency} %{{y:,.2f}}<extra>Earnings</extra>")
    for i, (component, values) in enumerate(attainment.items()):
        fig.add_scatter(
            x=list(periods), y=[None if v is None else float(v) for v in values], name=f"{component} attainment",
            yaxis="y2", mode="lines+markers", line={"color": PALETTE[(i + 1) % len(PALETTE)], "width": 2},
            hovertemplate="%{x}<br>%{y:.1%}<extra>" + component + "</extra>", connectgaps=True,
        )
    fig.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": {"text": currency or None}, "tickformat": ",.0f"},
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "showgrid": False, "rangemode": "tozero"},
    )
    return to_html(fig, height=height)


def donut(labels: Sequence[str], values: Sequence, *, height: int = 300) -> str:
    fig = go.Figure(go.Pie(labels=list(labels), values=list(values), hole=0.6, sort=False,
                           marker={"colors": PALETTE}, textinfo="value"))
    return to_html(fig, height=height)
