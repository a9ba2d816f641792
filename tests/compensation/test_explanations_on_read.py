"""Explanations rendered on read (issue 11): runs store quota-based commission lines' structured facts
instead of their text, and every reader (JSON/CSV exports, the statement CSV, the API, the grouped
statement) shows byte for byte the text a run that stored the words would have shown."""

import json

import pytest

from compensation.api.serializers import EarningLineSerializer
from compensation.breakdown.selectors import statement_breakdown
from compensation.engine.frames import calculate_frames
from compensation.exports import statements_csv, statements_export
from compensation.models import EarningLine, Statement
from compensation.selectors import line_explanation
from compensation.services import calculation as calculation_service
from spm.hub.scenarios import scenario_load
from spm.models import Tenant
from spm.tenancy.db import tenant_atomic
from tests.compensation.test_calculation_recalc import world

pytestmark = pytest.mark.django_db


def everything_read(tenant) -> dict:
    with tenant_atomic(tenant):
        rows = statements_export(period_from="2027-01", period_through="2027-06")
        statements = list(Statement.objects.order_by("seller__external_id", "period"))
        return {
            "json": json.dumps(rows, sort_keys=True),
            "csv": statements_csv(rows),
            "api": [json.dumps([{k: v for k, v in line.items() if k != "id"}  # ids change with each run
                                for line in EarningLineSerializer(st.lines.order_by("position"), many=True).data],
                               default=str) for st in statements],
            "breakdown": [[d.explanations for d in statement_breakdown(statement=st).deals] for st in statements],
            "selector": [line_explanation(line) for line in EarningLine.objects.order_by("seller_id", "period", "position")],
        }


def test_stored_facts_read_exactly_as_the_stored_text(db, calculate, monkeypatch):
    scenario_load(data=world(), tenant_slug="facts")
    tenant = Tenant.objects.get(slug="facts")
    # A run that stores the words (as every run did before; such rows stay readable as they are) …
    with monkeypatch.context() as m:
        m.setattr(calculation_service, "calculate", lambda inp: calculate_frames(inp, explain=True))
        assert calculate(tenant, period_from="2027-01", through="2027-06").status == "succeeded"
    with tenant_atomic(tenant):
        assert not EarningLine.objects.filter(explain__isnull=False).exists()
    as_text = everything_read(tenant)
    # … and the product's run, which stores facts: every reader shows the same bytes.
    assert calculate(tenant, period_from="2027-01", through="2027-06").status == "succeeded"
    with tenant_atomic(tenant):
        with_facts = EarningLine.objects.filter(explain__isnull=False)
        assert with_facts.count() > 20
        assert set(with_facts.values_list("explanation", flat=True)) == {""}
        kinds = set(with_facts.values_list("credit_kind", flat=True))
        assert {"direct", "split", "rollup"} <= kinds
        assert with_facts.filter(explain__contains='"fx":{').exists()  # EUR deals: the FX part of the text
    assert everything_read(tenant) == as_text
    assert "attainment" in as_text["csv"] and "rollup from" in as_text["csv"]
