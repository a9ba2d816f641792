"""The 1:1 agenda (pure): what a manager and a rep should talk about, built from the data.

Sections, in order: open follow-ups (overdue first), stalled/slipped/shrinking deals (the rep's
open alerts), KPI drops (last ``WINDOW_DAYS`` against the ``WINDOW_DAYS`` before), and forecast
changes (the rep's last two calls for the current quarter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

WINDOW_DAYS = 90
BOOKINGS_DROP = 0.2  # bookings down by at least 20 %
WIN_RATE_DROP = 0.1  # win rate down by at least 10 points


@dataclass
class AgendaItem:
    section: str
    text: str
    link: str = ""


@dataclass
class Agenda:
    items: list[AgendaItem] = field(default_factory=list)

    def section(self, name: str) -> list[AgendaItem]:
        return [i for i in self.items if i.section == name]


def kpi_window(closed: list[tuple[date, bool, float]], start: date, end: date) -> dict:
    """Won count, lost count, bookings and win rate of the deals closed in [start, end]."""
    rows = [(won, amount) for day, won, amount in closed if start <= day <= end]
    won = sum(1 for w, _ in rows if w)
    lost = len(rows) - won
    bookings = sum(a for w, a in rows if w)
    return {"won": won, "lost": lost, "bookings": bookings, "win_rate": (won / len(rows)) if rows else None}


def kpi_drops(closed: list[tuple[date, bool, float]], today: date) -> list[str]:
    """Sentences for the KPIs that dropped in the last window against the one before."""
    recent = kpi_window(closed, today - timedelta(days=WINDOW_DAYS - 1), today)
    before = kpi_window(closed, today - timedelta(days=2 * WINDOW_DAYS - 1), today - timedelta(days=WINDOW_DAYS))
    out = []
    if before["bookings"] > 0 and recent["bookings"] <= before["bookings"] * (1 - BOOKINGS_DROP):
        change = (recent["bookings"] - before["bookings"]) / before["bookings"]
        out.append(f"Bookings {recent['bookings']:,.0f} in the last {WINDOW_DAYS} days vs "
                   f"{before['bookings']:,.0f} in the {WINDOW_DAYS} before ({change:+.0%}).")
    if (recent["win_rate"] is not None and before["win_rate"] is not None
            and recent["win_rate"] <= before["win_rate"] - WIN_RATE_DROP):
        out.append(f"Win rate {recent['win_rate']:.0%} ({recent['won']} of {recent['won'] + recent['lost']}) vs "
                   f"{before['win_rate']:.0%} before.")
    return out


def forecast_change(calls: list[tuple[date, float, float]]) -> str | None:
    """The change between the last two calls (``(date, commit, best_case)``, newest first)."""
    if len(calls) < 2:
        return None
    (d1, c1, b1), (d0, c0, b0) = calls[0], calls[1]
    if c1 == c0 and b1 == b0:
        return None
    return (f"Commit {c0:,.0f} → {c1:,.0f} ({c1 - c0:+,.0f}), best case {b0:,.0f} → {b1:,.0f} "
            f"between {d0.isoformat()} and {d1.isoformat()}.")


def build_agenda(
    *,
    today: date,
    follow_ups: list[tuple[str, date, str]],
    deal_alerts: list[tuple[str, str]],
    closed: list[tuple[date, bool, float]],
    calls: list[tuple[date, float, float]],
) -> Agenda:
    """``follow_ups``: (title, due, link); ``deal_alerts``: (message + action, link)."""
    agenda = Agenda()
    for title, due, link in sorted(follow_ups, key=lambda f: f[1]):
        late = " — overdue" if due < today else ""
        agenda.items.append(AgendaItem("Follow-ups", f"{title} (due {due.isoformat()}{late})", link))
    for text, link in deal_alerts:
        agenda.items.append(AgendaItem("Deals at risk", text, link))
    for text in kpi_drops(closed, today):
        agenda.items.append(AgendaItem("KPI drops", text))
    change = forecast_change(calls)
    if change:
        agenda.items.append(AgendaItem("Forecast changes", change))
    return agenda
