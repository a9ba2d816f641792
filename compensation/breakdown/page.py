"""What the statement page renders: a window of deal groups, every cell already formatted.

A statement can hold thousands of lines. The page groups all of them (subtotals, attainment and
totals are over every line) but renders only `DEALS_PER_PAGE` deal groups at a time, and hands the
template plain strings: a template filter or `{% url %}` per cell costs tens of microseconds, which
at 5,000 lines × 10 cells was most of a second. Explanations are rendered (`line_explanation`)
only for the lines shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from compensation.breakdown.grouping import Breakdown, DealRow, StatementWindow
from compensation.models import EarningLine
from spm.formatting import DEFAULT_LOCALE
from spm.templatetags.fmt import money, percent
from spm.tenancy.context import current_tenant_or_none

DEALS_PER_PAGE = 100
KIND_LABELS = dict(EarningLine.Kind.choices)
DASH = "—"


@dataclass
class StatementPage:
    deals: list[dict]  # the deal groups of this page, formatted
    lines: list[dict]  # the lines of those deals and every line without a deal, formatted, in order
    number: int  # 1-based page of deal groups; 0 = all of them
    pages: int
    first: int  # 1-based index of the first deal group shown
    last: int
    deal_count: int
    line_count: int

    @property
    def paginated(self) -> bool:
        return self.pages > 1


def _cents(value) -> str:
    """`money` for an amount already in cents (every line amount is): in an en_US tenant Decimal's own
    "," format, which rounds nothing at two places, in a fraction of the time; anything else (another
    locale writes 1.234,50) goes to `money`."""
    if type(value) is Decimal and value.as_tuple().exponent == -2 and _locale() in _PYTHON_FORMATTED:
        return f"{value:,.2f}" if value else "0.00"  # no "-0.00"
    return money(value)


# Where the tenant writes numbers as en_US does, Python's own "," format writes them as Babel's
# pattern would (spm.formatting: quantized half up first, so nothing is left to round) at about a
# tenth of the cost: a page formats some 500 attainments, rates and credits, ~80 µs each in Babel.
_PYTHON_FORMATTED = {"en_US"}


def _locale() -> str:
    return getattr(current_tenant_or_none(), "locale", "") or DEFAULT_LOCALE  # as the `fmt` filters read it


def _fixed(number: Decimal, places: int) -> str:
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:,.{places}f}"  # never "-0.00"


def _money(value) -> str:
    """The `money` filter, fast for a Decimal in an en_US tenant."""
    if type(value) is Decimal and value.is_finite() and _locale() in _PYTHON_FORMATTED:
        return _fixed(value, 2)
    return money(value)


def _percent(value, places: int = 1) -> str:
    """The `percent` filter, fast for a Decimal in an en_US tenant."""
    if type(value) is Decimal and value.is_finite() and _locale() in _PYTHON_FORMATTED:
        text = _fixed(value * 100, places)
        return f"{text.rstrip('0').rstrip('.') if '.' in text else text}%"
    return percent(value, places)


def _span(before, after) -> str:
    return f"{_percent(before)} → {_percent(after)}" if after is not None else ""


class _DealUrl:
    """A deal page's URL per id from one `reverse(..., pk=0)`: the final "/0/" is swapped for the id."""

    def __init__(self, template: str):
        self.head, _, self.tail = template.rpartition("/0/")

    def __call__(self, pk: int | None) -> str:
        return f"{self.head}/{pk}/{self.tail}" if pk and self.head else ""


def _deal(row: DealRow, url: _DealUrl, why: list[str]) -> dict:
    deal = {
        "name": row.name, "deal": row.deal, "url": url(row.opportunity_id),
        "credit": _money(row.credit) if row.credit is not None else "",
        "cells": [(_cents(c.amount), _span(c.attainment_before, c.attainment_after)) if c else None for c in row.ordered],
        "total": _cents(row.total), "why": why,
    }
    deal["html"] = _deal_html(deal)
    return deal


_NO_CELL = '<td class="num"><span class="muted">—</span></td>'


