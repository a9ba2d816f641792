import json

import pytest
from django.core.management import CommandError, call_command

from compensation.models import Statement
from spm.models import Tenant
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db(transaction=True)  # the commands commit; on_commit must really fire


def test_load_calculate_export(scenario_file, capsys, tmp_path):
    call_command("load_scenario", str(scenario_file), "--tenant", "cmd")
    out = capsys.readouterr().out
    assert "sellers: 3 created" in out
    call_command("load_scenario", str(scenario_file), "--tenant", "cmd")
    assert "sellers: 0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    call_command("calculate", "--tenant", "cmd", "--period", "2027-01", "--through", "2027-03")
    out = capsys.readouterr().out
    assert "100% Done" in out and "succeeded" in out
    call_command("export_statements", "--tenant", "cmd", "--period", "2027-01", "--through", "2027-02")
    rows = json.loads(capsys.readouterr().out)  # stdout is exactly the JSON list
    assert [(r["seller"], r["period"], r["total"]) for r in rows] == [
        ("S-1", "2027-01", "6000.00"), ("S-1", "2027-02", "7000.00"),
        ("S-2", "2027-01", "0.00"), ("S-2", "2027-02", "250.00"),
    ]
    target = tmp_path / "out.csv"
    call_command("export_statements", "--tenant", "cmd", "--period", "2027-01", "--through", "2027-02",
                 "--format", "csv", "--output", str(target))
    csv_text = target.read_text().splitlines()
    assert csv_text[0].startswith("seller,seller_name,period") and len(csv_text) == 4


def test_bad_scenario_exits_non_zero_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"sellers": [{"id": "S-1", "name": "A", "manager": "NOPE"}]}))
    with pytest.raises(CommandError, match='sellers\\[0\\] \\(id "S-1"\\): manager "NOPE"'):
        call_command("load_scenario", str(bad), "--tenant", "bad")
    assert not Tenant.objects.filter(slug="bad").exists()
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_scenario", str(tmp_path / "junk.json"), "--tenant", "bad")


def test_unknown_tenant_and_bad_period_are_command_errors(scenario_file):
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        call_command("calculate", "--tenant", "nope", "--period", "2027-01")
    with pytest.raises(CommandError, match="No tenant with slug 'nope'"):
        call_command("export_statements", "--tenant", "nope", "--period", "2027-01")
    call_command("load_scenario", str(scenario_file), "--tenant", "cmd2")
    with pytest.raises(CommandError, match="month key"):
        call_command("calculate", "--tenant", "cmd2", "--period", "2027-1")


def test_failed_run_exits_non_zero(scenario_file, monkeypatch):
    call_command("load_scenario", str(scenario_file), "--tenant", "cmd3")

    def boom(inp):
        raise ValueError("no FX rate for JPY")

    monkeypatch.setattr("compensation.services.calculation.calculate", boom)
    with pytest.raises(CommandError, match=r"Run \d+ failed: no FX rate for JPY"):
        call_command("calculate", "--tenant", "cmd3", "--period", "2027-01")
    tenant = Tenant.objects.get(slug="cmd3")
    with tenant_atomic(tenant):
        assert not Statement.objects.exists()


def test_export_lists_attainment_by_component_name_on_every_database(tmp_path, capsys):
    # The same inputs give the same export (DESIGN rule 11): PostgreSQL's jsonb reorders object keys
    # (shorter first: "Marg" before "Bonus"), so the export must not depend on the stored order.
    plan = {"name": "P", "currency": "USD", "components": [
        {"name": name, "type": "commission", "measure": {}, "quota": {"measure": "bookings", "period": "quarter"},
         "basis": "credit", "method": "marginal", "tiers": [{"rate": "0.1"}]} for name in ("Marg", "Bonus")]}
    scenario = {
        "tenant": {"name": "Order Co", "currency": "USD"},
        "sellers": [{"id": "A", "name": "A", "role_type": "AE"}],
        "plans": [plan],
        "assignments": [{"seller": "A", "plan": "P", "from": "2027-01-01", "to": "2027-12-31"}],
        "quotas": [{"seller": "A", "measure": "bookings", "period": "2027-Q1", "amount": "1000"}],
        "deals": [{"id": "D", "owner": "A", "amount": "100", "close_date": "2027-01-10", "stage": "closed_won",
                   "deal_type": "new_logo"}],
    }
    path = tmp_path / "order.json"
    path.write_text(json.dumps(scenario))
    call_command("load_scenario", str(path), "--tenant", "order")
    call_command("calculate", "--tenant", "order", "--period", "2027-01")
    capsys.readouterr()
    call_command("export_statements", "--tenant", "order", "--period", "2027-01")
    [row] = json.loads(capsys.readouterr().out)
    assert list(row["attainment"].items()) == [("Bonus", "0.1"), ("Marg", "0.1")]
