"""`manage.py bench` rewrites only the sections of the steps it ran (marker comments per section)."""

from __future__ import annotations

from spm.hub.demo.bench import replace_section


def test_a_run_replaces_its_own_section_and_keeps_the_others(tmp_path):
    path = tmp_path / "benchmarks.md"
    replace_section(path, "main", "| main | 1 s |")
    replace_section(path, "crm-import", "## CRM import\n\n| import | 2 s |")
    replace_section(path, "main", "| main | 3 s |")
    text = path.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "| main | 3 s |" in text and "| main | 1 s |" not in text
    assert "| import | 2 s |" in text
    assert text.index("bench:main") < text.index("bench:crm-import")  # the section stays where it was


def test_a_section_written_before_the_markers_is_replaced_not_duplicated(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\n## CRM import\n\nold figures\n\n## Load\n\nkept\n")
    replace_section(path, "crm-import", "## CRM import\n\nnew figures", legacy_heading="## CRM import")
    text = path.read_text()
    assert "old figures" not in text and text.count("## CRM import") == 1
    assert "new figures" in text and "## Load\n\nkept" in text
