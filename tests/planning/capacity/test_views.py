"""Capacity pages by role: RevOps edits, managers read their subtree, executives read all, reps 403."""
import pytest
from django.urls import reverse

from planning.capacity import services
from planning.capacity.models import CapacityScenario
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

SEGMENTS = [{"name": "mid", "productivity": "490000", "ramp_months": 6}]


def url(world, name, **kw):
    return reverse(f"planning:{name}", kwargs={"tenant": world.tenant.slug, **kw})


@pytest.fixture
def scenario(acme):
    with tenant_atomic(acme.tenant):
        s = services.capacity_scenario_create(name="FY27", year=2027, target="1200000", segments=SEGMENTS,
                                              over_assignment="0.12", actor=acme.users["revops"],
                                              gap_segment="mid", gap_start="2027-01")
        hypo = services.roster_member(name="Future AE", segment="mid", hire_date=None)
        services.capacity_scenario_update(scenario=s, actor=acme.users["revops"], roster=[*s.roster.all(), hypo])
    return s


@pytest.mark.parametrize(("persona", "status"), [("rep", 403), ("manager", 200), ("executive", 200),
                                                  ("revops", 200), ("admin", 200)])
def test_list_and_detail_by_role(client, acme, scenario, persona, status):
    client.force_login(acme.users[persona])
    assert client.get(url(acme, "capacity")).status_code == status
    response = client.get(url(acme, "capacity_detail", pk=scenario.pk))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        # 3 × 490,000 (two sellers and a hypothetical one) = 1,470,000 ≥ 1,200,000 target
        assert "1,470,000.00" in html and "plotly" in html.lower() and 'id="months"' in html


def test_manager_sees_only_their_subtree_on_the_roster(client, acme, scenario):
    client.force_login(acme.users["manager"])
    html = client.get(url(acme, "capacity_detail", pk=scenario.pk)).content.decode()
    assert "acme Rep" in html and "acme Peer" not in html and "Future AE" not in html
    client.force_login(acme.users["executive"])
    html = client.get(url(acme, "capacity_detail", pk=scenario.pk)).content.decode()
    assert "acme Peer" in html and "Future AE" in html


def test_only_revops_and_admin_edit(client, acme, scenario):
    for persona in ("manager", "executive"):
        client.force_login(acme.users[persona])
        assert client.get(url(acme, "capacity_new")).status_code == 403
        assert client.post(url(acme, "capacity_copy", pk=scenario.pk)).status_code == 403
    client.force_login(acme.users["revops"])
    assert client.get(url(acme, "capacity_new")).status_code == 200
    assert "acme-rep" in client.get(url(acme, "capacity_edit", pk=scenario.pk)).content.decode()


def test_create_edit_copy_publish_and_compare_through_the_pages(client, acme):
    client.force_login(acme.users["revops"])
    form = {"name": "Plan A", "year": "2027", "target": "12000000", "over_assignment": "0.12", "attrition": "0",
            "segments": "ent, 490000, 6", "hires": "ent, 2, 2027-03",
            "roster": "acme-rep, ent, 2020-01-01\n+New Hire, ent, 2027-02-01", "gap_segment": "ent",
            "gap_start": "2027-01"}
    response = client.post(url(acme, "capacity_new"), form)
    assert response.status_code == 302
    with tenant_atomic(acme.tenant):
        a = CapacityScenario.objects.get(name="Plan A")
        assert a.roster.count() == 2 and a.hires == [{"segment": "ent", "count": 2, "start": "2027-03"}]
    bad = client.post(url(acme, "capacity_edit", pk=a.pk), {**form, "segments": "ent, lots, 6"})
    assert bad.status_code == 200 and "is not a number" in bad.content.decode()
    bad = client.post(url(acme, "capacity_edit", pk=a.pk), {**form, "roster": "nobody, ent"})
    assert "no seller" in bad.content.decode()
    bad = client.post(url(acme, "capacity_edit", pk=a.pk), {**form, "hires": "mid, 2, 2027-05"})
    assert "line 1: unknown segment" in bad.content.decode()
    bad = client.post(url(acme, "capacity_edit", pk=a.pk), {**form, "gap_start": "2030-01"})
    assert "is outside the plan year" in bad.content.decode()
    assert client.post(url(acme, "capacity_edit", pk=a.pk), {**form, "target": "9000000"}).status_code == 302
    assert client.post(url(acme, "capacity_copy", pk=a.pk)).status_code == 302
    with tenant_atomic(acme.tenant):
        b = CapacityScenario.objects.get(name="Plan A (copy)")
    assert client.post(url(acme, "capacity_publish", pk=a.pk), {"override_reason": ""}).status_code == 302
    with tenant_atomic(acme.tenant):
        a.refresh_from_db()
        assert a.status == "published"
        assert AuditEvent.objects.filter(action__startswith="capacity_scenario.").count() >= 4
    assert client.get(url(acme, "capacity_edit", pk=a.pk)).status_code == 404  # published: copy it
    response = client.get(url(acme, "capacity_compare") + f"?ids={a.pk}&ids={b.pk}")
    html = response.content.decode()
    assert response.status_code == 200 and "Plan A (copy)" in html and 'id="compare-chart"' in html
    exported = client.get(url(acme, "capacity_export", pk=a.pk)).json()
    assert exported["target"] == "9000000" and exported["roster"][0]["id"] in ("acme-rep", "+New Hire")


