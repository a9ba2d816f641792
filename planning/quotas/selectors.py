"""Reads of quota sets and the quota grid (sellers × periods with manager roll-ups)."""
from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.db.models import QuerySet

from planning.models import Quota, Seller
from planning.quotas.models import QuotaAllocation, QuotaSet
from planning.selectors import restrict_to_visible, visible_seller_ids
from spm.fiscal import add_months, quota_period_key
from spm.tenancy.access import TenantAccess
from spm.tenancy.context import current_tenant

ZERO = Decimal("0.00")


def quota_set_list(*, scenario=None) -> QuerySet[QuotaSet]:
    qs = QuotaSet.objects.select_related("scenario", "published_by")
    return qs if scenario is None else qs.filter(scenario=scenario)


def quota_set_get(*, pk: int) -> QuotaSet | None:
    return QuotaSet.objects.select_related("scenario").filter(pk=pk).first()


def allocation_list(*, quota_set: QuotaSet, access: TenantAccess | None = None) -> QuerySet[QuotaAllocation]:
    """A set's allocations; a viewer who is not tenant-wide sees their visible sellers' only."""
    qs = quota_set.allocations.select_related("seller")
    ids = visible_seller_ids(access) if access is not None else None
    return qs if ids is None else qs.filter(seller_id__in=ids)


def year_months(year: int) -> list[str]:
    fy = current_tenant().fiscal_year_start_month
    return [f"{y:04d}-{m:02d}" for y, m in (add_months(year, fy, k) for k in range(12))]


def quota_grid(*, access: TenantAccess, year: int, measure: str = "bookings", by: str = "quarter") -> dict:
    """Sellers × periods (`by`: month | quarter) of the fiscal year, with manager roll-ups.

    Each visible seller row has its own quota per period (month rows summed; a quarter/year row
    when there are no month rows), and for a manager the sum of direct reports' quotas and the
    difference ("assigned vs sum of reports"). Two queries whatever the size.
    """
    fy = current_tenant().fiscal_year_start_month
    months = year_months(year)
    from datetime import date

    def bucket(month_key: str) -> str:
        y, m = int(month_key[:4]), int(month_key[5:])
        return month_key if by == "month" else quota_period_key(date(y, m, 1), "quarter", fy)

    periods = list(dict.fromkeys(bucket(k) for k in months))
    ids = visible_seller_ids(access)
    sellers_qs = Seller.objects.only("id", "name", "external_id", "manager_id", "role_type").order_by("name")
    sellers = list(sellers_qs if ids is None else sellers_qs.filter(pk__in=ids))
    seller_ids = [s.pk for s in sellers]
    quarter_keys = [f"{year:04d}-Q{i}" for i in range(1, 5)]
    own: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    coarse: dict[int, dict[str, Decimal]] = defaultdict(dict)
    sources: dict[int, set[str]] = defaultdict(set)
    rows = Quota.objects.filter(seller_id__in=seller_ids, measure=measure,
                                period__in=[*months, *quarter_keys, f"{year:04d}"])
    for seller_id, period, amount, source in rows.values_list("seller_id", "period", "amount", "source"):
        if period in months:
            own[seller_id][bucket(period)] += amount
            sources[seller_id].add(source)
        else:
            coarse[seller_id][period] = amount
    for seller_id, keyed in coarse.items():  # only quarter/year rows: show them where months are missing
        if seller_id in own:
            continue
        for period, amount in spread_coarse_quotas(keyed, year=year, months=months, periods=periods).items():
            own[seller_id][period] = amount
        sources[seller_id].add("manual")
    children: dict[int, list[int]] = defaultdict(list)
    visible = set(seller_ids)
    for s in sellers:
        if s.manager_id in visible:
            children[s.manager_id].append(s.pk)
    # Depth-first (managers above their teams), alphabetical among siblings; roots are sellers whose
    # manager the viewer cannot see.
    roots = [s for s in sellers if s.manager_id not in visible]
    by_id = {s.pk: s for s in sellers}
    ordered: list[tuple[Seller, int]] = []
    seen: set[int] = set()
    stack = [(s, 0) for s in reversed(roots)]
    while stack:
        s, depth = stack.pop()
        if s.pk in seen:
            continue
        seen.add(s.pk)
        ordered.append((s, depth))
        stack.extend((by_id[c], depth + 1) for c in reversed(children.get(s.pk, [])))
    ordered += [(s, 0) for s in sellers if s.pk not in seen]  # a cycle in bad data
    out_rows = []
    totals = dict.fromkeys(periods, ZERO)
    for s, depth in ordered:
        values = [own[s.pk].get(p, ZERO) for p in periods]
        reports = children.get(s.pk, [])
        row = {"seller": s, "values": values, "total": sum(values, ZERO), "sources": sorted(sources[s.pk]),
               "reports": len(reports), "indent": depth * 18}
        if reports:
            rsum = [sum((own[r].get(p, ZERO) for r in reports), ZERO) for p in periods]
            row["reports_values"] = rsum
            row["reports_total"] = sum(rsum, ZERO)
            row["difference"] = row["total"] - row["reports_total"]
        out_rows.append(row)
        if not reports:  # a manager's quota is a roll-up: totals count quota carriers once
            for p, v in zip(periods, values, strict=True):
                totals[p] += v
    return {"periods": periods, "rows": out_rows, "totals": [totals[p] for p in periods],
            "grand_total": sum(totals.values(), ZERO), "year": year, "measure": measure, "by": by}


def _split(amount: Decimal, keys: list[str]) -> dict[str, Decimal]:
    """``amount`` in equal cents over ``keys``, the last one taking the cents left over."""
    share = (amount / len(keys)).quantize(ZERO, rounding=ROUND_DOWN)
    return {**dict.fromkeys(keys[:-1], share), keys[-1]: amount - share * (len(keys) - 1)}


def spread_coarse_quotas(keyed: dict[str, Decimal], *, year: int, months: list[str], periods: list[str]) -> dict[str, Decimal]:
    """The grid's cells of a seller with quarter or year rows only: the quarter rows (over their months in
    the month view), else the year row over the view's periods, so the year column is the quota the
    capacity check reads (``capacity.selectors.quotas_out_of_line``) rather than 0.00. The managers' roll-up
    (``services.quota_rollup_managers``) counts such a report the same way, with ``periods`` = the months."""
    quarters = {f"{year:04d}-Q{i}": months[3 * (i - 1):3 * i] for i in range(1, 5)}
    out: dict[str, Decimal] = {}
    if any(q in keyed for q in quarters):
        for q, amount in keyed.items():
            if q in quarters:
                out.update({q: amount} if q in periods else _split(amount, quarters[q]))
    elif f"{year:04d}" in keyed:
        out.update(_split(keyed[f"{year:04d}"], periods))
    return out


def quota_export_rows(*, access: TenantAccess, year: int, measure: str = "bookings") -> list[dict]:
    """The year's month quotas of the visible sellers, for CSV export (the import's format)."""
    qs = Quota.objects.select_related("seller").filter(measure=measure, period__in=year_months(year))
    qs = restrict_to_visible(qs, access)
    return [
        {"seller": q.seller.external_id, "name": q.seller.name, "measure": q.measure, "period": q.period,
         "amount": f"{q.amount:.2f}", "source": q.source}
        for q in qs.order_by("seller__name", "period")
    ]
