"""Read-only views across the pillars: dashboards, seller overview, audit trail, members.

Every function composes the one visibility rule (planning.selectors.visible_seller_ids) through
the pillar selectors, and keeps the number of queries independent of the data size.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max, QuerySet, Sum

from compensation.acceptance.selectors import plans_to_accept
from compensation.selectors import (
    RECENT_MONTHS,
    assignment_list,
    attainment_rows,
    earnings_history,
    history_of,
    run_list,
    seller_history,
    statement_list,
    statement_status_summary,
    statement_totals_base,
    totals_count_drafts,
)
from performance.selectors import bookings_by_month, opportunity_list
from planning.selectors import quota_list, seller_get, seller_list, viewer_sellers
from spm.fiscal import months_in_period, quota_period_key
from spm.formatting import period_label
from spm.models import AuditEvent, Membership
from spm.tenancy.access import TenantAccess

# --- dashboards -----------------------------------------------------------------------------------


def rep_dashboard(*, access: TenantAccess) -> dict:
    sellers = viewer_sellers(access)
    statements = statement_list(access=access).filter(seller__in=[s.pk for s in sellers])
    newest_first = list(statements.order_by("-period")[:RECENT_MONTHS])  # one read for the card, chart and list
    latest = newest_first[0] if newest_first else None
    ytd, ytd_year = Decimal(0), ""
    if latest is not None:
        # The fiscal year of the latest statement, as the annual quotas and attainment beside it (a
        # calendar year would mix two fiscal years when the year starts in another month).
        fy = access.tenant.fiscal_year_start_month
        year = quota_period_key(dt.date(int(latest.period[:4]), int(latest.period[5:7]), 1), "year", fy)
        ytd = statements.filter(period__in=months_in_period(year, fy)).aggregate(s=Sum("total"))["s"] or Decimal(0)
        ytd_year = year if fy == 1 else period_label(year, fy)
    return {
        "sellers": sellers,
        "latest": latest,
        "ytd": ytd,
        "ytd_year": ytd_year,
        "attainment": attainment_rows(latest.attainment if latest else None),
        "history": history_of(newest_first),
        "recent": newest_first[:6],
        "plans_to_accept": plans_to_accept(access=access) if sellers else [],
    }


def team_dashboard(*, access: TenantAccess, limit: int = 200) -> dict:
    """A manager's subtree (not the manager), each report's latest-period earnings and attainment."""
    own = {s.pk for s in viewer_sellers(access)}
    statements = statement_list(access=access)
    latest_period = statements.aggregate(p=Max("period"))["p"]
    team = list(seller_list(access=access).exclude(pk__in=own).order_by("name")[:limit])
    by_seller = {}
    if latest_period:
        by_seller = {s.seller_id: s for s in statements.filter(period=latest_period, seller__in=[t.pk for t in team])}
    rows = []
    for seller in team:
        statement = by_seller.get(seller.pk)
        rows.append({
            "seller": seller,
            "statement": statement,
            "attainment": attainment_rows(statement.attainment if statement else None),
        })
    team_statements = statements.exclude(seller__in=own)
    return {
        "latest_period": latest_period,
        "own_seller_ids": own,  # the page names a row's manager only when it is not the viewer
        "rows": rows,
        "statement_count": len(by_seller),
        "team_total": sum((r["statement"].total for r in rows if r["statement"]), Decimal(0)),
        "history": earnings_history(team_statements),
    }


def tenant_overview(*, access: TenantAccess) -> dict:
    statements = statement_totals_base(access=access)  # aggregated only: executives see totals, not people
    status_rows = statement_status_summary(statements, drafts=totals_count_drafts(access))
    by_status = {row["status"]: row for row in status_rows}
    bookings = bookings_by_month(access=access, months=RECENT_MONTHS)
    return {
        "status_rows": status_rows,
        "liability": by_status["approved"]["total"],
        "to_approve": by_status["published"]["count"],
        "bookings": bookings,
        "bookings_total": sum((b["total"] or Decimal(0) for b in bookings), Decimal(0)),
        "latest_run": run_list().first(),
        "history": earnings_history(statements),
    }


# --- seller detail --------------------------------------------------------------------------------


def seller_overview(*, access: TenantAccess, pk: int) -> dict | None:
    """Everything about one visible seller; None when not visible (the view answers 404)."""
    seller = seller_get(access=access, pk=pk)
    if seller is None:
        return None
    statements = statement_list(access=access).filter(seller=seller)
    return {
        "seller": seller,
        "reports": list(seller_list(access=access).filter(manager=seller).order_by("name")[:100]),
        "quotas": list(quota_list(access=access).filter(seller=seller).order_by("-period", "measure")[:24]),
        "assignments": list(assignment_list(access=access).filter(seller=seller).order_by("-start_date")[:12]),
        "deals": list(opportunity_list(access=access).filter(owner=seller).order_by("-close_date", "-id")[:15]),
        "statements": list(statements.order_by("-period")[:12]),
        "history": seller_history(statements),
    }


# --- audit and members ------------------------------------------------------------------------------


def audit_list(*, object_type: str | None = None, actor_id: int | None = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs


def audit_filter_choices() -> dict:
    """Object types and actors present in the tenant's trail (two bounded queries)."""
    types = list(AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()[:100])
    actors = list(
        Membership.objects.select_related("user").order_by("user__email")[:500]
    )
    return {"object_types": types, "actors": [m.user for m in actors]}


def member_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("user").order_by("role", "user__email")


def diff(before: dict | None, after: dict | None) -> list[dict]:
    """Changed keys of an audit event, before → after (unchanged keys left out)."""
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [{"field": "", "before": before, "after": after}]
    keys = sorted(set(before) | set(after))
    return [
        {"field": k, "before": before.get(k), "after": after.get(k)}
        for k in keys
        if before.get(k) != after.get(k)
    ]

