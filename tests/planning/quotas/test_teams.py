"""A long quota grid opens on one row per team (first-line manager) with totals; ?team= shows one team."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from planning.quotas.views import _by_team


def _grid(teams: int, size: int) -> dict:
    rows = [{"seller": SimpleNamespace(pk=1, name="VP"), "indent": 0, "reports": teams, "values": [Decimal(0)],
             "total": Decimal(0)}]
    pk = 2
    for _ in range(teams):
        rows.append({"seller": SimpleNamespace(pk=pk, name=f"M{pk}"), "indent": 18, "reports": size,
                     "values": [Decimal(0)], "total": Decimal(0)})
        pk += 1
        for _ in range(size):
            rows.append({"seller": SimpleNamespace(pk=pk, name=f"R{pk}"), "indent": 36, "reports": 0,
                         "values": [Decimal(100)], "total": Decimal(100)})
            pk += 1
    return {"rows": rows, "totals": [Decimal(100 * teams * size)], "grand_total": Decimal(100 * teams * size)}


def test_a_long_grid_is_grouped_by_first_line_manager_with_team_totals():
    grid = _grid(teams=4, size=9)
    context = _by_team(grid, "")
    assert [t["head"]["seller"].name for t in context["teams"]] == ["M2", "M12", "M22", "M32"]
    assert [(t["size"], t["total"]) for t in context["teams"]] == [(9, Decimal(900))] * 4
    assert context["team"] is None and len(grid["rows"]) == 41  # the summary: rows untouched


def test_one_team_per_page_with_its_own_total_and_neighbours():
    grid = _grid(teams=4, size=9)
    context = _by_team(grid, "12")
    assert [r["seller"].name for r in grid["rows"]][:2] == ["M12", "R13"] and len(grid["rows"]) == 10
    assert grid["grand_total"] == Decimal(900)
    assert (context["previous_team"].name, context["next_team"].name) == ("M2", "M22")


def test_a_short_grid_stays_whole():
    grid = _grid(teams=2, size=3)
    assert _by_team(grid, "")["teams"] is None and len(grid["rows"]) == 9
