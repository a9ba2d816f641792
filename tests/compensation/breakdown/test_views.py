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
