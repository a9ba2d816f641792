import json

import pytest
from django.core.management import CommandError, call_command

ISSUE_FILE = {
    "year": 2027, "target": "12000000", "over_assignment": "0.12", "attrition": "0",
    "segments": [{"name": "mid", "productivity": "400000", "ramp_months": 6}],
    "roster": [{"id": "s1", "segment": "mid", "hire_date": "2026-10-01"}],
    "hires": [{"segment": "mid", "count": 3, "start": "2027-01"}],
    "gap_hires": {"segment": "mid", "start": "2027-01"},
}


def run(tmp_path, capsys, data, *args):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    call_command("capacity", str(path), *args)
    return capsys.readouterr().out


def test_json_output_has_exactly_the_issue_keys(tmp_path, capsys):
    out = json.loads(run(tmp_path, capsys, ISSUE_FILE, "--format", "json"))
    assert set(out) == {"capacity", "gap", "quota_to_assign", "hires_needed", "months"}
    assert out["capacity"] == "1333333.33" and out["gap"] == "10666666.67"
    assert out["quota_to_assign"] == "13440000.00" and out["hires_needed"] == 34
    assert len(out["months"]) == 12
    assert all(set(m) == {"month", "ramped", "ramping", "fre", "capacity"} for m in out["months"])
    assert out["months"][0] == {"month": "2027-01", "ramped": 0, "ramping": 4, "fre": 1.1667, "capacity": "38888.89"}


def test_worked_example_through_the_command(tmp_path, capsys):
    data = {"year": 2027, "target": "12000000", "over_assignment": "0.12", "attrition": "0",
            "segments": [{"name": "ent", "productivity": "490000", "ramp_months": 6}],
            "roster": [{"id": f"r{i}", "segment": "ent", "hire_date": "2025-01-01"} for i in range(20)],
            "gap_hires": {"segment": "ent", "start": "2027-01"}}
    out = json.loads(run(tmp_path, capsys, data))  # json is the default format
    assert (out["capacity"], out["gap"], out["quota_to_assign"], out["hires_needed"]) == (
        "9800000.00", "2200000.00", "13440000.00", 6)


def test_table_format(tmp_path, capsys):
    out = run(tmp_path, capsys, ISSUE_FILE, "--format", "table")
    assert "2027-01" in out and "38,888.89" in out
    assert "quota to assign" in out and "13,440,000.00" in out and "hires needed            34" in out


@pytest.mark.parametrize(("patch", "key"), [
    ({"target": "twelve"}, "target"),
    ({"segments": [{"name": "mid", "productivity": "400000"}]}, "segments[0].ramp_months"),
    ({"hires": [{"segment": "nope", "count": 1, "start": "2027-01"}]}, "hires[0].segment"),
])
def test_invalid_file_names_the_key_and_fails(tmp_path, capsys, patch, key):
    with pytest.raises(CommandError, match=key.replace("[", r"\[").replace("]", r"\]")):
        run(tmp_path, capsys, {**ISSUE_FILE, **patch})


def test_missing_key_and_bad_json_fail(tmp_path, capsys):
    data = dict(ISSUE_FILE)
    del data["year"]
    with pytest.raises(CommandError, match="year"):
        run(tmp_path, capsys, data)
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("capacity", str(bad))


def test_exit_status_is_non_zero(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**ISSUE_FILE, "over_assignment": "lots"}))
    proc = subprocess.run([sys.executable, "manage.py", "capacity", str(path)], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "over_assignment" in proc.stderr
