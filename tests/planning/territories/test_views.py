"""Territory pages by role: read for planning roles, edit for RevOps/admin, bounded queries."""

from __future__ import annotations

import pytest

from planning.models import Account, Territory, TerritoryPlan
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def page(world, path: str = "") -> str:
    return f"/t/acme/territories/{path}"


def plan_page(world, path: str = "") -> str:
    return page(world, f"{world.territory_plan.pk}/{path}")


@pytest.mark.parametrize(("persona", "status"), [("revops", 200), ("admin", 200), ("executive", 200),
                                                 ("manager", 200), ("finance", 200), ("rep", 403)])
def test_who_reads_the_plan_page(territory_world, client, persona, status):
    client.force_login(territory_world.users[persona])
    assert client.get(plan_page(territory_world)).status_code == status


def test_the_plan_page_shows_figures_flags_gaps_and_the_map(territory_world, client):
    client.force_login(territory_world.users["executive"])
    html = client.get(plan_page(territory_world)).content.decode()
    assert "400,000" in html and "250,000" in html  # EMEA and APAC potential
    assert "short of quota" in html  # APAC: 250,000 < 400,000
    assert "T-4" in html  # the LATAM gap
    assert "vendor/topojson/" in html and "scattergeo" in html
    assert "Publish plan" not in html and "Propose balancing moves" not in html  # executives read only


def test_a_manager_sees_only_their_teams_territories(territory_world, client):
    client.force_login(territory_world.users["manager"])
    html = client.get(plan_page(territory_world)).content.decode()
    assert "EMEA" in html and ">APAC<" not in html


def test_editing_is_refused_to_reading_roles(territory_world, client):
    client.force_login(territory_world.users["executive"])
    assert client.post(plan_page(territory_world, "balance/")).status_code == 403
    assert client.get(plan_page(territory_world, "territories/new/")).status_code == 403
    assert client.post(page(territory_world), {"name": "Mine"}).status_code == 403


def test_revops_edits_rules_in_the_editor(territory_world, client):
    w = territory_world
    client.force_login(w.users["revops"])
    response = client.post(plan_page(w, "territories/new/"), {
        "name": "LATAM SMB", "owner": w.sellers["rep"].pk, "precedence": 50, "regions": "LATAM",
        "segments": ["SMB"], "employees_max": "", "accounts": "T-2\nT-3"})
    assert response.status_code == 302
    with tenant_atomic(w.tenant):
        t = Territory.objects.get(plan=w.territory_plan, name="LATAM SMB")
    assert t.rules == {"regions": ["LATAM"], "segments": ["SMB"], "accounts": ["T-2", "T-3"]}
    bad = client.post(plan_page(w, f"territories/{t.pk}/"), {"name": "LATAM SMB", "precedence": 50,
                                                            "employees_min": 10, "employees_max": 5})
    assert bad.status_code == 200 and "above max" in bad.content.decode()


def test_publishing_from_the_page_needs_the_override_reason(territory_world, client):
    w = territory_world
    client.force_login(w.users["revops"])
    client.post(plan_page(w, "publish/"), {"effective_from": "2027-01-01"})
    with tenant_atomic(w.tenant):
        assert TerritoryPlan.objects.get(pk=w.territory_plan.pk).status == "draft"
    client.post(plan_page(w, "publish/"), {"effective_from": "2027-01-01", "override_reason": "entering APAC"})
    with tenant_atomic(w.tenant):
        plan = TerritoryPlan.objects.get(pk=w.territory_plan.pk)
        assert (plan.status, plan.override_reason) == ("published", "entering APAC")
        assert Account.objects.get(external_id="T-3").owner == w.sellers["peer"]
        assert AuditEvent.objects.filter(action="territory_plan.publish", actor=w.users["revops"]).exists()


def test_balancing_and_deciding_from_the_page(territory_world, client):
    w = territory_world
    client.force_login(w.users["revops"])
    assert client.post(plan_page(w, "balance/")).status_code == 302
    with tenant_atomic(w.tenant):
        move = w.territory_plan.moves.get()
    client.post(plan_page(w, f"moves/{move.pk}/reject/"))
    move.refresh_from_db()
    assert move.status == "rejected"


