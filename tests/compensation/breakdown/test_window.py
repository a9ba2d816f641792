"""The statement page's window (one query: a page of deal groups and the totals over every line) shows
exactly what grouping every line and cutting out the page shows, on a statement built to be awkward:
two components, splits and retro lines on one deal, SPIFs and clawbacks, lines without a deal or
without attainment, equal positions, quota periods that change, and pages past the end."""

import random
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compensation.breakdown.page import DEALS_PER_PAGE, statement_page
from compensation.breakdown.selectors import statement_breakdown, statement_window
from compensation.models import EarningLine
from spm.tenancy.db import tenant_atomic
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/t/x/deals/0/"


def _awkward_lines(world, statement, deals: int) -> None:
    rng = random.Random(11)
    tenant, seller = world.tenant, statement.seller
    account = factories.AccountFactory(tenant=tenant)
    opportunities = [factories.OpportunityFactory(tenant=tenant, owner=seller, account=account) for _ in range(deals)]
    lines, position = [], 50
    for i, opp in enumerate(opportunities):
        for _ in range(rng.choice((1, 1, 2, 3))):  # a deal split or retro-credited: several lines a cell
            component = rng.choice(("New business", "Expansion", "New business"))
            before = None if rng.random() < 0.2 else D(rng.randint(0, 900)) / 1000
            lines.append(EarningLine(
                tenant=tenant, statement=statement, seller=seller, period=statement.period, position=position,
                component=component, kind="commission", opportunity=opp, deal_external_id=opp.external_id,
                credit=None if rng.random() < 0.1 else D(rng.randint(1, 9000)), attainment_before=before,
                attainment_after=None if before is None else before + D("0.05"), rate=D("0.1"),
                quota_period=rng.choice(("", "2027-Q1", "2027-01")), amount=D(rng.randint(-500, 90000)) / 100,
                explanation="" if rng.random() < 0.5 else f"why {i}"))
            position += rng.choice((0, 1, 1, 2))  # equal positions: the id decides
        if i % 7 == 0:
            lines.append(EarningLine(tenant=tenant, statement=statement, seller=seller, period=statement.period,
                                     position=position, component="SPIF", kind="spif", opportunity=opp,
                                     deal_external_id=opp.external_id, amount=D("250.00")))
        if i % 11 == 0:
            lines.append(EarningLine(tenant=tenant, statement=statement, seller=seller, period=statement.period,
                                     position=position, component="Expansion", kind="clawback",
                                     deal_external_id=opp.external_id, amount=D("-40.00")))
        if i % 13 == 0:  # a draw between deals, and a commission line with no deal
            lines.append(EarningLine(tenant=tenant, statement=statement, seller=seller, period=statement.period,
                                     position=position, component="Draw", kind="draw", amount=D("100.00")))
            lines.append(EarningLine(tenant=tenant, statement=statement, seller=seller, period=statement.period,
                                     position=position, component="New business", kind="commission", amount=D("3.00")))
    with tenant_atomic(tenant):
        EarningLine.objects.bulk_create(lines)


def _shown(page, breakdown) -> dict:
    return {
        "deals": page.deals, "lines": page.lines, "window": (page.number, page.pages, page.first, page.last),
        "counts": (page.deal_count, page.line_count), "components": breakdown.components,
        "summaries": [(s.component, s.subtotal, s.attainment_before, s.attainment_after, s.quota_period)
                      for s in breakdown.summaries],
        "other": [(o["id"], o["words"]) for o in breakdown.other],
        "totals": (breakdown.deal_total, breakdown.other_total, breakdown.total),
    }


@pytest.mark.parametrize("asked", ["1", "2", "3", "all", "9", "0", "x", None, "99999999999999999999"])
def test_the_window_shows_what_grouping_every_line_shows(acme, asked):
    statement = acme.statements["rep"]
    _awkward_lines(acme, statement, DEALS_PER_PAGE * 2 + 17)
    with tenant_atomic(acme.tenant):
        whole = statement_breakdown(statement=statement)
        expected = _shown(statement_page(whole, page=asked, deal_url=URL), whole)
        with CaptureQueriesContext(connection) as queries:
            window = statement_window(statement=statement, page=asked)
        got = _shown(statement_page(window, page=None, deal_url=URL), window)
    assert got == expected
    assert len(whole.deals) > 2 * DEALS_PER_PAGE and len(window.deals) <= DEALS_PER_PAGE or asked == "all"
    reads = [q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(reads) == (2 if asked == "9" else 1)  # a page past the end reads page 1 again (past any: no)


def test_a_statement_without_lines_or_without_deals(acme):
    statement = acme.statements["rep"]
    with tenant_atomic(acme.tenant):
        EarningLine.objects.filter(statement=statement).delete()
        empty = statement_window(statement=statement, page=None)
        assert (empty.deals, empty.other, empty.summaries, empty.total, empty.line_count) == ([], [], [], 0, 0)
        EarningLine.objects.create(statement=statement, seller=statement.seller, period=statement.period, position=1,
                                   component="Draw", kind="draw", amount=D("100.00"))
        draw_only = statement_window(statement=statement, page="2")
    assert draw_only.number == 1 and draw_only.total == D("100.00") and draw_only.line_count == 1
