"""import_sellers / import_opportunities: the exact interface, counts, history, and all-or-nothing."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from performance.models import Opportunity, OpportunityHistory, PipelineStage, StageChange
from planning.models import Account, Seller
from spm.models import AuditEvent, Tenant
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

SELLERS = """email,name,role,manager_email,region,team,hire_date
ann@x.com,Ann Rep,rep,mia@x.com,EMEA,Wolves,2025-01-02
bob@x.com,Bob Rep,rep,mia@x.com,NA,Bears,
mia@x.com,Mia Boss,manager,,EMEA,Wolves,2024-01-01
"""
HEADER = "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed"
OPPS = f"""{HEADER},product,notes
D-1,Acme,ann@x.com,Closed Won,4821,USD,2026-01-05,2026-02-10,true,true,Widget,extra columns never fail
D-2,,bob@x.com,Discovery,1000.50,,2026-03-01,,false,false,,
D-3,Initech,ANN@x.com,Closed Lost,0,EUR,,2026-03-03,false,true,Gadget,
"""


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def run_json(*args, **kwargs):
    return json.loads(run(*args, format="json", **kwargs))


def failing(*args, **kwargs) -> tuple[dict, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(*args, format="json", stdout=out, **kwargs)
    return json.loads(out.getvalue()), str(exc.value)


@pytest.fixture
def newco(tmp_path):
    assert run_json("import_sellers", write(tmp_path, "s.csv", SELLERS), tenant="newco")["created"] == 3
    return Tenant.objects.get(slug="newco")


def test_import_sellers_creates_the_tenant_and_managers_listed_after_their_reports(tmp_path):
    report = run_json("import_sellers", write(tmp_path, "s.csv", SELLERS), tenant="newco")
    assert report == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "errors": [], "error_count": 0}
    tenant = Tenant.objects.get(slug="newco")
    with tenant_atomic(tenant):
        ann = Seller.objects.get(email="ann@x.com")
        assert (ann.role_type, ann.region, ann.team, ann.hire_date) == ("AE", "EMEA", "Wolves", dt.date(2025, 1, 2))
        assert ann.manager.email == "mia@x.com" and ann.manager.role_type == "manager"
        assert AuditEvent.objects.filter(action="import.sellers").count() == 1
    again = run_json("import_sellers", write(tmp_path, "s.csv", SELLERS), tenant="newco")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    moved = SELLERS.replace("bob@x.com,Bob Rep,rep,mia@x.com,NA,Bears,", "bob@x.com,Bob Rep,rep,ann@x.com,NA,Bears,")
    assert run_json("import_sellers", write(tmp_path, "s.csv", moved), tenant="newco")["updated"] == 1


def test_import_sellers_refuses_unknown_managers_duplicates_and_cycles_writing_nothing(tmp_path):
    bad = ("email,name,role,manager_email,region,team\n"
           "a@x.com,A,rep,zed@x.com,,\n"
           "a@x.com,A2,rep,,,\n"
           "b@x.com,B,manager,c@x.com,,\n"
           "c@x.com,C,manager,b@x.com,,\n"
           "d@x.com,D,pilot,,,\n")
    report, message = failing("import_sellers", write(tmp_path, "bad.csv", bad), tenant="newco")
    cells = {(e["line"], e["column"]) for e in report["errors"]}
    assert cells == {(2, "manager_email"), (3, "email"), (4, "manager_email"), (5, "manager_email"), (6, "role")}
    assert "bad.csv" in message and "nothing was imported" in message
    assert not Tenant.objects.filter(slug="newco").exists()


def test_import_opportunities_counts_history_stages_and_reimport(newco, tmp_path):
    path = write(tmp_path, "o.csv", OPPS)
    report = run_json("import_opportunities", path, tenant="newco", as_of="2026-03-05")
    assert report == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "errors": [], "error_count": 0}
    with tenant_atomic(newco):
        d1 = Opportunity.objects.get(external_id="D-1")
        assert (d1.amount, d1.is_won, d1.is_closed, d1.stage, d1.product) == (Decimal("4821.00"), True, True, "Closed Won", "Widget")
        assert d1.forecast_category == "closed" and d1.account.name == "Acme"
        d2 = Opportunity.objects.get(external_id="D-2")
        assert (d2.account, d2.close_date, d2.currency, d2.is_closed, d2.forecast_category) == (None, None, "USD", False, "pipeline")
        assert Opportunity.objects.get(external_id="D-3").owner.email == "ann@x.com"  # e-mail matched ignoring case
        assert list(PipelineStage.objects.values_list("name", "is_closed", "is_won")) == [
            ("Closed Won", True, True), ("Discovery", False, False), ("Closed Lost", True, False)]
        assert OpportunityHistory.objects.filter(as_of=dt.date(2026, 3, 5)).count() == 3
        assert not StageChange.objects.exists()  # first sight is history, not a stage move
        assert Account.objects.count() == 2
    # Same file again: nothing changes, and it says so.
    assert run_json("import_opportunities", path, tenant="newco")["unchanged"] == 3
    # 4821 == 4821.00 once parsed; one real change: D-2 moves stage and amount a week later.
    changed = OPPS.replace(",4821,", ",4821.00,").replace("D-2,,bob@x.com,Discovery,1000.50", "D-2,,bob@x.com,Proposal,1200")
    report = run_json("import_opportunities", write(tmp_path, "o2.csv", changed), tenant="newco", as_of="2026-03-12")
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 2)
    with tenant_atomic(newco):
        d2 = Opportunity.objects.get(external_id="D-2")
        history = list(OpportunityHistory.objects.filter(opportunity=d2).order_by("as_of").values_list("as_of", "stage", "amount"))
        assert history == [(dt.date(2026, 3, 5), "Discovery", Decimal("1000.50")),
                           (dt.date(2026, 3, 12), "Proposal", Decimal("1200.00"))]
        move = StageChange.objects.get(opportunity=d2, from_stage="Discovery")
        assert move.to_stage == "Proposal" and move.changed_at == dt.datetime(2026, 3, 12, tzinfo=dt.UTC)
        assert AuditEvent.objects.filter(action="import.opportunities").count() == 3


def test_a_change_outside_stage_amount_close_and_owner_updates_without_history(newco, tmp_path):
    run("import_opportunities", write(tmp_path, "o.csv", OPPS), tenant="newco", as_of="2026-03-05")
    renamed = OPPS.replace("Widget", "Widget Pro")
    report = run_json("import_opportunities", write(tmp_path, "o2.csv", renamed), tenant="newco", as_of="2026-03-06")
    assert report["updated"] == 1
    with tenant_atomic(newco):
        assert OpportunityHistory.objects.count() == 3


def test_dry_run_counts_and_writes_nothing(newco, tmp_path):
    report = run_json("import_opportunities", write(tmp_path, "o.csv", OPPS), tenant="newco", dry_run=True)
    assert report["created"] == 3
    with tenant_atomic(newco):
        assert not Opportunity.objects.exists() and not PipelineStage.objects.exists()


@pytest.mark.parametrize("row, column, value", [
    ("D-9,Acme,ann@x.com,Won,100,USD,2026-02-30,2026-03-01,true,true", "created_date", "2026-02-30"),
    ("D-9,Acme,nobody@x.com,Won,100,USD,,2026-03-01,true,true", "owner_email", "nobody@x.com"),
    ("D-1,Acme,ann@x.com,Won,100,USD,,2026-03-01,true,true", "external_id", "D-1"),
    ("D-9,Acme,ann@x.com,Won,12k,USD,,2026-03-01,true,true", "amount", "12k"),
    ("D-9,Acme,ann@x.com,Open,-10,USD,,,false,false", "amount", "-10"),
])
def test_each_malformed_row_fails_the_whole_file(newco, tmp_path, row, column, value):
    text = f"{HEADER}\nD-1,Acme,ann@x.com,Won,100,USD,,2026-03-01,true,true\n{row}\n"
    errors_path = tmp_path / "errors.csv"
    report, message = failing("import_opportunities", write(tmp_path, "bad.csv", text), tenant="newco",
                              errors=str(errors_path))
    assert report["error_count"] == 1
    assert report["errors"] == [{"line": 3, "column": column, "value": value, "message": report["errors"][0]["message"]}]
    assert "bad.csv" in message and "line 3" in message and column in message and value in message
    assert errors_path.read_text().splitlines()[1].split(",")[1:3] == ["3", column]
    with tenant_atomic(newco):
        assert not Opportunity.objects.exists() and not Account.objects.exists()


def test_a_failed_import_into_a_new_tenant_leaves_no_tenant(tmp_path):
    _, message = failing("import_opportunities", write(tmp_path, "o.csv", OPPS), tenant="ghost")
    assert "unknown owner" in message
    assert not Tenant.objects.filter(slug="ghost").exists()


def test_non_utf8_is_named_at_its_first_bad_byte_and_encoding_overrides(newco, tmp_path):
    text = f"{HEADER}\nD-1,Café,ann@x.com,Won,100,USD,,2026-03-01,true,true\n"
    path = write(tmp_path, "latin.csv", text, encoding="latin-1")
    report, message = failing("import_opportunities", path, tenant="newco")
    assert (report["errors"][0]["line"], report["errors"][0]["column"]) == (2, "8")  # "D-1,Caf" then the byte
    assert "latin.csv" in message and "--encoding" in message
    assert run_json("import_opportunities", path, tenant="newco", encoding="latin-1")["created"] == 1
    with tenant_atomic(newco):
        assert Account.objects.get().name == "Café"


def test_missing_required_column_fails(newco, tmp_path):
    report, _ = failing("import_opportunities", write(tmp_path, "o.csv", "external_id,stage\nD-1,Won\n"), tenant="newco")
    assert {e["column"] for e in report["errors"]} >= {"amount", "owner_email", "is_won", "is_closed"}
    assert all(e["line"] == 1 for e in report["errors"])


def test_only_the_first_100_errors_are_listed_with_the_count(newco, tmp_path):
    rows = "\n".join(f"D-{i},,ann@x.com,S,{i}k,USD,,,false,false" for i in range(150))
    report, _ = failing("import_opportunities", write(tmp_path, "o.csv", f"{HEADER}\n{rows}\n"), tenant="newco")
    assert len(report["errors"]) == 100 and report["error_count"] == 150


def test_text_output_names_counts_and_a_bad_as_of_is_refused(newco, tmp_path):
    path = write(tmp_path, "o.csv", OPPS)
    assert "3 created, 0 updated, 0 unchanged" in run("import_opportunities", path, tenant="newco")
    with pytest.raises(CommandError, match="--as-of"):
        call_command("import_opportunities", path, tenant="newco", as_of="yesterday")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_opportunities", str(tmp_path / "nope.csv"), tenant="newco")
