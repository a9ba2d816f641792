"""Reads for ASC 340-40: commission costs per deal from approved/paid statements, their schedules,
and the monthly journal (which ties to those statements' totals)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from compensation.accounting.engine import (
    JOURNAL_COLUMNS,
    CommissionCost,
    DealSchedule,
    JournalRow,
    journal,
    month_key_of,
    schedule_for,
)
from compensation.accounting.models import AccountingPolicy
from compensation.models import EarningLine, Statement
from performance.selectors import churn_rows

BOOKED = (Statement.Status.APPROVED, Statement.Status.PAID)
COST_KINDS = (EarningLine.Kind.COMMISSION, EarningLine.Kind.SPIF)
ZERO = Decimal("0.00")


def accounting_policy() -> AccountingPolicy:
    """The tenant's policy (defaults when none was saved: > 12 months capitalised, over the term)."""
    return AccountingPolicy.objects.first() or AccountingPolicy(expedient_months=12)


def commission_costs(*, through: str | None = None) -> list[CommissionCost]:
    """Deal commission costs (commission + SPIF lines) of approved and paid statements, per deal,
    seller and month, with the contract term and the first churn date of the deal."""
    qs = EarningLine.objects.filter(statement__status__in=BOOKED, kind__in=COST_KINDS).exclude(deal_external_id="")
    if through:
        qs = qs.filter(period__lte=through)
    rows = (qs.order_by().values("deal_external_id", "seller__external_id", "period", "opportunity__contract_term_months")
            .annotate(amount=Sum("amount")).order_by("period", "deal_external_id", "seller__external_id"))
    # First churn per deal, through Perform's read contract (a join here would multiply the sums).
    churn: dict[str, object] = {}
    for deal, day in churn_rows():
        churn.setdefault(deal, day)
    return [
        CommissionCost(deal=r["deal_external_id"], seller=r["seller__external_id"], period=r["period"],
                       amount=r["amount"], term_months=r["opportunity__contract_term_months"],
                       churn_period=month_key_of(churn[r["deal_external_id"]]) if r["deal_external_id"] in churn else None)
        for r in rows if r["amount"]
    ]


def deal_schedules(*, through: str | None = None) -> list[DealSchedule]:
    policy = accounting_policy()
    return [schedule_for(c, expedient_months=policy.expedient_months,
                         customer_life_months=policy.expected_customer_life_months)
            for c in commission_costs(through=through)]


def statement_totals(*, through: str | None = None) -> dict[str, Decimal]:
    qs = Statement.objects.filter(status__in=BOOKED)
    if through:
        qs = qs.filter(period__lte=through)
    return {r["period"]: r["total"] for r in qs.order_by().values("period").annotate(total=Sum("total"))}


def journal_rows(*, through: str | None = None) -> tuple[list[JournalRow], dict[str, Decimal]]:
    """The monthly journal and the booked statement totals it ties to (capitalised + expensed =
    statements total, every month)."""
    schedules = deal_schedules(through=through)
    totals = statement_totals(through=through)
    deal_costs: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for s in schedules:
        deal_costs[s.period] += s.amount
    # Everything else on the statements (draws, clawbacks, adjustments) is expensed when incurred.
    other = {p: t - deal_costs[p] for p, t in totals.items()}
    return journal(schedules, other_expense=other, through=through), totals


def journal_csv(rows: list[JournalRow], totals: dict[str, Decimal]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(JOURNAL_COLUMNS)
    for r in rows:
        writer.writerow([r.period, f"{r.opening_balance:.2f}", f"{r.capitalised:.2f}", f"{r.amortisation:.2f}",
                         f"{r.expensed:.2f}", f"{r.total_expense:.2f}", f"{r.closing_balance:.2f}",
                         f"{totals.get(r.period, ZERO):.2f}"])
    return out.getvalue()
