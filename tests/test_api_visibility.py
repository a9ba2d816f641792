"""Who sees what: the one visibility rule, applied by every list and detail endpoint."""

from tests.helpers import results


def test_rep_lists_only_own_statements(acme, api_as):
    rows = results(api_as(acme, "rep").get("/api/v1/t/acme/statements/"))
    assert [r["id"] for r in rows] == [acme.statements["rep"].pk]


def test_rep_gets_404_for_a_peers_statement(acme, api_as):
    response = api_as(acme, "rep").get(f"/api/v1/t/acme/statements/{acme.statements['peer'].pk}/")
    assert response.status_code == 404


def test_manager_sees_their_subtree_not_a_peers_team(acme, api_as):
    client = api_as(acme, "manager")
    statements = {r["seller"] for r in results(client.get("/api/v1/t/acme/statements/"))}
    assert statements == {acme.sellers["rep"].pk}
    sellers = {r["id"] for r in results(client.get("/api/v1/t/acme/sellers/"))}
    assert sellers == {acme.sellers["manager"].pk, acme.sellers["rep"].pk}
    deals = {r["id"] for r in results(client.get("/api/v1/t/acme/deals/"))}
    assert deals == {acme.deals["rep"].pk}
    assert client.get(f"/api/v1/t/acme/deals/{acme.deals['peer'].pk}/").status_code == 404


def test_finance_sees_every_statement(acme, api_as):
    rows = results(api_as(acme, "finance").get("/api/v1/t/acme/statements/"))
    assert {r["id"] for r in rows} == {s.pk for s in acme.statements.values()}


def test_statement_filters_by_period_and_status(acme, api_as):
    client = api_as(acme, "finance")
    assert len(results(client.get("/api/v1/t/acme/statements/?period=2027-01&status=published"))) == 2
    assert results(client.get("/api/v1/t/acme/statements/?period=2027-02")) == []
    assert results(client.get("/api/v1/t/acme/statements/?status=approved")) == []


def test_sellers_filter_by_manager_and_role_type(acme, api_as):
    client = api_as(acme, "revops")
    rows = results(client.get(f"/api/v1/t/acme/sellers/?manager={acme.sellers['vp'].pk}"))
    assert {r["id"] for r in rows} == {acme.sellers["manager"].pk, acme.sellers["other_manager"].pk}
    rows = results(client.get("/api/v1/t/acme/sellers/?role_type=AE"))
    assert {r["id"] for r in rows} == {acme.sellers["rep"].pk, acme.sellers["peer"].pk}


def test_rep_sees_own_quota_only(acme, api_as):
    rows = results(api_as(acme, "rep").get("/api/v1/t/acme/quotas/"))
    assert [r["seller"] for r in rows] == [acme.sellers["rep"].pk]
    assert rows[0]["amount"] == "100000.00"


def test_money_serializes_as_strings(acme, api_as):
    deal = api_as(acme, "rep").get(f"/api/v1/t/acme/deals/{acme.deals['rep'].pk}/").json()
    assert deal["amount"] == "60000.00"
    statement = api_as(acme, "rep").get(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/").json()
    assert statement["total"] == "6000.00"
    assert statement["lines"] == []


def test_an_executive_reads_no_individual_statements_through_the_api(api_as, acme):
    client = api_as(acme, "executive")
    assert client.get(f"/api/v1/t/{acme.tenant.slug}/statements/").status_code == 403
