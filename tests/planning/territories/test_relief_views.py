"""The "Quota relief" panel of the territory plan page and its Apply button (RevOps/admin only)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planning.models import Account, AccountAssignment, Quota, Seller, Territory, TerritoryOverride
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def draft_page(w, path: str = "") -> str:
    return f"/t/acme/territories/{w.draft.pk}/{path}"


def test_revops_sees_the_panel_and_applies_a_row_once(relief_world, client):
    w = relief_world
    client.force_login(w.users["revops"])
    html = client.get(draft_page(w)).content.decode()
    assert 'id="relief"' in html and 'data-testid="relief"' in html
    assert "acme Rep" in html and "acme Peer" in html and "0.2500" in html and "100,000" in html
    assert "Apply relief" in html
    body = {"from_seller": w.sellers["rep"].pk, "to_seller": w.sellers["peer"].pk}
    response = client.post(draft_page(w, "relief/apply/"), body, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/territories/{w.draft.pk}/#relief")
    html = response.content.decode()
    assert "Quota relief applied" in html and "Applied" in html
    response = client.post(draft_page(w, "relief/apply/"), body, follow=True)
    assert "already applied" in response.content.decode()
    with tenant_atomic(w.tenant):
        assert AuditEvent.objects.filter(action="quota.relief").count() == 1
        month = response.context["relief"][0]["month"]
        assert Quota.objects.get(seller=w.sellers["peer"], period=month).amount > 0


@pytest.mark.parametrize("persona", ["manager", "rep", "executive", "finance"])
def test_other_roles_cannot_apply_and_do_not_see_the_panel(relief_world, client, persona):
    w = relief_world
    client.force_login(w.users[persona])
    body = {"from_seller": w.sellers["rep"].pk, "to_seller": w.sellers["peer"].pk}
    assert client.post(draft_page(w, "relief/apply/"), body).status_code == 403
    response = client.get(draft_page(w))
    if response.status_code == 200:
        assert 'id="relief"' not in response.content.decode()
    with tenant_atomic(w.tenant):
        assert not AuditEvent.objects.filter(action="quota.relief").exists()


def test_a_bad_seller_id_is_a_message_not_a_500(relief_world, client):
    w = relief_world
    client.force_login(w.users["admin"])
    response = client.post(draft_page(w, "relief/apply/"), {"from_seller": "x"}, follow=True)
    assert response.status_code == 200 and "not a seller id" in response.content.decode()
    response = client.post(draft_page(w, "relief/apply/"), {"from_seller": "999999"}, follow=True)
    assert "proposes no quota relief" in response.content.decode()


def test_the_panel_runs_a_bounded_number_of_queries(relief_world, client, django_assert_max_num_queries):
    w = relief_world
    with tenant_atomic(w.tenant):
        apac = Territory.objects.get(plan=w.draft, name="APAC")
        others = [Seller.objects.create(external_id=f"relief-{i}", name=f"Relief {i}") for i in range(10)]
        for i, seller in enumerate(others):  # ten more losing sellers, each moving an account to peer
            account = Account.objects.create(external_id=f"R-{i}", name=f"R {i}", potential=Decimal("1000"),
                                             latitude=1, longitude=2)
            territory = Territory.objects.create(plan=w.territory_plan, name=f"Old {i}", owner=seller,
                                                 rules={"accounts": [f"R-{i}"]})
            AccountAssignment.objects.create(account=account, territory=territory, plan=w.territory_plan,
                                             seller=seller, effective_from=w.day)
            TerritoryOverride.objects.create(plan=w.draft, account=account, territory=apac)
    client.force_login(w.users["revops"])
    with django_assert_max_num_queries(30):
        response = client.get(draft_page(w))
    assert response.status_code == 200 and len(response.context["relief"]) == 11
