"""The input change feed: a statement whose inputs changed after its calculation says so."""

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from compensation.models import CalculationRun, Statement
from compensation.selectors import statement_list
from performance.services import opportunity_update
from spm.changes import inputs_changed
from spm.models import InputChange
from spm.services import fx_rate_set
from spm.tenancy.access import TenantAccess
from spm.tenancy.db import tenant_atomic


def _calculated(world, *, minutes_ago: int = 5) -> None:
    """Attach the statements to a run that started a few minutes ago (as a calculation would)."""
    with tenant_atomic(world.tenant):
        run = CalculationRun.objects.create(
            tenant=world.tenant, period_from="2027-01", period_through="2027-01", status=CalculationRun.Status.SUCCEEDED,
            progress=100, started_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        )
        Statement.objects.update(run=run)


def _stale(world, persona: str = "admin") -> dict[str, bool]:
    with tenant_atomic(world.tenant):
        access = TenantAccess(tenant=world.tenant, membership=world.users[persona].memberships.get(tenant=world.tenant))
        return {s.seller.external_id: s.inputs_changed for s in statement_list(access=access)}


def test_a_changed_won_deal_makes_its_sellers_statement_stale(acme):
    _calculated(acme)
    assert _stale(acme) == {"acme-rep": False, "acme-peer": False}
    with tenant_atomic(acme.tenant):
        opportunity_update(opportunity=acme.deals["rep"], amount=Decimal("61000"))
        rows = set(InputChange.objects.values_list("seller_id", "month"))
    # the rep and every manager above them (their roll-up credits the same deal)
    sellers = acme.sellers
    assert rows == {(sellers[p].pk, "2027-01") for p in ("rep", "manager", "vp")}
    assert _stale(acme) == {"acme-rep": True, "acme-peer": False}


def test_writing_the_same_values_changes_nothing(acme):
    _calculated(acme)
    deal = acme.deals["rep"]
    with tenant_atomic(acme.tenant):
        opportunity_update(opportunity=deal, amount=deal.amount)
        assert not InputChange.objects.exists()
    assert _stale(acme) == {"acme-rep": False, "acme-peer": False}


def test_a_recalculation_after_the_change_clears_it(acme):
    with tenant_atomic(acme.tenant):
        inputs_changed(seller_ids=[acme.sellers["rep"].pk], months=["2027-01"], reason="test")
    _calculated(acme, minutes_ago=0)  # the run started after the change
    assert _stale(acme) == {"acme-rep": False, "acme-peer": False}


def test_an_fx_rate_touches_every_statement(acme):
    _calculated(acme)
    with tenant_atomic(acme.tenant):
        fx_rate_set(currency="EUR", effective_from=dt.date(2027, 1, 1), rate_to_base=Decimal("1.2"))
    assert _stale(acme) == {"acme-rep": True, "acme-peer": True}


def test_approved_statements_are_never_stale(acme):
    _calculated(acme)
    with tenant_atomic(acme.tenant):
        Statement.objects.update(status=Statement.Status.APPROVED)
        fx_rate_set(currency="EUR", effective_from=dt.date(2027, 1, 1), rate_to_base=Decimal("1.2"))
    assert _stale(acme) == {"acme-rep": False, "acme-peer": False}


def test_the_statement_page_and_the_api_say_the_inputs_changed(acme):
    _calculated(acme)
    with tenant_atomic(acme.tenant):
        opportunity_update(opportunity=acme.deals["rep"], amount=Decimal("61000"))
    client = Client()
    client.force_login(acme.users["finance"])
    statement = acme.statements["rep"]
    page = client.get(reverse("compensation:statement_detail", kwargs={"tenant": "acme", "pk": statement.pk}))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="inputs-changed"' in body and "deal acme-D1 changed" in body
    api = client.get(f"/api/v1/t/acme/statements/{statement.pk}/")
    assert api.status_code == 200 and api.json()["inputs_changed"] is True
    other = client.get(f"/api/v1/t/acme/statements/{acme.statements['peer'].pk}/")
    assert other.json()["inputs_changed"] is False
