"""import_crm_maven on the real export: every quirk is handled and reported."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from performance.models import Opportunity
from planning.models import Account, Quota, Seller
from spm.hub.importers.crm_maven import default_data_dir
from spm.models import Tenant
from spm.tenancy.db import tenant_atomic

needs_the_export = pytest.mark.skipif(not (default_data_dir() / "sales_pipeline.csv").exists(),
                                      reason="the CRM export is not next to the repository (../shared/data/crm-maven)")


@needs_the_export
@pytest.mark.django_db
def test_it_imports_the_export_and_says_what_it_fixed():
    out = io.StringIO()
    call_command("import_crm_maven", tenant="globex", today=dt.date(2026, 11, 23), stdout=out)
    text = out.getvalue()
    assert "shifted by +9 years" in text
    assert "'GTXPro' matched to 'GTX Pro'" in text
    assert "technolgy" in text and "Philipines" in text
    assert "1,425  deals without an account" in text
    assert "2,473  lost deals with close_value 0" in text
    assert "500  prospecting deals without dates or value" in text
    tenant = Tenant.objects.get(slug="globex")
    with tenant_atomic(tenant):
        assert Seller.objects.filter(role_type="AE").count() == 35
        assert Seller.objects.count() == 42  # + 6 managers + one head of sales
        assert Opportunity.objects.count() == 8800
        # 4,238 won in the export; the 600 the shift dates after "today" are open commit pipeline instead
        assert Opportunity.objects.filter(stage="closed_won").count() == 4238 - 600
        assert Opportunity.objects.filter(stage="negotiation", forecast_category="commit").count() == 600
        assert not Opportunity.objects.filter(stage__startswith="closed", close_date__gt=dt.date(2026, 11, 23)).exists()
        assert Opportunity.objects.filter(account__isnull=True).count() == 1425
        assert not Opportunity.objects.filter(amount__lte=0).exists()
        assert not Account.objects.filter(industry="technolgy").exists()
        assert Account.objects.filter(country="Philippines").count() == 1
        latest = Opportunity.objects.filter(stage__startswith="closed").order_by("-close_date").values_list("close_date", flat=True).first()
        assert latest.year == 2026
        assert Quota.objects.filter(period="2026-Q2").count() > 30


@pytest.mark.django_db
def test_it_falls_back_to_a_generated_company_without_the_export(tmp_path):
    out = io.StringIO()
    call_command("import_crm_maven", tenant="globex", dir=tmp_path, today=dt.date(2026, 11, 23), stdout=out)
    assert "generating a small synthetic company" in out.getvalue()
    with tenant_atomic(Tenant.objects.get(slug="globex")):
        assert Seller.objects.count() == 30
