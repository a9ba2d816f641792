"""The statement page's window of deal groups and its preformatted cells (no database)."""

from decimal import Decimal as D

import pytest

from compensation.breakdown.grouping import group_statement
from compensation.breakdown.page import DEALS_PER_PAGE, _cents, _money, _percent, statement_page
from spm.models import Tenant
from spm.templatetags.fmt import money, percent
from spm.tenancy.context import tenant_scope

URL = "/t/acme0/deals/0/"  # a slug with a zero: only the id segment is replaced


def _lines(n):
    return [{"id": i, "position": i, "component": "New business", "kind": "commission", "deal": f"D{i}",
             "deal_name": f"Deal {i}", "opportunity_id": 100 + i, "credit": D("1000"), "amount": D("10.00"),
             "attainment_before": D("0.1"), "attainment_after": D("0.2"), "rate": D("0.01"), "quota_period": "2027-Q1",
             "explanation": f"why {i}"} for i in range(n)]


@pytest.mark.parametrize("value", ["1234.50", "-1234.50", "0.00", "-0.00", "1234567.89", "-0.05", "7"])
def test_cents_reads_exactly_like_the_money_filter(value):
    assert _cents(D(value)) == money(D(value))


NUMBERS = ["0", "-0", "0.004999", "-0.005", "0.005", "0.125", "0.999999", "1", "-1.5", "12.345678", "1234.565",
           "-98765.4321", "1234567.891", "0.0000001", "100.000000", "-0.0049"]


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "en_IN"])
@pytest.mark.parametrize("value", NUMBERS)
def test_fast_money_and_percent_read_exactly_like_the_filters(value, locale):
    with tenant_scope(Tenant(slug="x", locale=locale)):
        assert _money(D(value)) == money(D(value))
        cents = D(value).quantize(D("0.01"))
        assert _cents(cents) == money(cents)  # a line amount: 1.234,57 in de_DE, not 1,234.57
        assert _percent(D(value)) == percent(D(value))
        assert _percent(D(value), 2) == percent(D(value), 2)


def test_a_page_shows_its_window_with_totals_over_every_line():
    breakdown = group_statement(_lines(DEALS_PER_PAGE + 5))
    page = statement_page(breakdown, page="2", deal_url=URL)
    assert (page.number, page.pages, page.first, page.last) == (2, 2, DEALS_PER_PAGE + 1, DEALS_PER_PAGE + 5)
    assert [d["deal"] for d in page.deals][:1] == [f"D{DEALS_PER_PAGE}"] and len(page.lines) == 5
    assert page.deals[0]["url"] == f"/t/acme0/deals/{100 + DEALS_PER_PAGE}/"
    assert page.lines[0]["attainment"] == "10% → 20%" and page.lines[0]["rate"] == "1%"
    assert breakdown.summaries[0].subtotal == D("10.00") * (DEALS_PER_PAGE + 5)


@pytest.mark.parametrize(("asked", "number", "shown"), [("all", 0, DEALS_PER_PAGE + 5), ("x", 1, DEALS_PER_PAGE),
                                                        ("99", 1, DEALS_PER_PAGE), (None, 1, DEALS_PER_PAGE)])
def test_show_all_and_unknown_pages(asked, number, shown):
    page = statement_page(group_statement(_lines(DEALS_PER_PAGE + 5)), page=asked, deal_url=URL)
    assert (page.number, len(page.deals)) == (number, shown)


# The deal row as the template wrote it before the page built it (compensation/_breakdown.html).
DEAL_ROW_TEMPLATE = """{% for d in deals %}<tr>
    <td>{% if d.url %}<a href="{{ d.url }}">{{ d.name }}</a>{% else %}{{ d.name }}{% endif %} <span class="muted mono small">{{ d.deal }}</span>
      <details class="small"><summary class="muted">Why</summary>{% for e in d.why %}<div class="explain">{{ e }}</div>{% endfor %}</details></td>
    <td class="num">{{ d.credit|default:"—" }}</td>
    {% for cell in d.cells %}<td class="num">{% if cell %}{{ cell.0 }}{% if cell.1 %}<div class="muted small">{{ cell.1 }}</div>{% endif %}{% else %}<span class="muted">—</span>{% endif %}</td>{% endfor %}
    <td class="num"><strong>{{ d.total }}</strong></td>
  </tr>{% endfor %}"""


@pytest.mark.parametrize("url", ["", "/t/a&b/deals/7/"])
def test_a_deal_row_reads_exactly_as_the_template_wrote_it_escaped(url):
    from django.template import engines

    from compensation.breakdown.page import _deal_html

    deals = [
        {"name": 'Acme <b>&</b> "Sons" \'n\'', "deal": "D<1>", "url": url, "credit": "1,000.00", "total": "-5.00",
         "why": ["why <i>", "a & b"], "cells": [("10.00", "1% → 2%"), None, ("-0.05", "")]},
        {"name": "Plain", "deal": "D2", "url": url, "credit": "", "total": "0.00", "why": [], "cells": [None]},
    ]
    expected = engines["django"].from_string(DEAL_ROW_TEMPLATE).render({"deals": deals})
    assert "".join(_deal_html(d) for d in deals) == expected
