"""Payout liability: accrued (calculated, not approved), approved unpaid, paid — by month, team and
plan — plus comp cost of sales and the expected liability of the forecast (commit and best-case
deals rated by the calculation engine as if they closed on their close dates)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Max, QuerySet, Sum

from compensation.engine import Deal, EngineError, PlanValidationError, month_key
from compensation.engine.frames import calculate_frames
from compensation.models import CalculationRun, EarningLine, Statement
from compensation.selectors import statement_totals_base, totals_count_drafts
from compensation.services.calculation import load_engine_input
from performance.pipeline.selectors import data_version as pipeline_data_version
from performance.selectors import opportunity_list
from planning.selectors import visibility_key
from spm.caching import cached_value
from spm.models import InputChange

if TYPE_CHECKING:
    from spm.tenancy.access import TenantAccess

ZERO = Decimal("0.00")
BUCKETS = {"draft": "accrued", "published": "accrued", "approved": "approved_unpaid", "paid": "paid"}
BUCKET_LABELS = {"accrued": "Accrued (not approved)", "approved_unpaid": "Approved, unpaid", "paid": "Paid"}


def _empty() -> dict[str, Decimal]:
    return {"accrued": ZERO, "approved_unpaid": ZERO, "paid": ZERO}


def liability_statements(*, access: TenantAccess | None = None) -> QuerySet[Statement]:
    """The statements every table of the liability page sums, for this viewer: an executive
    aggregates what `statement_totals_base` gives them (no drafts); finance and admin every statement.
    One definition, so the months, the KPIs, the teams and the plans add up to the same figures."""
    if not drafts_counted(access):
        return statement_totals_base(access=access)
    return Statement.objects.all()


def drafts_counted(access: TenantAccess | None) -> bool:
    """Whether `liability_statements` counts drafts for this viewer (part of the page's cache keys): the
    dashboards' rule (`totals_count_drafts`); no viewer (a command, a task) counts every statement."""
    return access is None or totals_count_drafts(access)


def liability_by_period(*, access: TenantAccess) -> list[dict]:
    """Per month and currency: accrued, approved unpaid and paid totals (oldest first)."""
    base = liability_statements(access=access)
    rows: dict[tuple[str, str], dict] = {}
    for r in base.order_by().values("period", "currency", "status").annotate(total=Sum("total")):
        row = rows.setdefault((r["period"], r["currency"]), {"period": r["period"], "currency": r["currency"], **_empty()})
        row[BUCKETS[r["status"]]] += r["total"] or ZERO
    out = [rows[k] for k in sorted(rows)]
    for row in out:
        row["total"] = row["accrued"] + row["approved_unpaid"] + row["paid"]
    return out


def liability_by_team(*, period: str | None = None, access: TenantAccess | None = None) -> list[dict]:
    """Per manager (team) and currency, the three buckets (a seller with no manager is their own team)."""
    qs = liability_statements(access=access)
    if period:
        qs = qs.filter(period=period)
    rows: dict[tuple[str, str], dict] = {}
    for r in qs.order_by().values("seller__manager__name", "seller__name", "currency", "status").annotate(total=Sum("total")):
        team = r["seller__manager__name"] or r["seller__name"]
        row = rows.setdefault((team, r["currency"]), {"team": team, "currency": r["currency"], **_empty()})
        row[BUCKETS[r["status"]]] += r["total"] or ZERO
    return [rows[k] for k in sorted(rows)]


def liability_by_plan(*, period: str | None = None, access: TenantAccess | None = None) -> list[dict]:
    """Per plan (from the lines' plan names; adjustments and draws without a plan under "—")."""
    qs = EarningLine.objects.all()
    if not drafts_counted(access):
        qs = qs.filter(statement__in=liability_statements(access=access).values("pk"))
    if period:
        qs = qs.filter(period=period)
    rows: dict[tuple[str, str], dict] = {}
    for r in (qs.order_by().values("plan_name", "statement__currency", "statement__status")
              .annotate(total=Sum("amount"))):
        plan = r["plan_name"] or "—"
        row = rows.setdefault((plan, r["statement__currency"]), {"plan": plan, "currency": r["statement__currency"], **_empty()})
        row[BUCKETS[r["statement__status"]]] += r["total"] or ZERO
    return [rows[k] for k in sorted(rows)]


def comp_cost_of_sales(*, period: str | None = None) -> list[dict]:
    """Per month: commission and SPIF earnings, the credited bookings behind them (direct and split
    credits, each deal once per seller) and the ratio."""
    qs = EarningLine.objects.filter(kind__in=("commission", "spif"))
    if period:
        qs = qs.filter(period=period)
    earned = {r["period"]: r["total"] for r in qs.order_by().values("period").annotate(total=Sum("amount"))}
    credits: dict[str, dict[tuple[str, int], Decimal]] = defaultdict(dict)
    for p, deal, seller, credit in (qs.filter(kind="commission", credit_kind__in=("direct", "split"))
                                    .values_list("period", "deal_external_id", "seller_id", "credit")):
        credits[p].setdefault((deal, seller), credit or ZERO)  # one credit per deal and seller, whatever the components
    out = []
    for p in sorted(earned):
        bookings = sum(credits[p].values(), ZERO)
        out.append({"period": p, "earned": earned[p], "bookings": bookings,
                    "ratio": (earned[p] / bookings * 100) if bookings else None})
    return out


@dataclasses.dataclass
class ForecastLiability:
    commit: Decimal = ZERO
    best_case: Decimal = ZERO  # commit + best case
    deals: int = 0
    periods: list[str] = dataclasses.field(default_factory=list)
    error: str = ""


CACHE_SECONDS = 300


def cached(kind: str, *, access: TenantAccess, key_parts: tuple = (), compute, version: tuple | None = None):
    """``compute()``, kept 5 minutes per tenant, viewer scope, inputs and data version.

    The page's figures aggregate every earning line of the tenant (and the forecast runs the engine
    three times): seconds per view, the same for every viewer until something changes. The version
    moves with any new or changed deal, history row, stage change, audited write (plans,
    assignments, quotas, adjustments, approvals, payments), change-feed entry or finished run.
    Index reads only; a page with several cached parts reads `data_version` once and passes it."""
    return cached_value("liability", (kind, version or data_version(access), key_parts), compute, seconds=CACHE_SECONDS)


def data_version(access: TenantAccess) -> tuple:
    """Tenant, viewer scope and the version of the data behind the page (see `cached`)."""
    scope = visibility_key(access)
    changed = InputChange.objects.aggregate(m=Max("changed_at"))["m"]
    finished = CalculationRun.objects.aggregate(m=Max("finished_at"))["m"]
    return (access.tenant.pk, scope, pipeline_data_version(), changed, finished)


def forecast_liability(*, access: TenantAccess, version: tuple | None = None) -> ForecastLiability:
    """What commit (and commit + best-case) open deals would add to payouts if they closed on their
    close dates, computed by the engine over the months they close in (three engine runs; cached)."""
    return cached("forecast", access=access, version=version, compute=lambda: _forecast_liability(access=access))


def _forecast_liability(*, access: TenantAccess) -> ForecastLiability:
    open_deals = list(
        opportunity_list(access=access).filter(forecast_category__in=("commit", "best_case"), close_date__isnull=False)
        .exclude(is_closed=True).prefetch_related("splits").order_by("external_id")
    )
    result = ForecastLiability(deals=len(open_deals))
    if not open_deals:
        return result
    months = sorted({month_key(d.close_date) for d in open_deals})
    result.periods = months
    inp, lookups = load_engine_input(period_from=months[0], period_through=months[-1])
    ext = {pk: key for key, pk in lookups["seller_ids"].items()}

    def as_deal(d) -> Deal:
        splits = tuple(sorted((ext[s.seller_id], s.pct / 100) for s in d.splits.all()))
        return Deal(key=d.external_id, owner=ext[d.owner_id], amount=d.amount, currency=d.currency,
                    close_date=d.close_date, deal_type=d.deal_type, splits=splits)

    commit = [as_deal(d) for d in open_deals if d.forecast_category == "commit"]
    best = [as_deal(d) for d in open_deals if d.forecast_category == "best_case"]

    def total(extra) -> Decimal:
        deals = sorted([*inp.deals, *extra], key=lambda d: d.key)
        # The production engine (vectorised, no explanation texts): the reference engine took seconds.
        run = calculate_frames(dataclasses.replace(inp, deals=deals), explain=False)
        return sum((Decimal(line.amount) for line in run.lines if line.period in months), ZERO)

    try:
        base = total([])
        result.commit = total(commit) - base
        result.best_case = total([*commit, *best]) - base
    except (EngineError, PlanValidationError) as exc:
        result.error = f"The forecast cannot be rated: {exc}"
    return result
