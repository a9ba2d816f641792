"""The optional `contract_term_months` column (ASC 340-40 needs it): header guessing, the 1..120 whole-month
rule with line/column/value in the report, unknown when blank, and its effect on updated/unchanged."""

from __future__ import annotations

import pytest

from performance.models import Opportunity
from spm.hub.imports import columns_for, import_opportunities_file
from spm.imports import guess_mapping
from spm.tenancy.db import tenant_atomic

from .test_commands import HEADER, SELLERS, run_json, write

pytestmark = pytest.mark.django_db

DEALS = f"""{HEADER},contract_term_months
T-1,Acme,ann@x.com,Closed Won,36000,USD,2026-01-05,2026-02-10,true,true,36
T-2,Acme,bob@x.com,Closed Won,12000,USD,2026-01-05,2026-02-11,true,true,12
T-3,,ann@x.com,Discovery,5000,USD,2026-03-01,,false,false,
"""


@pytest.fixture
def newco(tmp_path):
    assert run_json("import_sellers", write(tmp_path, "s.csv", SELLERS), tenant="newco")["created"] == 3


def terms() -> dict[str, int | None]:
    from spm.models import Tenant

    with tenant_atomic(Tenant.objects.get(slug="newco")):
        return dict(Opportunity.objects.values_list("external_id", "contract_term_months"))


@pytest.mark.parametrize("header", ["Contract Term", "Term (months)", "contract_term_months", "Contract Length"])
def test_the_term_column_is_guessed_from_common_headers(header):
    mapping = guess_mapping(["Opportunity ID", "Amount", header], columns_for("opportunities"))
    assert mapping["contract_term_months"] == header


def test_the_term_is_stored_blank_is_unknown_and_a_reimport_is_unchanged(newco, tmp_path):
    path = write(tmp_path, "o.csv", DEALS)
    assert run_json("import_opportunities", path, tenant="newco", as_of="2026-03-31")["created"] == 3
    assert terms() == {"T-1": 36, "T-2": 12, "T-3": None}
    again = run_json("import_opportunities", path, tenant="newco", as_of="2026-04-07")
    assert (again["updated"], again["unchanged"]) == (0, 3)


def test_a_changed_term_counts_as_an_update_and_a_file_without_the_column_keeps_it(newco, tmp_path):
    run_json("import_opportunities", write(tmp_path, "o.csv", DEALS), tenant="newco", as_of="2026-03-31")
    changed = DEALS.replace("true,true,36", "true,true,24.0")
    report = run_json("import_opportunities", write(tmp_path, "o2.csv", changed), tenant="newco", as_of="2026-04-07")
    assert (report["updated"], report["unchanged"]) == (1, 2)
    without = "\n".join(line.rsplit(",", 1)[0] for line in DEALS.splitlines()) + "\n"
    report = run_json("import_opportunities", write(tmp_path, "o3.csv", without), tenant="newco", as_of="2026-04-14")
    assert (report["updated"], report["unchanged"]) == (0, 3)
    assert terms() == {"T-1": 24, "T-2": 12, "T-3": None}


@pytest.mark.parametrize(("value", "rule"), [
    ("0", "a contract term must be 1 to 120 months (is 0)"),
    ("121", "a contract term must be 1 to 120 months (is 121)"),
    ("36.5", "not a whole number of months (e.g. 36)"),
    ("3 years", "not a whole number of months (e.g. 36)"),
    ("-12", "not a whole number of months (e.g. 36)"),
])
def test_a_bad_term_names_line_column_value_and_rule_and_writes_nothing(newco, value, rule):
    data = DEALS.replace("true,true,12", f"true,true,{value}").encode()
    outcome = import_opportunities_file(data=data, file="o.csv", tenant_slug="newco")
    assert not outcome.written
    assert [(e.line, e.column, e.value, e.message) for e in outcome.errors] == [
        (3, "contract_term_months", value, rule)]
    assert terms() == {}
