"""Plotly figures of the pipeline page, rendered with the shared ``spm.web.charts`` helpers."""

from __future__ import annotations

from decimal import Decimal

from spm.formatting import period_label
from spm.web.charts import BRAND, PALETTE, bars, spec_html


def aging_chart(aging: dict, *, currency: str) -> str:
    return bars(list(aging), [Decimal(v["amount"]) for v in aging.values()], name="Open amount", currency=currency, height=260)


def bookings_chart(by_quarter: dict, *, currency: str, fy_start_month: int = 1) -> str:
    labels = [period_label(k, fy_start_month) for k in by_quarter]  # "Q3 2026", as the other pages say
    return bars(labels, [Decimal(v) for v in by_quarter.values()], name="Bookings", currency=currency, height=260)


def flow_chart(flow: dict, *, currency: str) -> str:
    """Waterfall: open at start + created − won − lost = open at end (amounts)."""
    amounts = {k: float(Decimal(v["amount"])) for k, v in flow.items()}
    trace = {
        "type": "waterfall", "x": ["Open at start", "Created", "Won", "Lost", "Open at end"],
        "measure": ["absolute", "relative", "relative", "relative", "total"],
        "y": [amounts["open_start"], amounts["created"], -amounts["won"], -amounts["lost"], 0],
        "increasing": {"marker": {"color": PALETTE[3]}}, "decreasing": {"marker": {"color": PALETTE[4]}},
        "totals": {"marker": {"color": BRAND}}, "hovertemplate": f"%{{x}}<br>{currency} %{{y:,.2f}}<extra></extra>",
    }
    return spec_html([trace], layout={"yaxis": {"tickformat": ",.0f", "title": {"text": currency}}}, height=280)


def owner_chart(by_owner: dict, *, currency: str, limit: int = 15) -> str:
    """Open pipeline and bookings of the largest owners (horizontal bars)."""
    rows = sorted(by_owner.items(), key=lambda kv: -float(Decimal(kv[1]["open_amount"])))[:limit]
    rows.reverse()
    names = [k for k, _ in rows]
    traces = [{"type": "bar", "y": names, "x": [float(Decimal(m[key])) for _, m in rows], "name": label,
               "orientation": "h", "marker": {"color": color}}
              for key, label, color in (("open_amount", "Open", BRAND), ("bookings", "Bookings", PALETTE[1]))]
    return spec_html(traces, layout={"xaxis": {"tickformat": ",.0f", "title": {"text": currency}}, "barmode": "group"},
                     height=max(240, 28 * len(rows) + 80))
