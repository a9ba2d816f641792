"""The statement page's body — its window of deal groups, grouped and formatted — cached per
version of the statement.

A statement's lines change only when a calculation rewrites them, and every rewrite (like every
status change) moves `Statement.updated_at`; approved and paid statements are never rewritten. So
the window's query, the grouping, the explanations and the formatting (about half the server time
of a 200-line page) are done once per (statement, version, page), and a repeat view reads one cache
entry. Deal names come from the deals, which can be renamed without touching the statement: an
entry lives `BODY_TTL` seconds, so a rename shows on the page within that time.
"""

from __future__ import annotations

from compensation.breakdown.grouping import StatementWindow
from compensation.breakdown.page import StatementPage, statement_page
from compensation.breakdown.selectors import statement_window, window_number
from compensation.models import Statement
from spm.caching import cached_value
from spm.tenancy.context import current_tenant_or_none

BODY_TTL = 300  # seconds


def statement_body(*, statement: Statement, page: str | None, deal_url: str) -> tuple[StatementWindow, StatementPage]:
    """The statement page's window of deal groups and its formatted page (`statement_window`, then
    `statement_page` with the line table only when there is no deal), from the cache when this
    version of the statement was shown before."""

    def build():
        breakdown = statement_window(statement=statement, page=page)
        # the line table is loaded when opened (it repeats the by-deal rows); inline when there is no deal
        return breakdown, statement_page(breakdown, page=None, deal_url=deal_url, with_lines=not breakdown.deals)

    tenant = current_tenant_or_none()
    if tenant is None or statement.updated_at is None:
        return build()
    # What the body is built from: the statement's version, the page asked, where deal links point
    # and the locale its numbers are written in.
    parts = (tenant.pk, statement.pk, statement.updated_at.isoformat(), window_number(page), deal_url,
             getattr(tenant, "locale", ""))
    return cached_value("statement-body", parts, build, seconds=BODY_TTL)
