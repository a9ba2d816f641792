"""Writes through the API call the services: quotas, deals, plans, assignments, adjustments, runs.
"""

from __future__ import annotations


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
