"""Statement actions: publish, approve (segregation of duties), lines, export.

Writes through the API call the services: quotas, deals, plans, assignments, adjustments, runs.
"""

from __future__ import annotations

import copy
import csv
import io
from decimal import Decimal

from compensation.models import EarningLine, Statement
from spm.tenancy.db import tenant_atomic
from tests.factories import AE_PLAN
from tests.helpers import results


def _set(world, persona, **fields):
    with tenant_atomic(world.tenant):
        Statement.all_tenants.filter(pk=world.statements[persona].pk).update(**fields)


def test_finance_approves_a_published_statement(acme, api_as):
    response = api_as(acme, "finance").post(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["approved_by"] == "finance@acme.test"


def test_it_refuses_approval_by_the_preparer_with_the_reason(acme, api_as):
    _set(acme, "rep", prepared_by=acme.users["finance"])
    response = api_as(acme, "finance").post(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/approve/")
    assert response.status_code == 403
    assert "prepared" in response.json()["detail"]
    with tenant_atomic(acme.tenant):
        assert Statement.objects.get(pk=acme.statements["rep"].pk).status == "published"


def test_a_rep_may_not_approve(acme, api_as):
    response = api_as(acme, "rep").post(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/approve/")
    assert response.status_code == 403
    assert "Rep" in response.json()["detail"]


def test_approving_twice_is_a_conflict(acme, api_as):
    client = api_as(acme, "finance")
    url = f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/approve/"
    assert client.post(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_finance_publishes_a_draft(acme, api_as):
    _set(acme, "rep", status="draft")
    client = api_as(acme, "finance")
    response = client.post(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/publish/")
    assert response.status_code == 200
    assert response.json()["status"] == "published"


def test_reps_do_not_see_drafts(acme, api_as):
    _set(acme, "rep", status="draft")
    assert api_as(acme, "rep").get(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/").status_code == 404


def test_statement_detail_nests_its_lines(acme, api_as):
    with tenant_atomic(acme.tenant):
        EarningLine.objects.create(
            statement=acme.statements["rep"], seller=acme.sellers["rep"], period="2027-01", component="New business",
            kind="commission", amount=Decimal("6000.00"), explanation="60,000 of 100,000 quota → 60 %",
            opportunity=acme.deals["rep"], deal_external_id="acme-D1",
        )
    body = api_as(acme, "rep").get(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/").json()
    assert [(line["component"], line["amount"], line["deal"]) for line in body["lines"]] == [
        ("New business", "6000.00", "acme-D1")
    ]


def test_export_json_and_csv(acme, api_as):
    with tenant_atomic(acme.tenant):
        EarningLine.objects.create(
            statement=acme.statements["rep"], seller=acme.sellers["rep"], period="2027-01", component="New business",
            kind="commission", amount=Decimal("6000.00"), explanation="x",
        )
    client = api_as(acme, "revops")
    response = client.get("/api/v1/t/acme/statements/export/?period=2027-01&through=2027-03&format=json")
    assert response.status_code == 200, response.content
    rows = response.json()
    assert {r["seller"] for r in rows} == {"acme-rep", "acme-peer"}
    assert all(isinstance(r["total"], str) for r in rows)

    response = client.get("/api/v1/t/acme/statements/export/?period=2027-01&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["seller"], r["amount"]) for r in table] == [("acme-rep", "6000.00")]


def test_export_needs_view_all_and_a_valid_period(acme, api_as):
    assert api_as(acme, "rep").get("/api/v1/t/acme/statements/export/?period=2027-01").status_code == 403
    response = api_as(acme, "finance").get("/api/v1/t/acme/statements/export/?period=January")
    assert response.status_code == 400
    assert "period" in response.json()["errors"]


def test_plan_create_publish_and_per_field_errors(acme, api_as):
    client = api_as(acme, "revops")
    document = copy.deepcopy(AE_PLAN)
    response = client.post("/api/v1/t/acme/plans/", {"document": document}, format="json")
    assert response.status_code == 201, response.content
    plan = response.json()
    assert (plan["version"], plan["status"]) == (2, "draft")

    published = client.post(f"/api/v1/t/acme/plans/{plan['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert client.post(f"/api/v1/t/acme/plans/{plan['id']}/publish/").status_code == 409

    document["currency"] = "dollars"
    document["components"][0]["tiers"][1]["rate"] = "lots"
    bad = client.post("/api/v1/t/acme/plans/", {"document": document}, format="json")
    assert bad.status_code == 400
    errors = bad.json()["errors"]
    assert "document.currency" in errors
    assert "document.components[0].tiers[1].rate" in errors


def test_plan_create_needs_plans_edit(acme, api_as):
    response = api_as(acme, "finance").post("/api/v1/t/acme/plans/", {"document": AE_PLAN}, format="json")
    assert response.status_code == 403


def test_revops_assigns_a_plan(acme, api_as):
    response = api_as(acme, "revops").post(
        "/api/v1/t/acme/assignments/",
        {"seller": acme.sellers["rep"].pk, "plan": acme.plan.pk, "start_date": "2027-07-01", "target_incentive": "70000"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["target_incentive"] == "70000.00"


def test_finance_adds_an_adjustment_and_it_is_audited(acme, api_as):
    client = api_as(acme, "finance")
    response = client.post(
        "/api/v1/t/acme/adjustments/",
        {"seller": acme.sellers["rep"].pk, "period": "2027-01", "amount": "250.00", "reason": "Missed split"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "250.00"
    assert response.json()["created_by"] == "finance@acme.test"
    events = results(client.get("/api/v1/t/acme/audit-events/?object_type=compensation.adjustment"))
    assert [e["object_id"] for e in events] == [str(response.json()["id"])]


def test_a_rep_may_not_adjust_or_read_the_audit_trail(acme, api_as):
    client = api_as(acme, "rep")
    body = {"seller": acme.sellers["rep"].pk, "period": "2027-01", "amount": "1", "reason": "x"}
    assert client.post("/api/v1/t/acme/adjustments/", body, format="json").status_code == 403
    assert client.get("/api/v1/t/acme/audit-events/").status_code == 403


def test_revops_starts_a_run_and_an_overlapping_one_conflicts(acme, api_as):
    client = api_as(acme, "revops")
    response = client.post("/api/v1/t/acme/runs/", {"period_from": "2027-01", "period_through": "2027-03"}, format="json")
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["status"] == "queued"
    assert client.get(f"/api/v1/t/acme/runs/{run['id']}/").json()["progress"] == 0
    overlap = client.post("/api/v1/t/acme/runs/", {"period_from": "2027-02"}, format="json")
    assert overlap.status_code == 409
    assert api_as(acme, "finance").post("/api/v1/t/acme/runs/", {"period_from": "2027-05"}, format="json").status_code == 403


def _line(world, persona, deal="acme-D1", amount="6000.00"):
    with tenant_atomic(world.tenant):
        return EarningLine.objects.create(
            statement=world.statements[persona], seller=world.sellers[persona], period="2027-01", position=1,
            component="New business", kind="commission", opportunity=world.deals[persona], deal_external_id=deal,
            amount=Decimal(amount), explanation="10 % of the deal")


def test_lines_are_listed_by_statement_and_deal_with_the_statements_visibility(acme, api_as):
    mine, peers = _line(acme, "rep"), _line(acme, "peer", deal="acme-D2", amount="4000.00")
    rep = api_as(acme, "rep")
    listed = results(rep.get("/api/v1/t/acme/lines/"))
    assert [(r["id"], r["statement"], r["deal"], r["amount"]) for r in listed] == [
        (mine.pk, acme.statements["rep"].pk, "acme-D1", "6000.00")]
    assert rep.get(f"/api/v1/t/acme/lines/{peers.pk}/").status_code == 404  # not theirs: as if absent
    finance = api_as(acme, "finance")
    assert [r["id"] for r in results(finance.get("/api/v1/t/acme/lines/", {"deal": "acme-D2"}))] == [peers.pk]
    assert [r["id"] for r in results(finance.get("/api/v1/t/acme/lines/", {"statement": acme.statements["rep"].pk}))] == [
        mine.pk]
    _set(acme, "rep", status="draft")  # reps never see draft statements, nor their lines
    assert results(rep.get("/api/v1/t/acme/lines/")) == []
