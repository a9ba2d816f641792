"""The statement page groups lines by deal; print-ready HTML and the CSV by deal (same visibility)."""

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import complete_tenant

pytestmark = pytest.mark.django_db


def url(name, world, **kw):
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kw})


@pytest.fixture
def world(acme):
    # the rep's statement: a 5,900.00 commission line on acme-D1 and a 100.00 adjustment
    return complete_tenant(acme)


def test_statement_page_shows_the_deal_once_with_subtotals(client, world, django_assert_max_num_queries):
    client.force_login(world.users["rep"])
    with django_assert_max_num_queries(40):
        page = client.get(url("compensation:statement_detail", world, pk=world.statements["rep"].pk))
    html = page.content.decode()
    assert 'data-testid="breakdown"' in html and 'data-testid="subtotals"' in html
    assert "acme rep deal" in html and "Print / PDF" in html


def test_print_view_and_csv_by_deal(client, world):
    client.force_login(world.users["rep"])
    pk = world.statements["rep"].pk
    printed = client.get(url("compensation:statement_print", world, pk=pk))
    assert printed.status_code == 200 and b"data-print" in printed.content
    assert b"acme rep deal" in printed.content and b"acme spiff correction" in printed.content
    rows = list(csv.reader(io.StringIO(client.get(url("compensation:statement_breakdown_csv", world, pk=pk)).content.decode())))
    assert rows[0] == ["deal", "deal_name", "credit", "New business", "deal_total", "currency"]
    assert rows[1] == ["acme-D1", "acme rep deal", "", "5900.00", "5900.00", "USD"]
    assert rows[-2] == ["", "Subtotal", "", "5900.00", "5900.00", "USD"]
    assert rows[-1] == ["", "Total", "", "", "6000.00", "USD"]


def test_another_reps_statement_is_not_found(client, world):
    client.force_login(world.users["peer"])
    for name in ("compensation:statement_print", "compensation:statement_breakdown_csv"):
        assert client.get(url(name, world, pk=world.statements["rep"].pk)).status_code == 404


def test_a_large_statement_shows_100_deals_a_page_with_subtotals_over_all_lines(client, world):
    from decimal import Decimal

    from compensation.breakdown.page import DEALS_PER_PAGE
    from compensation.models import EarningLine
    from spm.tenancy.db import tenant_atomic

    statement = world.statements["rep"]
    tenant = world.tenant
    with tenant_atomic(tenant):
        EarningLine.objects.bulk_create([
            EarningLine(tenant=tenant, statement=statement, seller=statement.seller, period=statement.period,
                        position=100 + i, component="New business", kind="commission",
                        deal_external_id=f"BIG-{i:03d}", credit=Decimal("1000"), amount=Decimal("10.00"),
                        explanation=f"big line {i:03d}")
            for i in range(250)
        ])
    client.force_login(world.users["rep"])
    page = client.get(url("compensation:statement_detail", world, pk=statement.pk)).content.decode()
    assert "Deals 1–100 of 251" in page and "Page 1 of 3" in page and "?page=all#by-deal" in page
    assert "big line 098" in page and "big line 099" not in page  # the first deal is acme-D1
    assert 'hx-get="' + url("compensation:statement_lines", world, pk=statement.pk) + '?page=1"' in page
    lines = client.get(url("compensation:statement_lines", world, pk=statement.pk) + "?page=1").content.decode()
    assert lines.count('data-fill-field="id_line"') == DEALS_PER_PAGE + 1  # the page's deal lines + the adjustment
    # subtotals and the total are over every line, whatever the page shows: 5,900 + 250 × 10
    assert '<td class="num">8,400.00</td>' in page and "USD 8,500.00" in page
    last = client.get(url("compensation:statement_detail", world, pk=statement.pk) + "?page=3").content.decode()
    assert "Deals 201–251 of 251" in last and "big line 249" in last and "big line 198" not in last
    every = client.get(url("compensation:statement_detail", world, pk=statement.pk) + "?page=all").content.decode()
    assert "All 251 deals" in every and "big line 000" in every and "big line 249" in every


def _by_deal(html: str) -> str:
    start = html.index('id="by-deal"')
    return html[start:html.index('id="lines"', start)]


def test_a_repeat_view_shows_the_same_body_and_a_recalculation_shows_its_new_lines(client, world):
    """The page's body is cached per statement version (compensation.breakdown.body): a repeat view
    shows what a fresh one shows, and rewritten lines (a calculation moves `updated_at`) show at once."""
    from decimal import Decimal

    from django.core.cache import cache
    from django.utils import timezone

    from compensation.models import EarningLine, Statement
    from spm.tenancy.db import tenant_atomic

    statement = world.statements["rep"]
    client.force_login(world.users["rep"])
    detail = url("compensation:statement_detail", world, pk=statement.pk)
    for page in ("", "?page=all", "?page=7"):
        cold = _by_deal(client.get(detail + page).content.decode())
        warm = _by_deal(client.get(detail + page).content.decode())
        cache.clear()
        assert warm == cold == _by_deal(client.get(detail + page).content.decode())
        assert "acme rep deal" in warm
    with tenant_atomic(world.tenant):  # what a recalculation does: new lines, a new version
        EarningLine.objects.filter(statement=statement).delete()
        EarningLine.objects.create(tenant=world.tenant, statement=statement, seller=statement.seller,
                                   period=statement.period, position=0, component="New business", kind="commission",
                                   deal_external_id="NEW-1", credit=Decimal("100"), amount=Decimal("7.00"),
                                   explanation="recalculated line")
        Statement.objects.filter(pk=statement.pk).update(total=Decimal("7.00"), updated_at=timezone.now())
    after = _by_deal(client.get(detail).content.decode())
    assert "recalculated line" in after and "acme rep deal" not in after
