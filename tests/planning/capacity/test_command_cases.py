"""Hidden-case style checks of ``manage.py capacity FILE`` (issue 9, item 1), computed by hand.

Every expected string below was worked out on paper from the issue's text (ramp
``productivity / 12 × min(m / ramp_months, 1)``, hire month m = 1, gap = target − capacity,
hires_needed the smallest n closing it), not read back from the engine.
"""
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command


def run(tmp_path, capsys, data, *args):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    call_command("capacity", str(path), *args)
    return json.loads(capsys.readouterr().out)


def month(m, ramped, ramping, fre, capacity):
    return {"month": f"2027-{m:02d}", "ramped": ramped, "ramping": ramping, "fre": fre, "capacity": capacity}


def test_worked_example_year_is_exact_not_the_sum_of_rounded_months(tmp_path, capsys):
    out = run(tmp_path, capsys, {
        "year": 2027, "target": "12000000", "over_assignment": "0.12", "attrition": "0",
        "segments": [{"name": "ent", "productivity": "490000", "ramp_months": 6}],
        "roster": [{"id": f"r{i}", "segment": "ent", "hire_date": "2026-01-01"} for i in range(20)],
        "hires": [], "gap_hires": {"segment": "ent", "start": "2027-01"},
    })
    # 20 × 490,000 / 12 = 816,666.666… a month; the 12 rounded months sum to 9,800,000.04.
    assert out["months"] == [month(m, 20, 0, 20, "816666.67") for m in range(1, 13)]
    assert (out["capacity"], out["gap"], out["quota_to_assign"], out["hires_needed"]) == (
        "9800000.00", "2200000.00", "13440000.00", 6)


def test_tenure_by_hire_date_and_hires_in_and_out_of_the_year(tmp_path, capsys):
    # 120,000 a year = 10,000 a month; 4-month ramp: 0.25, 0.5, 0.75, 1.
    out = run(tmp_path, capsys, {
        "year": 2027, "target": "1000000", "over_assignment": "0", "attrition": "0",
        "segments": [{"name": "s", "productivity": "120000", "ramp_months": 4}],
        "roster": [
            {"id": "a", "segment": "s", "hire_date": "2026-11-15"},  # Nov m1, Dec m2, Jan m3 (0.75), Feb on 1
            {"id": "b", "segment": "s", "hire_date": "2027-03-31"},  # Mar m1 (0.25) … Jun on 1
            {"id": "c", "segment": "s", "hire_date": "2028-01-01"},  # after the year: nothing
            {"id": "d", "segment": "s", "hire_date": "2020-05-05"},  # long ramped
        ],
        "hires": [
            {"segment": "s", "count": 0, "start": "2027-02"},
            {"segment": "s", "count": 2, "start": "2028-01"},
            {"segment": "s", "count": 1, "start": "2027-12"},  # Dec m1: 0.25
        ],
        "gap_hires": {"segment": "s", "start": "2027-07"},
        "an_extra_key": "ignored",
    })
    assert out["months"] == [
        month(1, 1, 1, 1.75, "17500.00"),
        month(2, 2, 0, 2, "20000.00"),
        month(3, 2, 1, 2.25, "22500.00"),
        month(4, 2, 1, 2.5, "25000.00"),
        month(5, 2, 1, 2.75, "27500.00"),
        *[month(m, 3, 0, 3, "30000.00") for m in range(6, 12)],
        month(12, 3, 1, 3.25, "32500.00"),
    ]
    # FRE-months: a 11.75 + b 8.5 + d 12 + Dec hire 0.25 = 32.5 → 325,000.
    assert out["capacity"] == "325000.00" and out["gap"] == "675000.00"
    assert out["quota_to_assign"] == "1000000.00"
    # A July gap hire: 0.25 + 0.5 + 0.75 + 3 × 1 = 4.5 FRE-months = 45,000; 675,000 / 45,000 = 15
    # exactly (14 give 630,000 < 675,000): the boundary must not round up to 16.
    assert out["hires_needed"] == 15


