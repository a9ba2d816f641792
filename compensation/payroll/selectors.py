"""Reads for finance's close: batch totals, change against last month, anomaly flags, batches."""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum

from compensation.holds.models import Hold
from compensation.models import CompPlan, EarningLine, Statement
from compensation.payroll.models import PayrollBatch
from compensation.selectors import statement_list
from spm.fiscal import month_start
from spm.tenancy.access import TenantAccess

ZERO = Decimal("0.00")
TRAILING_MONTHS = 6
FAR_ABOVE_MEDIAN = Decimal(2)  # flagged when a total is more than twice the seller's trailing median
LARGE_ADJUSTMENT = Decimal("5000.00")


def previous_month(period: str) -> str:
    start = month_start(period)
    return f"{start.year - 1}-12" if start.month == 1 else f"{start.year}-{start.month - 1:02d}"


def approval_queue(*, access: TenantAccess, include_zero: bool = False) -> QuerySet[Statement]:
    """Published statements waiting for approval; USD 0.00 statements hidden unless asked for."""
    qs = statement_list(access=access, status=Statement.Status.PUBLISHED)
    if not include_zero:
        qs = qs.exclude(total=0)
    return qs.order_by("period", "seller__name")


def queue_batches(*, access: TenantAccess) -> list[dict]:
    """Per month and currency awaiting approval: count, total, zero statements, and the change of the
    month's total (published, approved and paid: `month_total`) against the previous month's.

    Month against month, not the queue against a month: once part of a month is approved, what is
    left in the queue would otherwise read as a fall in pay (acme demo: −44.8 % instead of −8.8 %)."""
    rows = list(
        statement_list(access=access, status=Statement.Status.PUBLISHED).order_by().values("period", "currency")
        .annotate(n=Count("id"), total=Sum("total")).order_by("period", "currency")
    )
    if not rows:
        return []
    zero = {
        (r["period"], r["currency"]): r["n"]
        for r in statement_list(access=access, status=Statement.Status.PUBLISHED).filter(total=0).order_by()
        .values("period", "currency").annotate(n=Count("id"))
    }
    previous = {previous_month(r["period"]) for r in rows}
    months = {
        (r["period"], r["currency"]): r["total"]
        for r in statement_list(access=access).exclude(status=Statement.Status.DRAFT)
        .filter(period__in=previous | {r["period"] for r in rows})
        .order_by().values("period", "currency").annotate(total=Sum("total"))
    }
    out = []
    for r in rows:
        prev_period = previous_month(r["period"])
        prev = months.get((prev_period, r["currency"]))
        month_total = months.get((r["period"], r["currency"]), r["total"])
        change = None if prev is None else month_total - prev
        change_pct = None if not prev else (change / prev * 100)
        out.append({**r, "zero": zero.get((r["period"], r["currency"]), 0), "month_total": month_total,
                    "previous_period": prev_period, "previous_total": prev, "change": change, "change_pct": change_pct})
    return out


def plan_highest_rates() -> dict[str, Decimal]:
    """The highest tier rate of each plan name (over its versions)."""
    highest: dict[str, Decimal] = {}
    for name, document in CompPlan.objects.values_list("name", "document"):
        for component in (document or {}).get("components") or []:
            for tier in component.get("tiers") or []:
                try:
                    rate = Decimal(str(tier.get("rate")))
                except (ArithmeticError, ValueError, TypeError):
                    continue
                if name not in highest or rate > highest[name]:
                    highest[name] = rate
    return highest


def statement_flags(statements: list[Statement]) -> dict[int, list[str]]:
    """Anomaly flags per statement id, in a fixed number of queries for the whole page:
    far above the seller's trailing median, a rate above the plan's highest, a large or negative
    adjustment, a hold or its release, earnings without a quota, a zero statement."""
    flags: dict[int, list[str]] = defaultdict(list)
    if not statements:
        return flags
    ids = [s.pk for s in statements]
    sellers = {s.seller_id for s in statements}
    periods = sorted({s.period for s in statements})
    history: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for seller_id, period, total in (
        Statement.objects.filter(seller_id__in=sellers, period__lt=periods[-1])
        .exclude(status=Statement.Status.DRAFT).values_list("seller_id", "period", "total")
    ):
        history[seller_id].append((period, total))
    highest = plan_highest_rates()
    rates = (EarningLine.objects.filter(statement_id__in=ids, kind=EarningLine.Kind.COMMISSION, rate__isnull=False)
             .order_by().values("statement_id", "plan_name").annotate(top=Max("rate")))
    adjustments = list(EarningLine.objects.filter(statement_id__in=ids, kind=EarningLine.Kind.ADJUSTMENT)
                       .values_list("statement_id", "amount", "adjustment_id"))
    # A hold posts a negative adjustment and its release a positive one: named as such, not as corrections
    # (one query, only when the page has adjustment lines).
    linked = {a for _, _, a in adjustments if a is not None}
    holds: dict[int, str] = {}
    if linked:
        for placed, released, release_after in Hold.objects.filter(
                Q(hold_adjustment_id__in=linked) | Q(release_adjustment_id__in=linked)
        ).values_list("hold_adjustment_id", "release_adjustment_id", "release_after"):
            holds[placed] = f"held until {release_after:%b %d, %Y} or the invoice is paid"
            if released is not None:
                holds[released] = "hold released"
    no_quota = (EarningLine.objects.filter(statement_id__in=ids, kind=EarningLine.Kind.COMMISSION, quota__isnull=True)
                .exclude(quota_period="").exclude(credit=0).order_by()
                .values("statement_id", "component", "quota_period").distinct())
    for s in statements:
        past = sorted((p for p in history.get(s.seller_id, []) if p[0] < s.period), reverse=True)[:TRAILING_MONTHS]
        if len(past) >= 3:
            median = statistics.median([t for _, t in past])
            if median > 0 and s.total > median * FAR_ABOVE_MEDIAN:
                flags[s.pk].append(f"{s.total:,.2f} is {s.total / median:.1f}× the seller's trailing median "
                                   f"({median:,.2f} over {len(past)} months)")
        if s.total == 0:
            flags[s.pk].append("zero statement")
    for r in rates:
        top = highest.get(r["plan_name"])
        if top is not None and r["top"] > top:
            flags[r["statement_id"]].append(f"rate {r['top'] * 100:.2f}% above {r['plan_name']}'s highest tier ({top * 100:.2f}%)")
    for statement_id, amount, adjustment_id in adjustments:
        if adjustment_id in holds:
            flags[statement_id].append(f"hold {amount:,.2f} ({holds[adjustment_id]})")
        elif amount < 0:
            flags[statement_id].append(f"negative adjustment {amount:,.2f}")
        elif amount >= LARGE_ADJUSTMENT:
            flags[statement_id].append(f"large adjustment {amount:,.2f}")
    for r in no_quota:
        flags[r["statement_id"]].append(f"credits on {r['component']} with no quota for {r['quota_period']}")
    return flags


def batch_list() -> QuerySet[PayrollBatch]:
    return PayrollBatch.objects.select_related("created_by")


def batch_get(*, pk: int) -> PayrollBatch | None:
    return batch_list().filter(pk=pk).first()


def payable_periods(*, access: TenantAccess) -> list[dict]:
    """Approved statements not yet paid, per month and currency (what the next batches would pay)."""
    return list(
        statement_list(access=access, status=Statement.Status.APPROVED).order_by().values("period", "currency")
        .annotate(n=Count("id"), total=Sum("total")).order_by("-period", "currency")
    )
