"""The generated 1:1 agenda on hand-computed inputs (no database)."""

from __future__ import annotations

from datetime import date

from performance.coaching import engine

TODAY = date(2027, 3, 31)


def test_kpi_drops_compare_the_last_90_days_with_the_90_before():
    closed = [
        (date(2027, 3, 1), True, 1000.0), (date(2027, 2, 1), False, 500.0), (date(2027, 1, 15), False, 700.0),
        (date(2026, 12, 1), True, 3000.0), (date(2026, 11, 1), True, 2000.0), (date(2026, 10, 15), False, 100.0),
    ]
    # last 90 days (Jan 1..Mar 31): 1 won of 3, bookings 1,000; before (Oct 3..Dec 31): 2 of 3, 5,000.
    assert engine.kpi_drops(closed, TODAY) == [
        "Bookings 1,000 in the last 90 days vs 5,000 in the 90 before (-80%).",
        "Win rate 33% (1 of 3) vs 67% before.",
    ]
    assert engine.kpi_drops([(date(2027, 3, 1), True, 10.0)], TODAY) == []


def test_the_agenda_lists_overdue_follow_ups_first_then_deals_kpis_and_forecast_changes():
    agenda = engine.build_agenda(
        today=TODAY,
        follow_ups=[("Send pricing", date(2027, 4, 5), ""), ("Call the CFO", date(2027, 3, 20), "/d/1/")],
        deal_alerts=[("Stalled: 40 days in Demo. Book a next step.", "/d/2/")],
        closed=[],
        calls=[(date(2027, 3, 28), 120.0, 200.0), (date(2027, 3, 21), 100.0, 180.0)],
    )
    assert [(i.section, i.text) for i in agenda.items] == [
        ("Follow-ups", "Call the CFO (due 2027-03-20 — overdue)"),
        ("Follow-ups", "Send pricing (due 2027-04-05)"),
        ("Deals at risk", "Stalled: 40 days in Demo. Book a next step."),
        ("Forecast changes", "Commit 100 → 120 (+20), best case 180 → 200 between 2027-03-21 and 2027-03-28."),
    ]
    assert engine.forecast_change([(TODAY, 1.0, 2.0)]) is None
