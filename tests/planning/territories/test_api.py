"""Territory API: roles, the accounts bulk upsert report, plan actions, bounded queries."""

from __future__ import annotations

import pytest

from planning.models import Account, Territory, TerritoryMove
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def url(path: str) -> str:
    return f"/api/v1/t/acme/{path}"


def test_bulk_upsert_returns_the_report_and_writes_nothing_on_an_error(acme, api_as):
    client = api_as(acme, "revops")
    rows = [{"external_id": "B-1", "name": "Bulk one", "potential": "1000", "region": "EMEA"},
            {"external_id": "B-2", "name": "Bulk two", "employees": "many"}]
    response = client.post(url("accounts/bulk/"), rows, format="json")
    assert response.status_code == 400
    assert response.json() == {"rows": 2, "created": 0, "updated": 0, "unchanged": 0, "errors": [
        {"line": 3, "column": "employees", "value": "many", "message": "employees must be a whole number >= 0"}],
        "error_count": 1}
    rows[1]["employees"] = 12
    response = client.post(url("accounts/bulk/"), {"rows": rows}, format="json")
    assert response.json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": [], "error_count": 0}
    response = client.post(url("accounts/bulk/"), {"file": _csv("external_id,name,potential\nB-1,Bulk one,2000\n")},
                           format="multipart")
    assert response.json() == {"rows": 1, "created": 0, "updated": 1, "unchanged": 0, "errors": [], "error_count": 0}
    with tenant_atomic(acme.tenant):
        assert str(Account.objects.get(external_id="B-1").potential) == "2000.00"


def _csv(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("accounts.csv", text.encode(), content_type="text/csv")


@pytest.mark.parametrize("persona", ["rep", "manager", "executive", "finance"])
def test_only_revops_and_admin_write(acme, api_as, persona):
    client = api_as(acme, persona)
    assert client.post(url("accounts/bulk/"), [], format="json").status_code == 403
    assert client.post(url("territory-plans/"), {"name": "X"}, format="json").status_code == 403


def test_revops_builds_balances_and_publishes_a_plan(territory_world, api_as):
    w = territory_world
    client = api_as(w, "revops")
    plan = client.post(url("territory-plans/"), {"name": "API plan", "copy_of": w.territory_plan.pk}, format="json")
    assert plan.status_code == 201, plan.content
    pk = plan.json()["id"]
    assert plan.json()["scenario_of"] == w.territory_plan.pk
    t = client.post(url("territories/"), {"plan": pk, "name": "LATAM", "rules": {"regions": ["LATAM"]},
                                          "owner": w.sellers["rep"].pk}, format="json")
    assert t.status_code == 201, t.content
    bad = client.post(url("territories/"), {"plan": pk, "name": "Bad", "rules": {"regions": "LATAM"}}, format="json")
    assert bad.status_code == 400 and "rules.regions" in bad.content.decode()
    body = client.post(url(f"territory-plans/{pk}/evaluate/")).json()
    assert body["summary"]["gaps"] == 1  # only the world's own account, which has no region
    assert {r["name"]: r["potential"] for r in body["territories"]} == {"EMEA": 400000.0, "APAC": 250000.0, "LATAM": 50000.0}
    moves = client.post(url(f"territory-plans/{pk}/balance/")).json()
    assert moves and all(m["cv_after"] < m["cv_before"] for m in moves)
    accepted = client.post(url(f"territory-moves/{moves[0]['id']}/accept/"))
    assert accepted.json()["status"] == "accepted"
    assert client.post(url(f"territory-moves/{moves[0]['id']}/reject/")).status_code == 409
    refused = client.post(url(f"territory-plans/{pk}/publish/"), {"effective_from": "2027-01-01"}, format="json")
    assert refused.status_code == 400 and "override" in refused.content.decode()
    published = client.post(url(f"territory-plans/{pk}/publish/"),
                            {"effective_from": "2027-01-01", "override_reason": "ramping market"}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    locked = client.patch(url(f"territories/{t.json()['id']}/"), {"name": "Renamed"}, format="json")
    assert locked.status_code == 409


def test_a_manager_reads_only_their_subtrees_territories(territory_world, api_as):
    w = territory_world
    names = [t["name"] for t in api_as(w, "manager").get(url(f"territories/?plan={w.territory_plan.pk}")).json()["results"]]
    assert names == ["EMEA"]  # rep (EMEA) reports to the manager; peer (APAC) does not
    body = api_as(w, "manager").get(url(f"territory-plans/{w.territory_plan.pk}/evaluation/")).json()
    assert [r["name"] for r in body["territories"]] == ["EMEA"]
    assert api_as(w, "executive").get(url(f"territory-plans/{w.territory_plan.pk}/evaluation/")).status_code == 200
    assert api_as(w, "rep").get(url("territory-plans/")).status_code == 403


@pytest.mark.parametrize("path", ["territories/?plan=99999999999999999999", "territories/?plan=%D9%A3",
                                  "activities/?owner=99999999999999999999", "coaching-notes/?seller=99999999999999999999"])
def test_an_id_parameter_beyond_a_64_bit_id_is_ignored_not_a_500(acme, api_as, path):
    # unbounded, such a value reached PostgreSQL as "bigint out of range"; "٣" is a digit to str.isdigit
    assert api_as(acme, "admin").get(url(path)).status_code == 200


def test_plan_and_territory_lists_have_bounded_query_counts(territory_world, api_as, django_assert_max_num_queries):
    w = territory_world
    with tenant_atomic(w.tenant):
        for i in range(20):
            Territory.objects.create(plan=w.territory_plan, name=f"Extra {i}", owner=w.sellers["rep"])
            TerritoryMove.objects.create(plan=w.territory_plan, account=w.accounts["T-1"], to_territory=w.territories["APAC"],
                                         position=i, cv_before=1, cv_after=0.5)
    client = api_as(w, "revops")
    for route in ("territory-plans/", "territories/", "territory-moves/", "accounts/"):
        with django_assert_max_num_queries(12):
            assert client.get(url(route)).status_code == 200


def test_a_precedence_too_large_to_store_is_a_400_not_a_500(territory_world, api_as):
    w = territory_world
    response = api_as(w, "revops").post(url("territories/"), {"plan": w.territory_plan.pk, "name": "Huge",
                                                              "precedence": 10**20}, format="json")
    assert response.status_code == 400 and "precedence" in response.content.decode()


@pytest.mark.parametrize("employees", ["²", "9" * 30])
def test_bulk_upsert_odd_whole_numbers_are_row_errors_not_a_500(acme, api_as, employees):
    rows = [{"external_id": "B-1", "name": "Bulk one", "employees": employees}]
    response = api_as(acme, "revops").post(url("accounts/bulk/"), rows, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["column"] == "employees"
