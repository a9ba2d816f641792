"""ASC 340-40 commission accounting, pure (no Django).

Incremental costs of obtaining a contract (the commission and SPIF lines a deal earned) are
capitalised when the contract is longer than the practical-expedient threshold (12 months by
default) and amortised straight-line over the amortisation period (the contract term, or the
tenant's expected customer life when set); shorter contracts are expensed when incurred. Money is
in cents: each month gets floor(amount / n) and the LAST month absorbs the rounding, so a schedule
always sums to exactly the capitalised amount. A churn before the end expenses the remainder in
the churn month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from spm.fiscal import month_start

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def add_months(period: str, n: int) -> str:
    start = month_start(period)
    index = start.year * 12 + start.month - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def amortisation_schedule(amount: Decimal, *, start: str, months: int) -> list[tuple[str, Decimal]]:
    """Straight-line monthly amounts from month `start`: equal cents, the last month takes the rest.

    Works for negative amounts (a clawed-back commission) too: the split is on the absolute value.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    amount = Decimal(amount).quantize(CENT)
    sign = -1 if amount < 0 else 1
    per_month = (abs(amount) / months).quantize(CENT, rounding=ROUND_DOWN) * sign
    rows = [(add_months(start, i), per_month) for i in range(months - 1)]
    rows.append((add_months(start, months - 1), amount - per_month * (months - 1)))
    return rows


@dataclass(frozen=True)
class CommissionCost:
    """One deal's commission cost incurred in one month (a statement line or the sum of several)."""

    deal: str
    seller: str
    period: str  # month the cost was incurred (the statement month)
    amount: Decimal
    term_months: int | None  # contract term; None = unknown (expensed)
    churn_period: str | None = None  # month of an early churn, if any


@dataclass
class DealSchedule:
    deal: str
    seller: str
    period: str
    amount: Decimal
    capitalised: bool
    months: int
    rows: list[tuple[str, Decimal]] = field(default_factory=list)  # (month, amortisation expense)
    churn_period: str | None = None

    @property
    def expensed_on_churn(self) -> Decimal:
        return sum((a for p, a in self.rows if self.churn_period and p == self.churn_period), ZERO) if self.churn_period else ZERO


def schedule_for(cost: CommissionCost, *, expedient_months: int = 12, customer_life_months: int | None = None) -> DealSchedule:
    """The deal's schedule: capitalised and amortised, or expensed at once (practical expedient).

    Early churn: every month from the churn month on collapses into the churn month (the remaining
    balance is expensed then), so the schedule still sums to the capitalised amount.
    """
    term = cost.term_months
    if term is None or term <= expedient_months:
        return DealSchedule(deal=cost.deal, seller=cost.seller, period=cost.period, amount=cost.amount,
                            capitalised=False, months=1, rows=[(cost.period, cost.amount)])
    months = customer_life_months or term
    rows = amortisation_schedule(cost.amount, start=cost.period, months=months)
    if cost.churn_period is not None and cost.churn_period <= rows[-1][0]:
        churn = max(cost.churn_period, cost.period)
        kept = [(p, a) for p, a in rows if p < churn]
        remainder = sum((a for p, a in rows if p >= churn), ZERO)
        rows = [*kept, (churn, remainder)]
    return DealSchedule(deal=cost.deal, seller=cost.seller, period=cost.period, amount=cost.amount, capitalised=True,
                        months=months, rows=rows, churn_period=cost.churn_period)


@dataclass
class JournalRow:
    period: str
    opening_balance: Decimal = ZERO
    capitalised: Decimal = ZERO
    amortisation: Decimal = ZERO
    expensed: Decimal = ZERO  # costs expensed when incurred (short contracts, non-deal lines)
    closing_balance: Decimal = ZERO

    @property
    def incurred(self) -> Decimal:
        """What the month's statements cost: capitalised + expensed (ties to the statement totals)."""
        return self.capitalised + self.expensed

    @property
    def total_expense(self) -> Decimal:
        return self.amortisation + self.expensed


JOURNAL_COLUMNS = ["period", "opening_balance", "capitalised", "amortisation_expense", "expensed_as_incurred",
                   "total_expense", "closing_balance", "statements_total"]


def journal(schedules: Iterable[DealSchedule], *, other_expense: dict[str, Decimal] | None = None,
            through: str | None = None) -> list[JournalRow]:
    """Monthly journal: the asset's opening balance, additions (capitalised), amortisation, costs
    expensed as incurred and closing balance, month by month from the first cost to `through` (or
    the last amortisation month)."""
    capitalised: dict[str, Decimal] = defaultdict(lambda: ZERO)
    amortisation: dict[str, Decimal] = defaultdict(lambda: ZERO)
    expensed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for s in schedules:
        if s.capitalised:
            capitalised[s.period] += s.amount
            for p, a in s.rows:
                amortisation[p] += a
        else:
            expensed[s.period] += s.amount
    for p, a in (other_expense or {}).items():
        expensed[p] += a
    months = set(capitalised) | set(amortisation) | set(expensed)
    if not months:
        return []
    first, last = min(months), max(months)
    if through is not None:
        last = through
    rows, balance, period = [], ZERO, first
    while period <= last:
        row = JournalRow(period=period, opening_balance=balance, capitalised=capitalised[period],
                         amortisation=amortisation[period], expensed=expensed[period])
        balance = balance + row.capitalised - row.amortisation
        row.closing_balance = balance
        rows.append(row)
        period = add_months(period, 1)
    return rows


def month_key_of(day) -> str:
    return f"{day.year:04d}-{day.month:02d}"