def test_list_page_query_count_is_bounded(client, acme, scenario, django_assert_max_num_queries):
    client.force_login(acme.users["revops"])
    with django_assert_max_num_queries(12):
        assert client.get(url(acme, "capacity")).status_code == 200


def test_other_tenant_gets_404(client, acme, globex, scenario):
    client.force_login(globex.users["admin"])
    assert client.get(url(acme, "capacity_detail", pk=scenario.pk)).status_code == 404
    client.force_login(globex.users["admin"])
    assert client.get(url(globex, "capacity_detail", pk=scenario.pk)).status_code == 404


def test_detail_query_count_does_not_grow_with_the_roster(client, acme, django_assert_max_num_queries):
    with tenant_atomic(acme.tenant):
        roster = [services.roster_member(name=f"Seat {i}", segment="mid") for i in range(300)]
        big = services.capacity_scenario_create(name="big", year=2027, target="1", segments=SEGMENTS, roster=roster,
                                                actor=acme.users["revops"])
    client.force_login(acme.users["revops"])
    with django_assert_max_num_queries(16):
        response = client.get(url(acme, "capacity_detail", pk=big.pk))
    assert response.status_code == 200 and "Seat 299" in response.content.decode()


def test_a_refused_line_is_named_by_its_line_on_its_own_box(client, acme):
    """The service names list items from 0 ("hires[1].segment"); the page shows the textarea's line
    number (blank and comment lines count, as in the form's own errors) next to that textarea."""
    client.force_login(acme.users["revops"])
    form = {"name": "Plan L", "year": "2027", "target": "1000000", "over_assignment": "0.1", "attrition": "0",
            "segments": "ent, 490000, 6", "hires": "ent, 2, 2027-03\n\n# later\nsdr, 1, 2027-05", "roster": "",
            "gap_segment": "nope", "gap_start": ""}
    response = client.post(url(acme, "capacity_new"), form)
    assert response.status_code == 200
    errors = {name: [str(e) for e in errs] for name, errs in response.context["form"].errors.items()}
    assert errors == {"hires": ["line 4: unknown segment 'sdr'"]}
    response = client.post(url(acme, "capacity_new"), {**form, "hires": ""})
    errors = {name: [str(e) for e in errs] for name, errs in response.context["form"].errors.items()}
    assert errors == {"gap_segment": ["unknown segment 'nope'"]}
    with tenant_atomic(acme.tenant):
        assert not CapacityScenario.objects.filter(name="Plan L").exists()


@pytest.mark.parametrize(("field", "value"), [("hires", "ent, ³, 2027-03"), ("segments", "ent, 490000, ²")])
def test_non_ascii_digits_are_a_form_error_not_a_500(client, acme, field, value):
    client.force_login(acme.users["revops"])
    form = {"name": "Plan A", "year": "2027", "target": "12000000", "over_assignment": "0.12", "attrition": "0",
            "segments": "ent, 490000, 6", "hires": "", "roster": "", "gap_segment": "ent", "gap_start": "2027-01",
            field: value}
    response = client.post(url(acme, "capacity_new"), form)
    assert response.status_code == 200 and "line 1" in response.content.decode()


@pytest.mark.parametrize("ids", ["²", "9" * 30])
def test_compare_ignores_ids_that_are_not_scenario_ids(client, acme, scenario, ids):
    client.force_login(acme.users["revops"])
    response = client.get(url(acme, "capacity_compare"), {"ids": [ids, scenario.pk]})
    assert response.status_code == 200 and "FY27" in response.content.decode()
