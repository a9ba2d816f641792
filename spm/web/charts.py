"""Server-side plotly figures rendered to an HTML fragment (plotly.min.js comes from /static).

No inline script (Content-Security-Policy): a figure is a ``<div>`` plus its JSON in a
``<script type="application/json" data-chart="<div id>">`` block, which the browser never runs;
static/js/charts.js finds every such block (on load and after each htmx swap) and draws it.
Templates include ``_chart_head.html`` and output the fragment with ``{{ chart|safe }}``.
"""

from __future__ import annotations

import copy
import functools
import json
import uuid
from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

BRAND = "#4f46e5"
ACCENT = "#06b6d4"
PALETTE = [BRAND, ACCENT, "#f59e0b", "#10b981", "#ef4444", "#8b5cf6"]


CONFIG = {"displayModeBar": False, "responsive": True}


def _style(fig: go.Figure, height: int) -> go.Figure:
    return fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 50, "r": 50, "t": 20, "b": 40},
        font={"family": "Inter, Segoe UI, system-ui, sans-serif", "size": 12, "color": "#334155"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": "Inter, system-ui, sans-serif"}},
        colorway=PALETTE,
        bargap=0.35,
    )


def to_html(fig: go.Figure, *, height: int = 320) -> str:
    return chart_fragment(_style(fig, height), config=CONFIG)


@functools.cache
def _base_layout() -> dict:
    """The layout ``to_html`` gives every figure, built once: expanding the plotly_white template
    through plotly's validators costs ~0.1 s per figure, more than a whole page of figures."""
    return json.loads(pio.to_json(_style(go.Figure(), 320), validate=False))["layout"]


def spec_html(data: list[dict], *, layout: dict | None = None, height: int = 320) -> str:
    """A figure given as plotly.js JSON — traces (``{"type": "bar", "x": …}``) and layout keys on
    top of ``to_html``'s — rendered the same way without building plotly objects (cheap enough
    for pages that draw fresh figures on every request)."""
    full = copy.deepcopy(_base_layout())
    full.update(layout or {}, height=height)
    return _fragment({"data": data, "layout": full, "config": CONFIG})


_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def chart_fragment(fig: go.Figure, *, config: dict | None = None) -> str:
    """The CSP-safe HTML of a figure: a target div and a JSON data block (see the module docstring)."""
    payload = json.loads(pio.to_json(fig, validate=False))
    payload["config"] = config or {}
    return _fragment(payload)


def _fragment(payload: dict) -> str:
    target = f"chart-{uuid.uuid4().hex[:12]}"
    # Escaped like Django's json_script: the JSON can never close its <script> element.
    data = json.dumps(payload, separators=(",", ":")).translate(_JSON_ESCAPES)
    return (f'<div id="{target}" class="plotly-graph-div" style="width:100%"></div>'
            f'<script type="application/json" data-chart="{target}">{data}</script>')


def bars(x: Sequence, y: Sequence, *, name: str, currency: str = "", height: int = 320) -> str:
    trace = {"type": "bar", "x": list(x), "y": [float(v) for v in y], "name": name, "marker": {"color": BRAND},
             "hovertemplate": f"%{{x}}<br>{currency} %{{y:,.2f}}<extra></extra>"}
    yaxis = {"tickformat": ",.0f", **({"title": {"text": currency}} if currency else {})}
    return spec_html([trace], layout={"xaxis": {"type": "category"}, "yaxis": yaxis}, height=height)


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