def test_the_upload_page_reports_row_errors(territory_world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(territory_world.users["revops"])
    upload = SimpleUploadedFile("a.csv", b"external_id,name,potential\nU-1,Up,-1\n", content_type="text/csv")
    html = client.post(page(territory_world, "accounts/import/"), {"file": upload}).content.decode()
    assert "potential must be an amount &gt;= 0" in html and "nothing was imported" in html


def test_compare_puts_two_plans_side_by_side(territory_world, client):
    w = territory_world
    client.force_login(w.users["revops"])
    client.post(page(w), {"name": "Scenario B", "copy_of": w.territory_plan.pk})
    with tenant_atomic(w.tenant):
        b = TerritoryPlan.objects.get(name="Scenario B")
    html = client.get(page(w, f"compare/?a={w.territory_plan.pk}&b={b.pk}")).content.decode()
    assert "Scenario B" in html and "0 accounts would change owner" in html


def test_the_pages_run_a_bounded_number_of_queries(territory_world, client, django_assert_max_num_queries):
    w = territory_world
    with tenant_atomic(w.tenant):
        for i in range(30):
            Territory.objects.create(plan=w.territory_plan, name=f"Extra {i}", owner=w.sellers["rep"],
                                     rules={"industries": [f"x{i}"]})
            Account.objects.create(external_id=f"Q-{i}", name=f"Q {i}", industry=f"x{i}", latitude=1, longitude=2)
    client.force_login(w.users["revops"])
    for path in (page(w), plan_page(w), page(w, f"compare/?a={w.territory_plan.pk}&b={w.territory_plan.pk}")):
        with django_assert_max_num_queries(25):
            assert client.get(path).status_code == 200


def test_the_plan_list_flags_published_territories_a_quota_change_put_out_of_line(territory_world, client):
    from decimal import Decimal

    from planning.models import Quota
    from planning.territories.services import territory_plan_publish

    w = territory_world
    with tenant_atomic(w.tenant):
        territory_plan_publish(plan=w.territory_plan, effective_from=w.day, override_reason="APAC is new")
        Quota.objects.filter(seller=w.sellers["peer"]).update(amount=Decimal("200000"))
    client.force_login(w.users["revops"])
    assert "In line" in client.get(page(w)).content.decode()  # APAC 250,000 now covers peer's 200,000
    with tenant_atomic(w.tenant):
        Quota.objects.filter(seller=w.sellers["rep"], period="2027-Q1").update(amount=Decimal("300000"))
    html = client.get(page(w)).content.decode()
    assert "Out of line" in html and "EMEA" in html  # rep's year is now 450,000 against 400,000 of potential


def test_the_plan_list_evaluates_the_published_plan_once_until_its_inputs_change(territory_world, client, monkeypatch,
                                                                                 django_assert_max_num_queries):
    from decimal import Decimal

    from planning.models import Quota
    from planning.territories import selectors
    from planning.territories.services import territory_plan_publish

    w = territory_world
    with tenant_atomic(w.tenant):
        territory_plan_publish(plan=w.territory_plan, effective_from=w.day, override_reason="APAC is new")
    client.force_login(w.users["revops"])
    first = client.get(page(w)).content.decode()
    with monkeypatch.context() as m:
        m.setattr(selectors, "plan_evaluation", lambda *a, **k: pytest.fail("evaluated again"))
        with django_assert_max_num_queries(12):  # request bookkeeping, plans, quotas, audit version
            assert ("Out of line" in client.get(page(w)).content.decode()) == ("Out of line" in first)
    with tenant_atomic(w.tenant):
        Quota.objects.filter(seller=w.sellers["rep"], period="2027-Q1").update(amount=Decimal("300000"))
    assert "Out of line" in client.get(page(w)).content.decode()  # a quota change: evaluated afresh


def test_a_new_empty_plan_opens_on_its_page(territory_world, client):
    """A plan created with "start empty" has no territory yet: its page shows it, not a 500."""
    w = territory_world
    client.force_login(w.users["revops"])
    response = client.post(page(w), {"name": "Blank slate", "copy_of": ""})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Blank slate" in html and "Add territory" in html


def test_a_precedence_too_large_to_store_is_a_form_error_not_a_500(territory_world, client):
    w = territory_world
    client.force_login(w.users["revops"])
    emea = w.territories["EMEA"]
    response = client.post(plan_page(w, f"territories/{emea.pk}/"), {"name": "EMEA", "precedence": "99999999999999999999",
                                                                     "regions": "EMEA"})
    assert response.status_code == 200 and "precedence" in response.content.decode().lower()
    with tenant_atomic(w.tenant):
        assert Territory.objects.get(pk=emea.pk).precedence == 100


def test_named_accounts_that_do_not_exist_are_named_on_the_form(territory_world, client):
    """A typo in a named account saved silently and the account stayed where it was."""
    w = territory_world
    client.force_login(w.users["revops"])
    emea = w.territories["EMEA"]
    response = client.post(plan_page(w, f"territories/{emea.pk}/"), {"name": "EMEA", "precedence": 100, "regions": "EMEA",
                                                                     "accounts": "T-1\nT-9, X-2"})
    assert response.status_code == 200
    assert "no account with external id T-9, X-2" in response.content.decode()
    with tenant_atomic(w.tenant):
        assert "accounts" not in Territory.objects.get(pk=emea.pk).rules
