"""The trailing attainment a blended quota allocation weighs (spm.hub.quota_planning)."""

import datetime as dt
from decimal import Decimal

import pytest

from planning.models import Quota
from spm.hub.quota_planning import trailing_attainment_by_seller
from spm.models import FxRate
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_trailing_attainment_converts_bookings_to_the_tenant_currency(acme):
    """10,000 EUR won when 1 EUR = 1.10 USD is 11,000 of a 100,000 USD quota: 11 %, as the scorecards
    count it (the raw sum read 10 %)."""
    rep = acme.sellers["rep"]
    OpportunityFactory(tenant=acme.tenant, owner=rep, amount=Decimal("10000.00"), currency="EUR",
                       stage="closed_won", close_date=dt.date(2026, 6, 1))
    with tenant_atomic(acme.tenant):
        FxRate.objects.create(currency="EUR", rate_to_base=Decimal("1.10"), effective_from=dt.date(2026, 1, 1))
        Quota.objects.create(seller=rep, period="2026", amount=Decimal("100000"))
        assert trailing_attainment_by_seller(year=2027) == {rep.pk: Decimal("0.11")}
