"""The demo's plan of record: quotas really come from a published capacity scenario and quota set."""
from decimal import Decimal

import pytest

from planning.capacity.models import CapacityScenario
from planning.models import Quota
from planning.quotas.models import QuotaSet
from spm.hub.demo.capacity import capacity_plan_demo
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def test_demo_quotas_come_from_capacity(acme):
    lines = capacity_plan_demo(tenant=acme.tenant, actor=acme.users["revops"])
    assert len(lines) == 1 and lines[0].startswith("FY2027")
    with tenant_atomic(acme.tenant):
        scenario = CapacityScenario.objects.get(status="published")
        qset = QuotaSet.objects.get(status="published", scenario=scenario)
        # 100,000 of closed-won bookings over 2 quota carriers in 1 month → 600,000 a year each;
        # capacity 1,200,000 → target 1,200,000, × 1.1 to assign, 660,000 each
        assert scenario.segments[0]["productivity"] == "600000"
        assert scenario.target == Decimal("1200000") and qset.total == Decimal("1320000.00")
        rep = acme.sellers["rep"]
        rows = dict(Quota.objects.filter(seller=rep).values_list("period", "source"))
        assert rows["2027-01"] == "capacity" and Quota.objects.get(seller=rep, period="2027").amount == Decimal("660000")
        # the factory's manual 2027-Q1 quota now agrees with the capacity months
        assert Quota.objects.get(seller=rep, period="2027-Q1").amount == Decimal("165000.00")
        # managers carry their team's sum; the VP the whole company's
        assert Quota.objects.get(seller=acme.sellers["manager"], period="2027").amount == Decimal("660000.00")
        assert Quota.objects.get(seller=acme.sellers["vp"], period="2027").amount == Decimal("1320000.00")
        roster = {m.seller_id: m.target_incentive for m in scenario.roster.all()}
        assert roster[rep.pk] == Decimal("60000")
