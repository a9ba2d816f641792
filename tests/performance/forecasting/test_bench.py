"""The bench step of the weighted-forecast refresh and its section of docs/benchmarks.md."""

from __future__ import annotations

from performance.forecasting import bench

INFO = {"date": "2026-12-02", "cpus": "2", "python": "3.11.7"}


def test_the_refresh_figure_weights_every_deal_into_the_top_of_the_tree():
    wall, floor, detail = bench.weighted_refresh_figure(n_open=20_000, n_sellers=200)
    assert wall > 0 and floor > 0
    assert "20,000 open deals" in detail and "meets the ≤ 3 s target" in detail


def test_its_section_goes_before_the_import_section_and_is_replaced_on_rerun(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n| a |\n\n## CRM import at scale\n\nimport rows\n")
    bench.write_section(path, command="bench --forecast-only", info=INFO, row="| first |")
    bench.write_section(path, command="bench --forecast-only", info=INFO, row="| second |")
    text = path.read_text()
    assert text.count(bench.SECTION) == 1 and "| second |" in text and "| first |" not in text
    assert text.index(bench.SECTION) < text.index("## CRM import at scale")
    assert text.endswith("import rows\n")
