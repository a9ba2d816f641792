"""The quota grid (roll-ups, CSV export/import) and quota set pages by role."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planning.capacity import services as capacity_services
from planning.models import Quota
from planning.quotas.models import QuotaSet
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

SEGMENTS = [{"name": "mid", "productivity": "480000", "ramp_months": 6}]


def url(world, name, **kw):
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kw})


@pytest.fixture
def published(acme):
    revops = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        s = capacity_services.capacity_scenario_create(name="FY27", year=2027, target="960000", segments=SEGMENTS,
                                                       over_assignment="0.1", actor=revops)
        return capacity_services.capacity_scenario_publish(scenario=s, actor=revops, override_reason="tests")


def test_allocate_review_and_publish_through_the_pages(client, acme, published):
    client.force_login(acme.users["revops"])
    response = client.post(url(acme, "hub:quota_set_create", pk=published.pk),
                           {"method": "capacity", "seasonality": "1 1 1 2", "blend_weight": "0.3"})
    assert response.status_code == 302
    with tenant_atomic(acme.tenant):
        qset = QuotaSet.objects.get()
    html = client.get(url(acme, "planning:quota_set_detail", pk=qset.pk)).content.decode()
    assert "528,000.00" in html and "1,056,000.00" in html
    assert client.post(url(acme, "planning:quota_set_publish", pk=qset.pk), {}).status_code == 302
    with tenant_atomic(acme.tenant):
        assert Quota.objects.get(seller=acme.sellers["rep"], period="2027-12").amount == Decimal("70400.00")
    grid = client.get(url(acme, "planning:quotas") + "?year=2027").content.decode()
    assert "105,600.00" in grid and "528,000.00" in grid and "sum of direct reports" in grid
    assert "every quota within reachable capacity" in grid
    upload = SimpleUploadedFile("q.csv", b"seller,period,amount\nacme-rep,2027-12,500000\n")
    client.post(url(acme, "planning:quotas") + "?year=2027", {"file": upload})
    grid = client.get(url(acme, "planning:quotas") + "?year=2027").content.decode()
    assert "1 seller above reachable capacity" in grid and "Above capacity</span>" in grid
    assert client.post(url(acme, "planning:quotas") + "?year=2027", {"action": "rollup"}).status_code == 302
    with tenant_atomic(acme.tenant):
        # the manager's year = the rep's: 528,000 − 70,400 (December) + 500,000 imported
        assert Quota.objects.get(seller=acme.sellers["manager"], period="2027").amount == Decimal("957600.00")


def test_blend_uses_trailing_attainment_from_the_hub(client, acme, published):
    client.force_login(acme.users["revops"])
    with tenant_atomic(acme.tenant):
        Quota.objects.create(seller=acme.sellers["rep"], period="2026", amount=Decimal("100000"))
    from performance.models import Opportunity
    with tenant_atomic(acme.tenant):
        Opportunity.objects.filter(pk=acme.deals["rep"].pk).update(close_date="2026-06-01")  # 60,000 of 100,000
    client.post(url(acme, "hub:quota_set_create", pk=published.pk), {"method": "blend", "blend_weight": "0.5"})
    with tenant_atomic(acme.tenant):
        qset = QuotaSet.objects.get()
        rep = qset.allocations.get(seller=acme.sellers["rep"]).amount
    # rep weight 1 × (0.5 + 0.5 × 0.6) = 0.8, peer (no quota) 1: 1,056,000 × 0.8 / 1.8
    assert rep == Decimal("469333.33")


def test_managers_and_executives_read_reps_read_own_and_cannot_import(client, acme, published):
    client.force_login(acme.users["manager"])
    html = client.get(url(acme, "planning:quotas") + "?year=2027").content.decode()
    assert "acme Rep" in html and "acme Peer" not in html and "Import quotas" not in html
    upload = SimpleUploadedFile("q.csv", b"seller,period,amount\nacme-rep,2027-01,5\n")
    assert client.post(url(acme, "planning:quotas"), {"file": upload}).status_code == 403
    client.force_login(acme.users["rep"])
    html = client.get(url(acme, "planning:quotas") + "?year=2027").content.decode()
    assert "acme Rep" in html and "acme Manager" not in html


def test_csv_import_and_export(client, acme):
    client.force_login(acme.users["revops"])
    bad = SimpleUploadedFile("q.csv", b"seller,period,amount\nacme-rep,2027-01,x\n")
    response = client.post(url(acme, "planning:quotas") + "?year=2027", {"file": bad})
    assert response.status_code == 200 and "line 2, column &#x27;amount&#x27;" in response.content.decode()
    good = SimpleUploadedFile("q.csv", b"seller,period,amount\nacme-rep,2027-01,1234.5\nacme-peer,2027-02,10\n")
    assert client.post(url(acme, "planning:quotas") + "?year=2027", {"file": good}).status_code == 302
    text = client.get(url(acme, "planning:quotas_export") + "?year=2027").content.decode()
    assert text.splitlines()[0] == "seller,name,measure,period,amount,source"
    assert "acme-rep,acme Rep,bookings,2027-01,1234.50,manual" in text
    client.force_login(acme.users["manager"])
    assert "acme-peer" not in client.get(url(acme, "planning:quotas_export") + "?year=2027").content.decode()


def test_grid_query_count_is_bounded(client, acme, django_assert_max_num_queries):
    client.force_login(acme.users["revops"])
    with django_assert_max_num_queries(12):
        assert client.get(url(acme, "planning:quotas") + "?year=2027&by=month").status_code == 200


def test_quota_set_pages_404_across_tenants(client, acme, globex, published):
    with tenant_atomic(acme.tenant):
        from planning.quotas.services import quota_set_create
        qset = quota_set_create(scenario=published, actor=acme.users["revops"])
    client.force_login(globex.users["admin"])
    assert client.get(url(globex, "planning:quota_set_detail", pk=qset.pk)).status_code == 404
    client.force_login(acme.users["rep"])
    assert client.get(url(acme, "planning:quota_set_detail", pk=qset.pk)).status_code == 403


@pytest.mark.parametrize("name", ["planning:quotas", "planning:quotas_export"])
@pytest.mark.parametrize("year", ["²", "9" * 5000])
def test_an_odd_year_parameter_falls_back_instead_of_a_500(client, acme, name, year):
    client.force_login(acme.users["revops"])
    response = client.get(reverse(name, kwargs={"tenant": acme.tenant.slug}), {"year": year})
    assert response.status_code == 200
