"""`import_accounts FILE --tenant SLUG [--format json]`: upserts, row errors, all or nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from planning.models import Account
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

GOOD = (
    "external_id,name,industry,country,region,employees,annual_revenue,latitude,longitude,potential,notes\n"
    "N-1,Northwind,retail,Germany,EMEA,120,1000000,52.52,13.405,250000,keep\n"
    "N-2,Contoso,software,Japan,APAC,5000,,35.6895,139.6917,1200000.50,\n"
)


def run(tmp_path, text: str | bytes, *args) -> tuple[str, dict | None]:
    path = tmp_path / "accounts.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    out = StringIO()
    try:
        call_command("import_accounts", str(path), "--tenant", "acme", "--format", "json", *args, stdout=out)
    finally:
        report = json.loads(out.getvalue()) if out.getvalue() else None
    return out.getvalue(), report


def test_it_creates_then_updates_then_leaves_unchanged(acme, tmp_path):
    _, report = run(tmp_path, GOOD)
    assert report == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": [], "error_count": 0}
    with tenant_atomic(acme.tenant):
        n1 = Account.objects.get(external_id="N-1")
        assert (n1.industry, n1.employees, n1.potential, n1.latitude) == ("retail", 120, Decimal("250000.00"), Decimal("52.520000"))
        assert Account.objects.get(external_id="N-2").annual_revenue is None
    _, report = run(tmp_path, GOOD.replace("250000,keep", "260000,keep"))
    assert report == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1, "errors": [], "error_count": 0}
    with tenant_atomic(acme.tenant):
        assert AuditEvent.objects.filter(action="account.import").count() == 2


def test_row_errors_name_line_column_value_and_nothing_is_written(acme, tmp_path):
    bad = (
        "external_id,name,employees,potential,latitude\n"
        "B-1,Bad one,-5,abc,91\n"
        "B-2,Fine,3,10,1\n"
        ",No id,1,1,1\n"
        "B-2,Again,1,1,1\n"
    )
    path = tmp_path / "accounts.csv"
    path.write_text(bad)
    out = StringIO()
    with pytest.raises(CommandError, match="5 error"):
        call_command("import_accounts", str(path), "--tenant", "acme", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["rows"] == 4 and report["created"] == 0
    assert report["errors"] == [
        {"line": 2, "column": "employees", "value": "-5", "message": "employees must be a whole number >= 0"},
        {"line": 2, "column": "latitude", "value": "91", "message": "latitude must be a latitude between -90 and 90"},
        {"line": 2, "column": "potential", "value": "abc", "message": "potential must be an amount >= 0"},
        {"line": 4, "column": "external_id", "value": "", "message": "external_id is required"},
        {"line": 5, "column": "external_id", "value": "B-2", "message": "external_id 'B-2' already appears on line 3"},
    ]
    with tenant_atomic(acme.tenant):
        assert not Account.objects.filter(external_id__startswith="B-").exists()


def test_a_missing_required_header_and_undecodable_bytes_are_row_errors(acme, tmp_path):
    out = StringIO()
    path = tmp_path / "a.csv"
    path.write_text("id,name\n1,x\n")
    with pytest.raises(CommandError):
        call_command("import_accounts", str(path), "--tenant", "acme", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["line"] == 1
    assert json.loads(out.getvalue())["errors"][0]["column"] == "external_id"
    path.write_bytes(b"external_id,name\nX-1,Caf\xe9\n")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_accounts", str(path), "--tenant", "acme", "--format", "json", stdout=out)
    error = json.loads(out.getvalue())["errors"][0]
    assert (error["line"], error["column"], error["message"]) == (2, "8", "not valid UTF-8 text")  # "X-1,Caf" is 7 characters


def test_an_unknown_tenant_is_refused(db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(GOOD)
    with pytest.raises(CommandError, match="No tenant"):
        call_command("import_accounts", str(path), "--tenant", "nope")
