"""Writes through the API call the services: quotas, deals, plans, assignments, adjustments, runs.
"""

from __future__ import annotations


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