def test_curve_ramp_one_ramp_zero_several_segments_capacity_above_target(tmp_path, capsys):
    out = run(tmp_path, capsys, {
        "year": 2027, "target": "300000", "over_assignment": "0", "attrition": "0",
        "segments": [
            {"name": "ent", "productivity": "240000", "ramp_curve": ["0", "0.25", "0.5"]},  # 20,000/month
            {"name": "smb", "productivity": "60000", "ramp_months": 1},  # 5,000/month, productive at once
            {"name": "inb", "productivity": "36000", "ramp_months": 0},  # 3,000/month, productive at once
        ],
        "roster": [
            {"id": "e1", "segment": "ent", "hire_date": "2027-10-01"},  # Oct 0 (present, ramping), Nov .25, Dec .5
            {"id": "e2", "segment": "ent", "hire_date": "2026-12-20"},  # Jan m2 .25, Feb m3 .5, Mar on 1
            {"id": "m1", "segment": "smb", "hire_date": "2027-06-10"},
            {"id": "i1", "segment": "inb", "hire_date": "2027-01-01"},
        ],
        "hires": [{"segment": "smb", "count": 2, "start": "2027-12"}],
        "gap_hires": {"segment": "ent", "start": "2027-01"},
    })
    assert out["months"] == [
        month(1, 1, 1, 1.25, "8000.00"),
        month(2, 1, 1, 1.5, "13000.00"),
        *[month(m, 2, 0, 2, "23000.00") for m in (3, 4, 5)],
        *[month(m, 3, 0, 3, "28000.00") for m in (6, 7, 8, 9)],
        month(10, 3, 1, 3, "28000.00"),
        month(11, 3, 1, 3.25, "33000.00"),
        month(12, 5, 1, 5.5, "48000.00"),
    ]
    # 15,000 + 215,000 + 35,000 + 36,000 + 10,000
    assert (out["capacity"], out["gap"], out["quota_to_assign"], out["hires_needed"]) == (
        "311000.00", "-11000.00", "300000.00", 0)


def test_target_zero(tmp_path, capsys):
    out = run(tmp_path, capsys, {
        "year": 2027, "target": "0", "over_assignment": "0.12",
        "segments": [{"name": "s", "productivity": "120000", "ramp_months": 0}],
        "roster": [{"id": "a", "segment": "s", "hire_date": "2027-12-01"}],
    })
    assert (out["capacity"], out["gap"], out["quota_to_assign"], out["hires_needed"]) == (
        "10000.00", "-10000.00", "0.00", 0)


def test_attrition_without_replacements(tmp_path, capsys):
    # 12 ramped heads, 50 % a year → 0.5 head leaves at the end of each month: 12, 11.5, …, 6.5.
    out = run(tmp_path, capsys, {
        "year": 2027, "target": "2000000", "over_assignment": "0", "attrition": "0.5",
        "segments": [{"name": "s", "productivity": "120000", "ramp_months": 0}],
        "roster": [{"id": f"r{i}", "segment": "s", "hire_date": "2020-01-01"} for i in range(12)],
        "gap_hires": {"segment": "s", "start": "2027-01"},
    })
    heads = [12 - 0.5 * k for k in range(12)]
    assert out["months"] == [
        month(k + 1, int(h) if h == int(h) else h, 0, int(h) if h == int(h) else h, f"{int(h * 10000)}.00")
        for k, h in enumerate(heads)
    ]
    # Σ heads = 144 − 0.5 × 66 = 111 → 1,110,000; a January gap hire (same attrition): 12 − 0.5 × 66 / 12
    # = 9.25 head-months = 92,500; 890,000 / 92,500 = 9.62 → 10 (9 give 832,500).
    assert (out["capacity"], out["gap"], out["hires_needed"]) == ("1110000.00", "890000.00", 10)


def test_attrition_with_replacements_keeps_heads_and_replacements_ramp(tmp_path, capsys):
    base = {
        "year": 2027, "target": "0", "attrition": "0.5", "replace_attrition": True,
        "segments": [{"name": "s", "productivity": "120000", "ramp_months": 0}],
        "roster": [{"id": f"r{i}", "segment": "s"} for i in range(12)],
    }
    out = run(tmp_path, capsys, base)
    # Every leaver is replaced the next month and ramp is 0: 12 productive heads all year.
    assert out["months"] == [month(m, 12, 0, 12, "120000.00") for m in range(1, 13)]
    assert out["capacity"] == "1440000.00"
    base["segments"][0]["ramp_months"] = 2
    out = run(tmp_path, capsys, base)
    # Feb: 11.5 originals + 0.5 replacements at 0.5. Mar: 11 originals + (0.5 − 1/48) replacements
    # now ramped, and 0.5 + 1/48 new ones at 0.5 → FRE 11.75 − 1/96 = 11.7396, 117,395.83.
    assert out["months"][:3] == [
        month(1, 12, 0, 12, "120000.00"),
        month(2, 11.5, 0.5, 11.75, "117500.00"),
        month(3, 11.4792, 0.5208, 11.7396, "117395.83"),
    ]


def test_hire_start_after_the_year_adds_nothing(tmp_path, capsys):
    out = run(tmp_path, capsys, {
        "year": 2027, "target": "120000",
        "segments": [{"name": "s", "productivity": "120000", "ramp_months": 3}],
        "hires": [{"segment": "s", "count": 5, "start": "2028-01"}],
    })
    assert out["capacity"] == "0.00" and out["gap"] == "120000.00"
    assert all(m["ramped"] == 0 and m["ramping"] == 0 for m in out["months"])


