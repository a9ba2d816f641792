"""Writes through the API call the services: quotas, deals, plans, assignments, adjustments, runs."""

import copy

from tests.api.conftest import results
from tests.factories import AE_PLAN


def test_revops_sets_a_quota_and_a_rep_may_not(acme, api_as):
    body = {"seller": acme.sellers["rep"].pk, "period": "2027-Q2", "amount": "120000"}
    assert api_as(acme, "rep").post("/api/v1/t/acme/quotas/", body, format="json").status_code == 403
    client = api_as(acme, "revops")
    response = client.post("/api/v1/t/acme/quotas/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "120000.00"
    quota_id = response.json()["id"]

    again = client.post("/api/v1/t/acme/quotas/", {**body, "amount": "130000"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == quota_id

    patched = client.patch(f"/api/v1/t/acme/quotas/{quota_id}/", {"amount": "90000"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["amount"] == "90000.00"


def test_a_bad_quota_period_is_a_field_error(acme, api_as):
    response = api_as(acme, "revops").post(
        "/api/v1/t/acme/quotas/", {"seller": acme.sellers["rep"].pk, "period": "Q2", "amount": "1"}, format="json"
    )
    assert response.status_code == 400
    assert "period" in response.json()["errors"]


def test_revops_creates_and_updates_a_deal_with_splits(acme, api_as):
    client = api_as(acme, "revops")
    body = {
        "external_id": "acme-D9", "owner": acme.sellers["rep"].pk, "amount": "50000", "stage": "closed_won",
        "close_date": "2027-02-10", "deal_type": "new_logo",
        "splits": [{"seller": acme.sellers["rep"].pk, "pct": "60"}, {"seller": acme.sellers["peer"].pk, "pct": "40"}],
    }
    response = client.post("/api/v1/t/acme/deals/", body, format="json")
    assert response.status_code == 201, response.content
    deal = response.json()
    assert deal["amount"] == "50000.00"
    assert {(s["seller"], s["pct"]) for s in deal["splits"]} == {
        (acme.sellers["rep"].pk, "60.0000"), (acme.sellers["peer"].pk, "40.0000"),
    }

    patched = client.patch(f"/api/v1/t/acme/deals/{deal['id']}/", {"amount": "55000"}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["amount"] == "55000.00"
    assert len(patched.json()["splits"]) == 2
    assert api_as(acme, "rep").post("/api/v1/t/acme/deals/", body, format="json").status_code == 403


def test_revops_records_a_churn_event(acme, api_as):
    response = api_as(acme, "revops").post(
        f"/api/v1/t/acme/deals/{acme.deals['rep'].pk}/events/", {"type": "churn", "date": "2027-02-01"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["opportunity"] == acme.deals["rep"].pk


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
