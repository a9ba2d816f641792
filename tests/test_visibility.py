"""Who sees what inside one tenant (DESIGN.md "Who uses it", spm/roles.py CAPABILITIES).

The rule lives in ONE selector (planning.selectors.visible_seller_ids); these tests pin it down
through the selectors that compose it and through the pages and API that use them.

The acme hierarchy (factories.build_tenant) plus a second level added here:
    VP ─┬─ Manager (user: manager) ─┬─ Rep (user: rep)
        │                           └─ Team lead ── Junior      (two levels below the manager)
        └─ Other Manager ── Peer (user: peer)                   (a peer team: the manager must not see it)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from compensation.models import Statement
from compensation.selectors import statement_list
from performance.selectors import opportunity_list
from planning.selectors import visible_seller_ids
from spm.models import Membership
from spm.tenancy.access import TenantAccess
from spm.tenancy.db import tenant_atomic
from tests import factories


@pytest.fixture
def world(acme, globex):
    """acme with a two-level team under the manager, a deal and a draft statement for each."""
    tenant = acme.tenant
    lead = factories.SellerFactory(
        tenant=tenant, external_id="acme-lead", name="acme Team Lead", manager=acme.sellers["manager"],
        role_type="manager",
    )
    junior = factories.SellerFactory(tenant=tenant, external_id="acme-junior", name="acme Junior", manager=lead)
    acme.sellers.update(lead=lead, junior=junior)
    acme.deals["junior"] = factories.OpportunityFactory(
        tenant=tenant, external_id="acme-D3", name="acme junior deal", owner=junior,
    )
    with tenant_atomic(tenant):
        acme.statements["junior"] = Statement.all_tenants.create(
            tenant=tenant, seller=junior, period="2027-01", total=Decimal("100.00"),
            status=Statement.Status.PUBLISHED, prepared_by=acme.users["revops"],
        )
        for persona in ("rep", "junior"):
            acme.statements[f"{persona}_draft"] = Statement.all_tenants.create(
                tenant=tenant, seller=acme.sellers[persona], period="2027-02", total=Decimal("1.00"),
                status=Statement.Status.DRAFT,
            )
    return acme


def access(world, persona) -> TenantAccess:
    membership = Membership.objects.get(user=world.users[persona])
    return TenantAccess(tenant=world.tenant, membership=membership)


def seen(world, persona):
    """(visible seller external ids or None for all, statement pks, deal external ids) of a persona."""
    with tenant_atomic(world.tenant):
        a = access(world, persona)
        ids = visible_seller_ids(a)
        sellers = None if ids is None else _external_ids(ids)
        statements = set(statement_list(access=a).values_list("pk", flat=True))
        deals = set(opportunity_list(access=a).values_list("external_id", flat=True))
    return sellers, statements, deals


def _external_ids(ids):
    from planning.models import Seller

    return set(Seller.objects.filter(pk__in=ids).values_list("external_id", flat=True))


def pks(world, *names):
    return {world.statements[n].pk for n in names}


def test_a_rep_sees_only_their_own_published_statements_and_deals(world):
    sellers, statements, deals = seen(world, "rep")
    assert sellers == {"acme-rep"}
    assert statements == pks(world, "rep")  # not the draft, not the peer's
    assert deals == {"acme-D1"}


def test_a_manager_sees_their_whole_subtree_recursively_but_not_peers_teams(world):
    sellers, statements, deals = seen(world, "manager")
    assert sellers == {"acme-mgr", "acme-rep", "acme-lead", "acme-junior"}
    assert "acme-peer" not in sellers and "acme-mgr2" not in sellers
    assert statements == pks(world, "rep", "junior")  # two levels down, published only
    assert deals == {"acme-D1", "acme-D3"}


@pytest.mark.parametrize("persona", ["finance", "revops", "admin"])
def test_finance_revops_and_admin_see_every_statement_of_the_tenant_including_drafts(world, persona):
    sellers, statements, deals = seen(world, persona)
    assert sellers is None
    with tenant_atomic(world.tenant):
        everything = set(Statement.objects.values_list("pk", flat=True))
    assert statements == everything
    assert pks(world, "rep_draft", "junior_draft") <= statements
    assert all(d.startswith("acme") for d in deals) and {"acme-D1", "acme-D2", "acme-D3"} <= deals


def test_reps_and_managers_never_see_drafts(world):
    for persona in ("rep", "manager", "peer"):
        _, statements, _ = seen(world, persona)
        assert not statements & pks(world, "rep_draft", "junior_draft"), persona


def test_an_executive_sees_analytics_but_not_other_peoples_statements(world):
    with tenant_atomic(world.tenant):
        a = access(world, "executive")
        assert a.can("analytics.view")
        assert not a.can("statements.view_all")
        statements = set(statement_list(access=a).values_list("pk", flat=True))
    assert statements == set(), "an executive has no statements.view_all: their statement list must be empty"
    client = Client()
    client.force_login(world.users["executive"])
    assert client.get("/t/acme/").status_code == 200  # the dashboard
    detail = client.get(f"/t/acme/statements/{world.statements['rep'].pk}/")
    assert detail.status_code == 403, detail.status_code  # a visible page the role may not open


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_statement_and_deal_pages_follow_the_same_rule(world):
    client = Client()
    client.force_login(world.users["rep"])
    statements = _page(client, "/t/acme/statements/")
    # A rep's own list leads with period and total (no name column): the links say whose statements are listed.
    link = "/t/acme/statements/{}/".format
    assert link(world.statements["rep"].pk) in statements
    assert link(world.statements["peer"].pk) not in statements and link(world.statements["junior"].pk) not in statements
    assert "acme Peer" not in statements and "acme Junior" not in statements
    deals = _page(client, "/t/acme/deals/")
    assert "acme rep deal" in deals and "acme peer deal" not in deals
    assert client.get(f"/t/acme/statements/{world.statements['peer'].pk}/").status_code == 404
    assert client.get(f"/t/acme/statements/{world.statements['rep_draft'].pk}/").status_code == 404

    client.force_login(world.users["manager"])
    statements = _page(client, "/t/acme/statements/")
    assert "acme Junior" in statements and "acme Peer" not in statements
    assert client.get(f"/t/acme/statements/{world.statements['junior'].pk}/").status_code == 200
    assert client.get(f"/t/acme/statements/{world.statements['peer'].pk}/").status_code == 404


def test_the_api_follows_the_same_rule(world):
    client = Client()
    client.force_login(world.users["rep"])
    response = client.get("/api/v1/t/acme/statements/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["id"] for r in rows} == pks(world, "rep")
    assert client.get(f"/api/v1/t/acme/statements/{world.statements['peer'].pk}/").status_code == 404

    client.force_login(world.users["finance"])
    rows = client.get("/api/v1/t/acme/statements/?page_size=100").json()["results"]
    assert pks(world, "rep", "peer", "junior", "rep_draft", "junior_draft") <= {r["id"] for r in rows}


def test_a_seller_left_outside_the_hierarchy_is_seen_only_by_tenant_wide_roles(world):
    orphan = factories.SellerFactory(tenant=world.tenant, external_id="acme-orphan", name="acme Orphan",
                                     hire_date=dt.date(2025, 1, 1))
    for persona in ("rep", "manager"):
        sellers, _, _ = seen(world, persona)
        assert orphan.external_id not in sellers
    assert seen(world, "finance")[0] is None