@pytest.mark.parametrize(("patch", "key"), [
    ({"roster": [{"id": "a", "segment": "nope", "hire_date": "2026-01-01"}]}, "roster[0].segment"),
    ({"hires": [{"segment": "nope", "count": 1, "start": "2027-01"}]}, "hires[0].segment"),
    ({"gap_hires": {"segment": "nope", "start": "2027-01"}}, "gap_hires.segment"),
    ({"hires": [{"segment": "s", "count": "three", "start": "2027-01"}]}, "hires[0].count"),
    ({"hires": [{"segment": "s", "count": -1, "start": "2027-01"}]}, "hires[0].count"),
    ({"segments": [{"name": "s", "productivity": "-1", "ramp_months": 2}]}, "segments[0].productivity"),
    ({"year": "twenty"}, "year"),
    ({"target": None}, "target"),
    ({"roster": [{"segment": "s"}]}, "roster[0].id"),
    ({"hires": [{"segment": "s", "count": 1}]}, "hires[0].start"),
])
def test_invalid_values_name_the_key(tmp_path, capsys, patch, key):
    data = {"year": 2027, "target": "1", "segments": [{"name": "s", "productivity": "1", "ramp_months": 2}],
            **patch}
    with pytest.raises(CommandError, match=key.replace("[", r"\[").replace("]", r"\]")):
        run(tmp_path, capsys, data)


@pytest.mark.parametrize("missing", ["year", "target", "segments"])
def test_missing_required_key_is_named(tmp_path, capsys, missing):
    data = {"year": 2027, "target": "1", "segments": [{"name": "s", "productivity": "1", "ramp_months": 2}]}
    del data[missing]
    with pytest.raises(CommandError, match=missing):
        run(tmp_path, capsys, data)


def test_missing_file_fails_cleanly(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("capacity", str(tmp_path / "absent.json"))


def test_table_format_shows_months_and_totals(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"year": 2027, "target": "300000",
                                "segments": [{"name": "s", "productivity": "120000", "ramp_months": 0}],
                                "roster": [{"id": "a", "segment": "s"}]}))
    call_command("capacity", str(path), "--format", "table")
    out = capsys.readouterr().out
    assert "2027-12" in out and "10,000.00" in out and "120,000.00" in out
    assert "180,000.00" in out  # gap
    assert "hires needed" in out


def test_exit_status_non_zero_for_a_missing_file(tmp_path):
    proc = subprocess.run([sys.executable, "manage.py", "capacity", str(tmp_path / "absent.json")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "Cannot read" in proc.stderr


@pytest.mark.parametrize(("patch", "key"), [
    ({"roster": [{"id": "a", "segment": ["s"]}]}, "roster[0].segment"),
    ({"hires": [{"segment": {"name": "s"}, "count": 1, "start": "2027-01"}]}, "hires[0].segment"),
    ({"gap_hires": {"segment": [], "start": "2027-01"}}, "gap_hires.segment"),
    ({"hires": [{"segment": "s", "count": "³", "start": "2027-01"}]}, "hires[0].count"),
    ({"hires": [{"segment": "s", "count": 1, "start": "2027-0³"}]}, "hires[0].start"),
    ({"gap_hires": {"segment": "s", "start": "２０２７-01"}}, "gap_hires.start"),
    ({"target": "1e999999999"}, "target"),
    ({"segments": [{"name": "s", "productivity": "1e-999999999", "ramp_months": 2}]}, "segments[0].productivity"),
])
def test_odd_values_name_the_key_instead_of_crashing_or_hanging(tmp_path, capsys, patch, key):
    data = {"year": 2027, "target": "1", "segments": [{"name": "s", "productivity": "1", "ramp_months": 2}],
            **patch}
    with pytest.raises(CommandError, match=key.replace("[", r"\[").replace("]", r"\]")):
        run(tmp_path, capsys, data)


@pytest.mark.parametrize("raw", [b"\xff\xfe{\x00}\x00", b'{"year": 2027, "target": ' + b"9" * 5000 + b"}",
                                 b"[" * 100_000])
def test_a_file_that_is_not_json_fails_cleanly(tmp_path, raw):
    path = tmp_path / "s.json"
    path.write_bytes(raw)
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("capacity", str(path))


def test_a_huge_hire_count_serialises_exactly(tmp_path, capsys):
    # hires_needed can be huge (productivity 1), and adding that many hires must still compute.
    # 10**30 heads at 1 a month, 10 % attrition: Σ presence = 10**30 × (12 − 0.1 × 66 / 12) = 11.45 × 10**30.
    out = run(tmp_path, capsys, {
        "year": 2027, "target": "0", "attrition": "0.1",
        "segments": [{"name": "s", "productivity": "12", "ramp_months": 0}],
        "hires": [{"segment": "s", "count": 10**30, "start": "2027-01"}],
    })
    assert out["capacity"] == "1145" + "0" * 28 + ".00"
    assert out["months"][0]["ramped"] == 10**30
    assert out["months"][1]["ramped"] == pytest.approx(10**30 * 119 / 120)
    assert out["months"][1]["capacity"] == "991666666666666666666666666666.67"
