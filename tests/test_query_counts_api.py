"""List endpoints run a bounded number of queries, whatever the number of rows (no N+1)."""

import datetime as dt
from decimal import Decimal

import pytest

from compensation.models import Adjustment, EarningLine, PlanAssignment, Statement
from performance.models import OpportunitySplit
from planning.models import Account, Territory, TerritoryPlan
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory, QuotaFactory, SellerFactory
from tests.helpers import results

ROUTES = ["sellers", "accounts", "territories", "quotas", "deals", "plans", "assignments", "statements", "lines",
          "adjustments", "runs", "audit-events"]


def _grow(world, n: int = 15) -> None:
    """n more sellers under the manager, each with a quota, a split deal, a statement and an adjustment."""
    tenant = world.tenant
    for i in range(n):
        seller = SellerFactory(tenant=tenant, external_id=f"{tenant.slug}-x{i}", manager=world.sellers["manager"])
        QuotaFactory(tenant=tenant, seller=seller)
        deal = OpportunityFactory(tenant=tenant, owner=seller, amount=Decimal("1000"))
        with tenant_atomic(tenant):
            OpportunitySplit.objects.create(opportunity=deal, seller=world.sellers["rep"], pct=Decimal("10"))
            statement = Statement.objects.create(seller=seller, period="2027-01", total=Decimal("1.00"), status="published")
            EarningLine.objects.create(statement=statement, seller=seller, period="2027-01", component="c",
                                       kind="commission", amount=Decimal("1.00"), explanation="e", opportunity=deal,
                                       deal_external_id=deal.external_id)
            Adjustment.objects.create(seller=seller, period="2027-01", amount=Decimal("5.00"), reason="r")
            PlanAssignment.objects.create(seller=seller, plan=world.plan, start_date=dt.date(2027, 1, 1))
            plan, _ = TerritoryPlan.objects.get_or_create(name="Grown")
            territory = Territory.objects.create(plan=plan, name=f"T{i}", owner=seller)
            Account.objects.create(external_id=f"{tenant.slug}-a{i}", name=f"A{i}", territory=territory)


@pytest.mark.parametrize("persona", ["admin", "manager"])
@pytest.mark.parametrize("route", ROUTES)
def test_list_endpoints_have_bounded_query_counts(acme, api_as, django_assert_max_num_queries, route, persona):
    _grow(acme)
    client = api_as(acme, persona)
    url = f"/api/v1/t/acme/{route}/"
    # ~8 fixed (session, user, tenant, membership, SET LOCAL on PostgreSQL, the page, a prefetch)
    # plus 2 for the visibility rule (viewer's sellers, the hierarchy): never per row.
    with django_assert_max_num_queries(13):
        response = client.get(url)
    if response.status_code == 403:  # audit trail for a manager
        return
    assert len(results(response)) >= 1 or route in {"runs", "audit-events", "plans"}


def test_statement_detail_query_count_does_not_grow_with_lines(acme, api_as, django_assert_max_num_queries):
    from compensation.models import EarningLine

    with tenant_atomic(acme.tenant):
        EarningLine.objects.bulk_create([
            EarningLine(tenant=acme.tenant, statement=acme.statements["rep"], seller=acme.sellers["rep"],
                        period="2027-01", position=i, component="c", kind="commission", amount=Decimal("1"),
                        explanation="e", opportunity=acme.deals["rep"])
            for i in range(30)
        ])
    client = api_as(acme, "rep")
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/t/acme/statements/{acme.statements['rep'].pk}/")
    assert len(response.json()["lines"]) == 30