def _cell_html(cell: tuple[str, str] | None) -> str:
    if cell is None:
        return _NO_CELL
    span = f'<div class="muted small">{escape(cell[1])}</div>' if cell[1] else ""
    return f'<td class="num">{escape(cell[0])}{span}</td>'


def _deal_html(d: dict) -> str:
    """The deal's row of the "By deal" table, escaped as the template would: 100 rows of ~20
    variables each cost the template engine most of the page's rendering; a format string, ~1 %."""
    name = escape(d["name"])
    link = f'<a href="{escape(d["url"])}">{name}</a>' if d["url"] else name
    why = "".join(f'<div class="explain">{escape(e)}</div>' for e in d["why"])
    credit = escape(d["credit"]) if d["credit"] else "—"
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<tr>\n    <td>{link} <span class="muted mono small">{escape(d["deal"])}</span>\n'
        f'      <details class="small"><summary class="muted">Why</summary>{why}</details></td>\n'
        f'    <td class="num">{credit}</td>\n'
        f'    {"".join(_cell_html(c) for c in d["cells"])}\n'
        f'    <td class="num"><strong>{escape(d["total"])}</strong></td>\n'
        f'  </tr>')


def _line(line: dict, url: _DealUrl, words: str) -> dict:
    deal = line.get("deal") or ""
    before = line.get("attainment_before")
    return {
        "id": line["id"], "component": line["component"], "quota_period": line.get("quota_period") or "",
        "kind": line["kind"], "kind_label": KIND_LABELS.get(line["kind"], line["kind"]),
        "deal": deal, "deal_name": line.get("deal_name") or deal, "url": url(line.get("opportunity_id")),
        "credit_kind": line.get("credit_kind") or "",
        "credit": _money(line["credit"]) if line.get("credit") is not None else "",
        "attainment": _span(before, line.get("attainment_after")) if before is not None else "",
        "rate": _percent(line["rate"], 2) if line.get("rate") is not None else "",
        "amount": _cents(line["amount"]), "words": words,
        "dispute": f"{line['component']}{f' · {deal}' if deal else ''} ({line['amount']})",
    }


def statement_page(breakdown: Breakdown, *, page: str | None, deal_url: str, with_lines: bool = True) -> StatementPage:
    """The deal groups of `page` ("1", "2", … or "all"; anything else is page 1), formatted, and
    with `with_lines` their lines one by one (the line table, loaded when opened, repeats them).

    A `StatementWindow` (the statement page's read) already holds only its page's deal groups and
    says which page it is; a whole Breakdown is windowed here.
    `deal_url` is a deal page's URL for the id 0 (`reverse(..., pk=0)`): one reverse per page.
    """
    if isinstance(breakdown, StatementWindow):
        n, number, rows = breakdown.deal_count, breakdown.number, breakdown.deals
        start = (number - 1) * DEALS_PER_PAGE if number else 0
        stop = start + len(rows)
    else:
        n = len(breakdown.deals)
        pages = max(1, -(-n // DEALS_PER_PAGE))
        if page == "all":
            number, start, stop = 0, 0, n
        else:
            number = int(page) if page and page.isdigit() and 1 <= int(page) <= pages else 1
            start, stop = (number - 1) * DEALS_PER_PAGE, min(n, number * DEALS_PER_PAGE)
        rows = breakdown.deals[start:stop]
    url = _DealUrl(deal_url)
    deals, lines = [], []
    for row in rows:
        why = row.explanations  # each shown line's words, built once for both tables
        deals.append(_deal(row, url, why))
        if with_lines:
            lines += zip(row.lines, why, strict=True)
    if with_lines:
        lines += [(ln, ln["words"]) for ln in breakdown.other]
        lines.sort(key=lambda item: (item[0].get("position") or 0, item[0]["id"]))
    return StatementPage(
        deals=deals, lines=[_line(ln, url, words) for ln, words in lines], number=number,
        pages=max(1, -(-n // DEALS_PER_PAGE)), first=start + 1 if n else 0, last=stop, deal_count=n,
        line_count=breakdown.line_count,
    )
