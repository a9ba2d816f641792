"""The capacity scenario and quota set endpoints: roles, validation naming the key, the round trip."""
import pytest
from rest_framework.test import APIClient

from planning.models import Quota
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

BASE = "/api/v1/t/acme"
BODY = {"name": "FY27", "year": 2027, "target": "12000000", "over_assignment": "0.12",
        "segments": [{"name": "ent", "productivity": "490000", "ramp_months": 6}],
        "gap_segment": "ent", "gap_start": "2027-01"}


def client_as(world, persona):
    client = APIClient()
    client.force_login(world.users[persona])
    return client


def test_create_read_publish_allocate_publish(acme):
    api = client_as(acme, "revops")
    roster = [{"seller": acme.sellers["rep"].pk, "segment": "ent", "hire_date": "2020-01-01"}] + [
        {"name": f"Hypo {i}", "segment": "ent"} for i in range(19)]
    response = api.post(f"{BASE}/capacity-scenarios/", {**BODY, "roster": roster}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    # the worked example: 20 ramped sellers at 490,000
    assert data["result"]["capacity"] == "9800000.00" and data["result"]["gap"] == "2200000.00"
    assert data["result"]["quota_to_assign"] == "13440000.00" and data["result"]["hires_needed"] == 6
    assert data["result"]["months"][0] == {"month": "2027-01", "ramped": 20, "ramping": 0, "fre": 20,
                                           "capacity": "816666.67"}
    pk = data["id"]
    patched = api.patch(f"{BASE}/capacity-scenarios/{pk}/", {"hires": [{"segment": "ent", "count": 6,
                                                                         "start": "2027-01"}]}, format="json")
    assert patched.status_code == 200 and patched.json()["result"]["hires_needed"] == 0
    assert api.post(f"{BASE}/capacity-scenarios/{pk}/publish/", {}, format="json").status_code == 200
    assert api.patch(f"{BASE}/capacity-scenarios/{pk}/", {"target": "1"}, format="json").status_code == 409
    created = api.post(f"{BASE}/quota-sets/", {"scenario": pk, "seasonality": ["1", "1", "1", "1"]}, format="json")
    assert created.status_code == 201, created.content
    qset = created.json()
    assert qset["total"] == "13440000.00" and len(qset["allocations"]) == 21  # 20 roster + the TBH line
    # capacity 12,127,500 carries 13,440,000 at × 1.108 < 1.12: nobody is above capacity, no override needed
    assert not any(a["above_capacity"] for a in qset["allocations"])
    assert api.post(f"{BASE}/quota-sets/{qset['id']}/publish/", {}, format="json").status_code == 200
    again = api.post(f"{BASE}/quota-sets/{qset['id']}/publish/", {}, format="json")
    assert again.status_code == 409
    with tenant_atomic(acme.tenant):
        assert Quota.objects.filter(seller=acme.sellers["rep"], source="capacity", period="2027-01").exists()


def test_invalid_input_names_the_key(acme):
    api = client_as(acme, "revops")
    bad = {**BODY, "segments": [{"name": "ent", "productivity": "490000"}]}
    response = api.post(f"{BASE}/capacity-scenarios/", bad, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "segments" and "segments[0].ramp_months" in response.json()["detail"]


def test_quota_above_capacity_needs_an_override_reason(acme):
    api = client_as(acme, "revops")
    pk = api.post(f"{BASE}/capacity-scenarios/", BODY, format="json").json()["id"]  # 2 sellers for $12M
    api.post(f"{BASE}/capacity-scenarios/{pk}/publish/", {}, format="json")
    qset = api.post(f"{BASE}/quota-sets/", {"scenario": pk}, format="json").json()
    refused = api.post(f"{BASE}/quota-sets/{qset['id']}/publish/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "override_reason"
    ok = api.post(f"{BASE}/quota-sets/{qset['id']}/publish/", {"override_reason": "board target"}, format="json")
    assert ok.status_code == 200 and ok.json()["override_reason"] == "board target"


def test_roles(acme):
    assert client_as(acme, "rep").get(f"{BASE}/capacity-scenarios/").status_code == 403
    assert client_as(acme, "executive").get(f"{BASE}/capacity-scenarios/").status_code == 200
    assert client_as(acme, "manager").post(f"{BASE}/capacity-scenarios/", BODY, format="json").status_code == 403
    assert client_as(acme, "executive").post(f"{BASE}/quota-sets/", {}, format="json").status_code == 403


def test_manager_reads_their_subtree_and_other_tenants_get_404(acme, globex):
    revops = client_as(acme, "revops")
    pk = revops.post(f"{BASE}/capacity-scenarios/", BODY, format="json").json()["id"]
    names = {m["name"] for m in client_as(acme, "manager").get(f"{BASE}/capacity-scenarios/{pk}/").json()["roster"]}
    assert names == {"acme Rep"}
    assert client_as(globex, "admin").get(f"/api/v1/t/globex/capacity-scenarios/{pk}/").status_code == 404
    assert client_as(globex, "admin").get(f"{BASE}/capacity-scenarios/{pk}/").status_code == 404
    body = {"scenario": pk}
    assert client_as(globex, "admin").post("/api/v1/t/globex/quota-sets/", body, format="json").status_code == 400


def test_list_query_count_is_bounded(acme, django_assert_max_num_queries):
    api = client_as(acme, "revops")
    for i in range(3):
        api.post(f"{BASE}/capacity-scenarios/", {**BODY, "name": f"S{i}"}, format="json")
    with django_assert_max_num_queries(10):
        assert len(api.get(f"{BASE}/capacity-scenarios/").json()["results"]) == 3


@pytest.mark.parametrize(("segments", "hires", "key"), [
    ([{"name": "ent", "productivity": "1e999999999", "ramp_months": 6}], [], "segments[0].productivity"),
    ([{"name": "ent", "productivity": "490000", "ramp_months": 6}],
     [{"segment": ["ent"], "count": 1, "start": "2027-01"}], "hires[0].segment"),
])
def test_absurd_values_are_a_400_naming_the_key_not_a_hang_or_500(acme, segments, hires, key):
    response = client_as(acme, "revops").post(f"{BASE}/capacity-scenarios/",
                                              {**BODY, "segments": segments, "hires": hires}, format="json")
    assert response.status_code == 400 and key in response.json()["detail"]


def test_quota_set_potentials_with_odd_seller_keys_are_ignored_not_a_500(acme):
    api = client_as(acme, "revops")
    pk = api.post(f"{BASE}/capacity-scenarios/", BODY, format="json").json()["id"]
    api.post(f"{BASE}/capacity-scenarios/{pk}/publish/", {}, format="json")
    response = api.post(f"{BASE}/quota-sets/", {"scenario": pk, "potentials": {"²": "1"}}, format="json")
    assert response.status_code == 201, response.content
