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
from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import plotly.io as pio
from plotly.utils import PlotlyJSONEncoder

from spm.caching import cached_value
from spm.formatting import month_label, percent_ticks, period_label

BRAND = "#4f46e5"
ACCENT = "#06b6d4"
PALETTE = [BRAND, ACCENT, "#f59e0b", "#10b981", "#ef4444", "#8b5cf6"]


LAYOUT = {
    "margin": {"l": 50, "r": 50, "t": 20, "b": 40},
    "font": {"family": "Inter, Segoe UI, system-ui, sans-serif", "size": 12, "color": "#334155"},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    "hoverlabel": {"font": {"family": "Inter, system-ui, sans-serif"}},
    "colorway": PALETTE,
    "bargap": 0.35,
}


CONFIG = {"displayModeBar": False, "responsive": True}


@functools.cache
def _template_json() -> str:
    """The plotly_white template as JSON, built once per process.

    Setting `template="plotly_white"` through fig.update_layout validates and deep-copies the whole
    template on every figure (~100-200 ms a chart under load, most of a dashboard's time); the same
    JSON is merged into the figure's plain dict instead, which gives the browser the same figure.
    """
    return json.dumps(pio.templates["plotly_white"].to_plotly_json(), cls=PlotlyJSONEncoder)


def _merge(into: dict, values: dict) -> dict:
    """update_layout's rule on plain dicts: nested dicts merge, `values` wins."""
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def to_html(fig: go.Figure, *, height: int = 320) -> str:
    payload = json.loads(pio.to_json(fig, validate=False))
    layout = payload.setdefault("layout", {})
    layout.pop("template", None)
    _merge(layout, {**LAYOUT, "height": height})
    layout["template"] = json.loads(_template_json())
    return chart_fragment(payload, config=CONFIG)


@functools.cache
def _base_layout() -> dict:
    """The layout ``to_html`` gives every figure (LAYOUT over the plotly_white template), built once."""
    return _merge({"template": json.loads(_template_json())}, {**LAYOUT, "height": 320})


def spec_html(data: list[dict], *, layout: dict | None = None, height: int = 320) -> str:
    """A figure given as plotly.js JSON — traces (``{"type": "bar", "x": …}``) and layout keys on
    top of ``to_html``'s — rendered the same way without building plotly objects (cheap enough
    for pages that draw fresh figures on every request)."""
    full = copy.deepcopy(_base_layout())
    full.update(layout or {}, height=height)
    return _fragment({"data": data, "layout": full, "config": CONFIG})


_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def chart_fragment(fig: go.Figure | dict, *, config: dict | None = None) -> str:
    """The CSP-safe HTML of a figure (or its plain dict): a target div and a JSON data block (see the
    module docstring)."""
    payload = dict(fig) if isinstance(fig, dict) else json.loads(pio.to_json(fig, validate=False))
    payload["config"] = config or {}
    return _fragment(payload)


def _fragment(payload: dict) -> str:
    target = f"chart-{uuid.uuid4().hex[:12]}"
    # Escaped like Django's json_script: the JSON can never close its <script> element.
    data = json.dumps(payload, separators=(",", ":")).translate(_JSON_ESCAPES)
    return (f'<div id="{target}" class="plotly-graph-div" style="width:100%"></div>'
            f'<script type="application/json" data-chart="{target}">{data}</script>')


def _labels(x: Sequence) -> list[str]:
    """Periods on an axis read as words: '2026-11' → 'Nov 2026', a date → its month."""
    return [month_label(v) if hasattr(v, "month") else period_label(str(v)) for v in x]


# Money axes on plotly's own round steps with short suffixes (20k, 1.5M, 2B; never "G" for billions).
MONEY_TICKS = {"exponentformat": "B", "separatethousands": True}


def bars(x: Sequence, y: Sequence, *, name: str, currency: str = "", height: int = 320) -> str:
    trace = {"type": "bar", "x": _labels(x), "y": [float(v) for v in y], "name": name, "marker": {"color": BRAND},
             "hovertemplate": f"%{{x}}<br>{currency} %{{y:,.0f}}<extra></extra>"}
    yaxis = {**MONEY_TICKS, **({"title": {"text": currency}} if currency else {})}
    return spec_html([trace], layout={"xaxis": {"type": "category"}, "yaxis": yaxis}, height=height)


CACHE_SECONDS = 3600


def _cached(inputs: tuple, build: Callable[[], str]) -> str:
    """The fragment `build` makes of `inputs`, from the cache when the same inputs were drawn before.

    Building a plotly figure and its JSON costs 10–30 ms, more than the rest of a statement page;
    the fragment depends only on its inputs, so they are the key. Each use gets a fresh target id
    (two identical charts on one page still draw into two divs).
    """
    html = cached_value("chart", inputs, build, seconds=CACHE_SECONDS)
    old = html[html.index('id="') + 4:html.index('"', html.index('id="') + 4)]
    return html.replace(old, f"chart-{uuid.uuid4().hex[:12]}")


def cached_chart(name: str, inputs: tuple, build: Callable[[], str]) -> str:
    """A page's own figure drawn once per distinct `inputs` (see `_cached`); `inputs` must hold
    everything `build` draws from (their repr is the key)."""
    return _cached((name, *inputs), build)


def earnings_and_attainment(
    periods: Sequence[str], earnings: Sequence, attainment: dict[str, Sequence], *, currency: str = "", height: int = 320
) -> str:
    """Bars of earnings per month with one attainment line per component on a second axis (cached)."""
    inputs = ("earnings_and_attainment", tuple(periods), tuple(earnings),
              tuple((k, tuple(v)) for k, v in attainment.items()), currency, height)
    return _cached(inputs, lambda: _earnings_and_attainment(periods, earnings, attainment, currency=currency,
                                                            height=height))


def _earnings_and_attainment(periods, earnings, attainment, *, currency: str, height: int) -> str:
    fig = go.Figure()
    labels = _labels(periods)
    fig.add_bar(x=labels, y=[float(v) for v in earnings], name="Earnings", marker_color=BRAND,
                hovertemplate=f"%{{x}}<br>{currency} %{{y:,.2f}}<extra>Earnings</extra>")
    top = max((float(v) for values in attainment.values() for v in values if v is not None), default=1.0)
    for i, (component, values) in enumerate(attainment.items()):
        fig.add_scatter(
            x=labels, y=[None if v is None else float(v) for v in values], name=f"{component} attainment",
            yaxis="y2", mode="lines+markers", line={"color": PALETTE[(i + 1) % len(PALETTE)], "width": 2},
            hovertemplate="%{x}<br>%{y:.1%}<extra>" + component + "</extra>", connectgaps=True,
        )
    fig.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": {"text": currency or None}, **MONEY_TICKS},
        # Round steps (0, 100, 200, 300 %), not plotly's auto ticks of the data's range (56 / 113 / 169 %).
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "showgrid": False,
                "tickmode": "array", "tickvals": percent_ticks(top), "range": [0, percent_ticks(top)[-1] * 1.04]},
    )
    return to_html(fig, height=height)


def donut(labels: Sequence[str], values: Sequence, *, height: int = 300) -> str:
    # Empty slices are left out: plotly would print a stray "0" label for each.
    shown = [(label, value) for label, value in zip(labels, values, strict=True) if value]
    fig = go.Figure(go.Pie(labels=[label for label, _ in shown], values=[value for _, value in shown], hole=0.6,
                           sort=False, marker={"colors": PALETTE}, texttemplate="%{value:,}",
                           hovertemplate="%{label}: %{value:,}<extra></extra>"))
    return to_html(fig, height=height)
