"""The issue's commands, file formats and JSON keys tried as written by a new user (spec QA)."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return str(path)


def failing(*args, **kwargs) -> dict:
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(*args, format="json", stdout=out, **kwargs)
    return json.loads(out.getvalue())


def test_seller_errors_are_listed_in_file_order(tmp_path):
    # "first 100 errors" are the first in the file: a row rule (a duplicate, an unknown manager) found
    # after the cell checks must not come after a later line's cell error.
    bad = ("email,name,role,manager_email,region,team\n"
           "a@z.com,A,wizard,,EMEA,Alpha\n"
           "b@z.com,B,rep,c@z.com,EMEA,Alpha\n"
           "a@z.com,A2,rep,,EMEA,Alpha\n"
           "notanemail,N,rep,,,\n")
    report = failing("import_sellers", write(tmp_path, "s.csv", bad), tenant="specqa")
    assert [e["line"] for e in report["errors"]] == [2, 3, 4, 5]


def _crm_export(tmp_path, pipeline):
    from tests.hub.importers.test_crm_maven import export

    return export(tmp_path, pipeline)


def _crm_errors(tmp_path, old, new) -> str:
    from tests.hub.importers.test_crm_maven import PIPELINE, TODAY

    with pytest.raises(CommandError) as exc:
        call_command("import_crm_maven", tenant="globex", dir=_crm_export(tmp_path, PIPELINE.replace(old, new)),
                     today=TODAY, stdout=io.StringIO())
    return str(exc.value)


def test_crm_export_bad_close_date_is_one_error_not_two(tmp_path):
    message = _crm_errors(tmp_path, "2017-01-03,2017-02-01", "2017-01-03,2017-02-31")
    assert message.startswith(f"{tmp_path}: 1 error(s); nothing was imported.")
    assert "not a date" in message and "needs its close date" not in message


def test_crm_export_unknown_sales_agent_is_named_as_such(tmp_path):
    # The export names agents, not e-mails: "import the sellers first" sends the user the wrong way.
    message = _crm_errors(tmp_path, "W2,Anna Snell,", "W2,Nobody Known,")
    assert "sales_pipeline.csv:3, column 'sales_agent', value 'Nobody Known'" in message
    assert "not in sales_teams.csv" in message and "e-mail" not in message


@pytest.mark.parametrize("data, line, column", [
    (b"\xef\xbb\xbfab\xe9c,d\n1,2\n", 1, 3),  # a BOM is no character of the line
    (b"a,b\r1,\xe9\r", 2, 3),  # old Mac line ends (the csv reader takes them)
    (b"a,b\r\n1,\xe9\r\n", 2, 3),
    (b"a,b\nCaf\xc3\xa9,\xe9\n", 2, 6),  # characters, not bytes, before it
])
def test_non_utf8_is_named_at_the_line_and_column_of_its_first_bad_byte(tmp_path, data, line, column):
    report = failing("import_sellers", write(tmp_path, "s.csv", data), tenant="specqa")
    [error] = report["errors"]
    assert (error["line"], error["column"], error["value"]) == (line, str(column), "0xe9")
    assert f"line {line}, column {column}" in error["message"]


@pytest.mark.parametrize("where", ["no/such/dir/e.csv", "."])
def test_an_errors_file_that_cannot_be_written_is_refused_before_anything_is_imported(tmp_path, where):
    from spm.models import Tenant

    sellers = "email,name,role,manager_email,region,team\nann@x.com,Ann,rep,,EMEA,Wolves\n"
    with pytest.raises(CommandError, match="--errors"):
        call_command("import_sellers", write(tmp_path, "s.csv", sellers), tenant="specqa",
                     errors=str(tmp_path / where), stdout=io.StringIO())
    assert not Tenant.objects.filter(slug="specqa").exists()


@pytest.mark.parametrize("amount", ["100000000000000", "99999999999999.999", "1" * 40, "123,456,789,012,345.00"])
def test_an_amount_too_large_to_store_is_a_cell_error_not_a_database_failure(tmp_path, amount):
    # Bad input names its line, column and value (the database's numeric overflow said "try again").
    from planning.models import Seller
    from spm.models import Tenant

    sellers = "email,name,role,manager_email,region,team\nann@x.com,Ann,rep,,EMEA,Wolves\n"
    call_command("import_sellers", write(tmp_path, "s.csv", sellers), tenant="specqa", stdout=io.StringIO())
    opps = ("external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed\n"
            "D-1,,ann@x.com,Open,99999999999999.99,USD,,,false,false\n"
            f'D-2,,ann@x.com,Open,"{amount}",USD,,,false,false\n')
    report = failing("import_opportunities", write(tmp_path, "o.csv", opps), tenant="specqa")
    assert [(e["line"], e["column"], e["value"]) for e in report["errors"]] == [(3, "amount", amount)]
    assert Tenant.objects.get(slug="specqa") and Seller.all_tenants.count() == 1


def test_crm_export_in_latin1_is_named_at_its_byte_and_imports_with_encoding(tmp_path):
    # The message says "name its encoding (--encoding …)": import_crm_maven takes it as the other imports do.
    from tests.hub.importers.test_crm_maven import PIPELINE, TODAY

    folder = _crm_export(tmp_path, PIPELINE)
    accounts = folder / "accounts.csv"
    accounts.write_bytes(accounts.read_bytes().replace(b"Betasoloin", "Bétasoloin".encode("latin-1")))
    pipeline = folder / "sales_pipeline.csv"
    pipeline.write_bytes(pipeline.read_bytes().replace(b"Betasoloin", "Bétasoloin".encode("latin-1")))
    with pytest.raises(CommandError, match=r"accounts.csv:3, column '2'.*--encoding"):
        call_command("import_crm_maven", tenant="globex", dir=folder, today=TODAY, stdout=io.StringIO())
    call_command("import_crm_maven", tenant="globex", dir=folder, today=TODAY, encoding="latin-1",
                 stdout=io.StringIO())
    from performance.models import Opportunity
    from spm.models import Tenant
    from spm.tenancy.db import tenant_atomic

    with tenant_atomic(Tenant.objects.get(slug="globex")):
        assert Opportunity.objects.get(external_id="L1").account.name == "Bétasoloin"



@pytest.mark.parametrize("existing", [None, "line,column,value,message\n"])
def test_a_command_failing_before_its_report_leaves_the_errors_path_as_it_found_it(tmp_path, existing):
    # The --errors path is checked by opening it; a command that then fails before any report (here:
    # the database refuses the load) must not leave an empty file behind as if it were the report.
    from unittest import mock

    from spm.errors import DomainError

    sellers = "email,name,role,manager_email,region,team\nann@x.com,Ann,rep,,EMEA,Wolves\n"
    out = tmp_path / "errors.csv"
    if existing is not None:
        out.write_text(existing)
    refused = mock.patch("spm.hub.management.commands.import_sellers.Command.importer",
                         side_effect=DomainError("the database refused the load"))
    with refused, pytest.raises(CommandError, match="refused"):
        call_command("import_sellers", write(tmp_path, "s.csv", sellers), tenant="specqa", errors=str(out),
                     stdout=io.StringIO())
    assert (out.read_text() if out.exists() else None) == existing


def test_row_rule_errors_name_the_value_as_written_in_the_file(tmp_path):
    # "a report naming file, line, column, value and rule": the value is the cell of the file (`1`, `ANN@x.com`),
    # not what it was parsed into (`true`, `ann@x.com`), so the user can find it in the file.
    sellers = ("email,name,role,manager_email,region,team\n"
               "ann@x.com,Ann,rep,,EMEA,Wolves\n"
               "ANN@x.com,Ann again,rep,,EMEA,Wolves\n"
               "bob@x.com,Bob,rep,Nobody@X.com,EMEA,Wolves\n")
    report = failing("import_sellers", write(tmp_path, "s.csv", sellers), tenant="specqa")
    assert [(e["line"], e["column"], e["value"]) for e in report["errors"]] == [
        (3, "email", "ANN@x.com"), (4, "manager_email", "Nobody@X.com")]
    call_command("import_sellers", write(tmp_path, "s.csv", sellers.split("ANN")[0]), tenant="specqa",
                 stdout=io.StringIO())
    header = "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed"
    opps = (f"{header}\n"
            "D-1,,ann@x.com,Won,100,USD,,2026-03-01,1,0\n"
            "D-2,,ann@x.com,Won,100,USD,,2026-03-01,Yes,No\n")
    report = failing("import_opportunities", write(tmp_path, "o.csv", opps), tenant="specqa")
    assert [(e["line"], e["column"], e["value"]) for e in report["errors"]] == [(2, "is_won", "1"), (3, "is_won", "Yes")]
