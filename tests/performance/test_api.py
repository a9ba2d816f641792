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


def test_the_contract_term_is_writable_kept_when_omitted_and_validated(acme, api_as, client):
    api = api_as(acme, "revops")
    body = {"external_id": "acme-D9", "owner": acme.sellers["rep"].pk, "amount": "50000", "stage": "closed_won",
            "close_date": "2027-02-10", "contract_term_months": 36}
    created = api.post("/api/v1/t/acme/deals/", body, format="json")
    assert created.status_code == 201 and created.json()["contract_term_months"] == 36
    # an upsert that leaves the term out keeps it; a patch changes it; null means unknown
    again = api.post("/api/v1/t/acme/deals/", {**body, "amount": "51000", "contract_term_months": None}, format="json")
    assert again.json()["contract_term_months"] is None
    api.patch(f"/api/v1/t/acme/deals/{created.json()['id']}/", {"contract_term_months": 24}, format="json")
    kept = api.post("/api/v1/t/acme/deals/", {k: v for k, v in body.items() if k != "contract_term_months"}, format="json")
    assert kept.status_code == 200 and kept.json()["contract_term_months"] == 24
    refused = api.patch(f"/api/v1/t/acme/deals/{created.json()['id']}/", {"contract_term_months": 121}, format="json")
    assert refused.status_code == 400 and "contract_term_months" in refused.json()["errors"]
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "contract_term_months" in schema["OpportunityWriteRequest"]["properties"]


def test_the_deal_service_refuses_a_term_outside_1_to_120_naming_the_field(acme):
    import pytest

    from performance.services import opportunity_update
    from spm.errors import DomainError
    from spm.tenancy.db import tenant_atomic

    with tenant_atomic(acme.tenant), pytest.raises(DomainError) as exc:
        opportunity_update(opportunity=acme.deals["rep"], contract_term_months=0)
    assert exc.value.field == "contract_term_months"
