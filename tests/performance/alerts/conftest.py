from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from performance.models import OpportunityHistory
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory

D = dt.date.fromisoformat
TODAY = D("2027-03-01")


@pytest.fixture
def risky(acme):
    """acme on 2027-03-01: the rep has a stalled 150,000 deal (enough pipeline) and a past-due one.

    Quotas (build_tenant): rep and peer 100,000 each for 2027-Q1; rep won 60,000, peer 40,000, so
    the peer (no open pipeline, 60,000 left) has a pipeline gap and the rep (150,800 open against
    40,000 left = 3.8×) has none.
    """
    rep = acme.sellers["rep"]
    stalled = OpportunityFactory(tenant=acme.tenant, owner=rep, external_id="R1", name="Rocket deal", stage="A",
                                 is_closed=False, is_won=False, amount=Decimal("150000"), close_date=D("2027-03-20"))
    late = OpportunityFactory(tenant=acme.tenant, owner=rep, external_id="R2", name="Late deal", stage="B",
                              is_closed=False, is_won=False, amount=Decimal("800"), close_date=D("2027-02-25"))
    with tenant_atomic(acme.tenant):
        OpportunityHistory.objects.create(opportunity=stalled, as_of=D("2027-01-01"), stage="A", amount=Decimal("150000"),
                                          close_date=D("2027-03-20"), owner=rep)
        OpportunityHistory.objects.create(opportunity=late, as_of=D("2027-02-20"), stage="B", amount=Decimal("800"),
                                          close_date=D("2027-02-25"), owner=rep)
    acme.deals.update(stalled=stalled, late=late)
    return acme
