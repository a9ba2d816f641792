"""The calculation (DESIGN.md, "The calculation"): credits -> attainment -> tiered payout lines,
SPIFs, clawbacks, draws and adjustments.  Pure Python + Decimal, no Django."""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from operator import attrgetter
from typing import Any

from spm.fiscal import (
    month_end,
    month_key,
    month_start,
    months_between,
    months_in_period,
    parse_period_key,
    quota_period_key,
)

from .formatting import fmt_money, fmt_pct, fmt_rate
from .payout import PREC, Band, band_index, bands, exact, marginal_portions, payout_exact, round_cents, to_decimal
from .plan_document import CommissionComponent, PlanDocument, SpifComponent

__all__ = [
    "AdjustmentInput", "Assignment", "ChurnEvent", "Deal", "EngineError", "EngineInput",
    "EngineResult", "FxRate", "Line", "calculate",
]

ZERO = Decimal(0)
ONE = Decimal(1)
KIND_ORDER = {"direct": 0, "split": 1, "rollup": 2}
# line categories inside one (seller, period), in output order
CAT_DEAL, CAT_SPIF, CAT_CLAWBACK, CAT_ADJUSTMENT, CAT_DRAW = range(5)
EARNING_KINDS = ("commission", "spif", "clawback", "adjustment")


class EngineError(ValueError):
    """Inconsistent engine input (missing FX rate, unknown plan, bad period key, ...)."""


@dataclass(frozen=True, slots=True)  # slots: a partition may hold a million of them
class Deal:
    key: str  # external id; used for ordering
    owner: Hashable
    amount: Decimal
    currency: str
    close_date: date
    deal_type: str
    splits: tuple[tuple[Hashable, Decimal], ...] = ()


@dataclass(frozen=True)
class Assignment:
    seller: Hashable
    plan: str
    start: date
    end: date | None
    target_incentive: Decimal = Decimal(0)


@dataclass(frozen=True)
class FxRate:
    currency: str
    rate_to_base: Decimal
    effective_from: date


@dataclass(frozen=True)
class ChurnEvent:
    deal: str
    date: date


@dataclass(frozen=True)
class AdjustmentInput:
    seller: Hashable
    period: str
    amount: Decimal
    reason: str
    ref: Hashable = None


@dataclass(frozen=True, kw_only=True)
class EngineInput:
    """Keyword-only (the fields with defaults come before period_from/period_through)."""
    fy_start_month: int
    base_currency: str
    managers: Mapping[Hashable, Hashable | None]
    plans: Mapping[str, PlanDocument]
    assignments: Sequence[Assignment]
    quotas: Mapping[tuple[Hashable, str, str], Decimal]
    deals: Sequence[Deal]
    fx_rates: Sequence[FxRate] = ()
    events: Sequence[ChurnEvent] = ()
    adjustments: Sequence[AdjustmentInput] = ()
    # Compute lines for these sellers only (None = everyone). A seller's lines depend only on the credits
    # they receive, so this changes none of their lines; recalculation on change uses it.
    only_sellers: frozenset | None = None
    period_from: str
    period_through: str


@dataclass(frozen=True)
class Line:
    seller: Hashable
    period: str
    plan: str | None
    component: str
    kind: str  # commission | spif | clawback | draw | draw_recovery | adjustment
    deal: str | None
    credit_kind: str | None  # direct | split | rollup
    credit: Decimal | None
    quota: Decimal | None
    quota_period: str | None
    attainment_before: Decimal | None
    attainment_after: Decimal | None
    rate: Decimal | None
    amount: Decimal
    explanation: str
    adjustment_ref: Hashable = None
    # Set instead of `explanation` (which is then "") by `calculate_frames(explain="facts")`: the line's
    # structured facts as JSON text, rendered on read (compensation.engine.explain.render_facts).
    # Not compared: a line with facts equals the same line with its text.
    facts: str | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The explanation, rendered from the facts when the run stored those instead of text."""
        if self.facts:
            from .explain import render_facts
            return render_facts(self.facts)
        return self.explanation


@dataclass(frozen=True)
class EngineResult:
    lines: tuple[Line, ...]
    attainment: Mapping[tuple[Hashable, str], Mapping[str, Decimal]]


# --------------------------------------------------------------------------------------------

def _skey(x: Any) -> tuple[str, str, str]:
    """Deterministic sort key for arbitrary hashable ids (str first, as the contract says)."""
    return (str(x), type(x).__name__, repr(x))


def _dec(x: Any) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float, str)):
        raise EngineError(f"expected a decimal number, got {x!r}")
    return Decimal(str(x))


@dataclass
class _Credit:
    seller: Hashable
    plan_key: str
    comp: CommissionComponent
    comp_index: int
    deal: Deal
    kind: str
    source: Hashable  # the seller whose credit this is (== seller unless rollup)
    fraction: Decimal
    amount: Fraction  # plan currency, exact
    fx: Fraction | None
    assignment: Assignment

    def order(self):
        return (self.deal.close_date, self.deal.key, KIND_ORDER[self.kind], _skey(self.source))


@dataclass
class _Ctx:
    inp: EngineInput
    fy: int
    base_ccy: str
    by_seller: dict = field(default_factory=dict)
    fx: dict = field(default_factory=dict)
    out: list = field(default_factory=list)  # (sort key, Line)
    skeys: dict = field(default_factory=dict)  # seller -> _skey(seller)

    # ---- assignments -------------------------------------------------------------------
    def assignment_on(self, seller, d: date) -> Assignment | None:
        found = None
        for a in self.by_seller.get(seller, ()):
            if a.start <= d and (a.end is None or d <= a.end):
                found = a  # list is sorted by start: the latest-starting one wins
        return found

    # ---- fx ----------------------------------------------------------------------------
    def rate_to_base(self, ccy: str, d: date) -> Decimal:
        if ccy == self.base_ccy:
            return ONE
        dates, rates = self.fx.get(ccy, ((), ()))
        i = bisect_right(dates, d) - 1
        if i < 0:
            raise EngineError(f"no FX rate for {ccy} effective on or before {d.isoformat()} "
                              f"(base currency {self.base_ccy})")
        return rates[i]

    def convert(self, amount: Decimal | Fraction, ccy: str, plan_ccy: str, d: date) -> tuple[Fraction, Fraction | None]:
        # exact: a rate ratio like 1 / 1.08 does not terminate, and the credit feeds every band comparison
        if ccy == plan_ccy:
            return exact(amount), None
        r = exact(self.rate_to_base(ccy, d)) / exact(self.rate_to_base(plan_ccy, d))
        return exact(amount) * r, r

    # ---- quotas ------------------------------------------------------------------------
    def quota_for(self, seller, measure: str, key: str) -> Decimal | None:
        q = self.inp.quotas
        v = q.get((seller, measure, key))
        if v is not None:
            return _dec(v)
        _, _, kind = parse_period_key(key, self.fy)
        candidates = []
        if kind == "year":
            candidates.append([f"{key}-Q{i}" for i in range(1, 5)])
        if kind in ("year", "quarter"):
            candidates.append(months_in_period(key, self.fy))
        for keys in candidates:
            vals = [q.get((seller, measure, k)) for k in keys]
            if all(x is not None for x in vals):
                return sum((_dec(x) for x in vals), ZERO)
        return None

    def emit(self, sort_tail: tuple, cat: int, line: Line) -> None:
        skey = self.skeys.get(line.seller)
        if skey is None:  # one sort key per seller, not per line
            skey = self.skeys[line.seller] = _skey(line.seller)
        self.out.append(((skey, line.period, cat) + sort_tail, line))


def _parties(deal: Deal) -> list[tuple[Hashable, Decimal, str]]:
    """(seller, fraction, credit_kind) for a deal: owner 100 % or its splits."""
    if not deal.splits:
        return [(deal.owner, ONE, "direct")]
    pcts = [_dec(p) for _, p in deal.splits]
    total = sum(pcts, ZERO)
    as_fraction = total == 1 or (all(p <= 1 for p in pcts) and total <= 1)
    combined: dict = {}
    for (seller, _), p in zip(deal.splits, pcts, strict=True):
        combined[seller] = combined.get(seller, ZERO) + (p if as_fraction else p / 100)
    return [(s, combined[s], "split") for s in sorted(combined, key=_skey)]


def ancestors(managers: Mapping, seller) -> list:
    """Managers above `seller`, nearest first (cycle-safe)."""
    out, seen = [], {seller}
    m = managers.get(seller)
    while m is not None and m not in seen:
        out.append(m)
        seen.add(m)
        m = managers.get(m)
    return out


# --------------------------------------------------------------------------------------------

def calculate(inp: EngineInput) -> EngineResult:
    """Compute every line over the whole input history; return those in period_from..period_through."""
    with localcontext() as dctx:
        dctx.prec = PREC
        return _calculate(inp, rate_groups=_rate_groups)


def _prepare(inp: EngineInput) -> _Ctx:
    try:
        months_between(inp.period_from, inp.period_through)
        month_start(inp.period_from), month_start(inp.period_through)
    except ValueError as e:
        raise EngineError(f"period_from/period_through: {e}") from None
    if inp.period_from > inp.period_through:
        raise EngineError(f"period_from {inp.period_from} is after period_through {inp.period_through}")
    ctx = _Ctx(inp=inp, fy=inp.fy_start_month, base_ccy=inp.base_currency.upper())
    try:
        parse_period_key("2000", ctx.fy)
    except ValueError as e:
        raise EngineError(str(e)) from None
    for a in sorted(inp.assignments, key=lambda a: (_skey(a.seller), a.start, a.end or date.max, a.plan,
                                                     _dec(a.target_incentive))):
        if a.plan not in inp.plans:
            raise EngineError(f"assignment of seller {a.seller!r} refers to unknown plan {a.plan!r}")
        if a.end is not None and a.end < a.start:
            raise EngineError(f"assignment of seller {a.seller!r} to plan {a.plan!r} ends before it starts")
        ctx.by_seller.setdefault(a.seller, []).append(a)
    fx: dict = defaultdict(list)
    for r in sorted(inp.fx_rates, key=lambda r: (r.currency.upper(), r.effective_from, _dec(r.rate_to_base))):
        rate = _dec(r.rate_to_base)
        if rate <= 0:
            raise EngineError(f"FX rate for {r.currency} effective {r.effective_from} must be > 0")
        fx[r.currency.upper()].append((r.effective_from, rate))
    ctx.fx = {c: (tuple(d for d, _ in v), tuple(x for _, x in v)) for c, v in fx.items()}
    return ctx


def sorted_deals(inp: EngineInput) -> list[Deal]:
    """The deals in (close date, deal id) order; a repeated deal id is an EngineError."""
    deals = sorted(inp.deals, key=attrgetter("close_date", "key"))  # (close date, key) tuples made in C
    if len({d.key for d in deals}) < len(deals):
        seen_keys: set = set()
        for d in deals:
            if d.key in seen_keys:
                raise EngineError(f"duplicate deal key {d.key!r}")
            seen_keys.add(d.key)
    return deals


def _calculate(inp: EngineInput, *, rate_groups) -> EngineResult:
    """The calculation with a pluggable rating step (rules 3-5 for quota components): `rate_groups(ctx,
    groups)` returns ([(credit, line)] in group order, {group: (close dates, cumulative credits)}). The
    reference rates credit by credit (`_rate_groups`); compensation.engine.table rates all groups at once
    (and has its own run, `calculate_table`, sharing the routines below)."""
    ctx = _prepare(inp)
    deals = sorted_deals(inp)

    # 1-2. credits (direct / split / rollup), measure filter, FX to plan currency
    groups: dict = defaultdict(list)  # (seller, plan, component, quota period) -> [_Credit]
    flat: list[_Credit] = []  # components with quota null
    for deal in deals:
        amount = _dec(deal.amount)
        ccy = deal.currency.upper()
        for seller, frac, kind in _parties(deal):
            recipients = [(seller, kind)] + [(m, "rollup") for m in ancestors(inp.managers, seller)]
            for who, ckind in recipients:
                if inp.only_sellers is not None and who not in inp.only_sellers:
                    continue
                a = ctx.assignment_on(who, deal.close_date)
                if a is None:
                    continue
                plan = inp.plans[a.plan]
                for ci, comp in enumerate(plan.components):
                    if not isinstance(comp, CommissionComponent) or not comp.measure.matches(deal.deal_type):
                        continue
                    if ckind == "rollup" and not comp.rollup:
                        continue
                    credit, r = ctx.convert(amount * frac, ccy, plan.currency, deal.close_date)
                    cr = _Credit(who, a.plan, comp, ci, deal, ckind, seller, frac, credit, r, a)
                    if comp.quota is None:
                        flat.append(cr)
                    else:
                        qkey = quota_period_key(deal.close_date, comp.quota.period, ctx.fy)
                        groups[(who, a.plan, comp.name, qkey)].append(cr)
        # 6. SPIFs (direct and split credits only)
        _spifs(ctx, deal, amount, ccy)

    # 3-5. attainment and tiered payout
    commission_lines, cum_index = rate_groups(ctx, groups)

    commission_lines.extend(flat_lines(flat))
    emit_commission(ctx, commission_lines)

    _clawbacks(ctx, deals, earned_by_deal(ctx, commission_lines))
    _adjustments(ctx)
    _draws(ctx)

    lo, hi = inp.period_from, inp.period_through
    lines = tuple(line for _, line in sorted(ctx.out, key=lambda t: t[0]) if lo <= line.period <= hi)
    return EngineResult(lines=lines, attainment=_attainment_map(ctx, cum_lookup(cum_index)))


def flat_lines(flat: list[_Credit]) -> list[tuple[_Credit, Line]]:
    """Lines of components with `quota: null`: credit × the single tier's rate × weight, rounded once."""
    out = []
    for cr in sorted(flat, key=lambda c: (_skey(c.seller),) + c.order() + (c.plan_key, c.comp_index)):
        rate = cr.comp.tiers[0].rate
        amount = round_cents(cr.amount * exact(rate) * exact(cr.comp.weight))
        w = f" × weight {fmt_rate(cr.comp.weight, as_pct=False)}" if cr.comp.weight != 1 else ""
        text = f"{_credit_text(cr)}: flat {fmt_rate(rate)}{w} → {fmt_money(amount)}"
        out.append((cr, _line(cr, quota=None, quota_period=None, ab=None, aa=None, rate=rate,
                              amount=amount, explanation=text)))
    return out


def emit_commission(ctx: _Ctx, commission_lines) -> None:
    for cr, line in commission_lines:
        ctx.emit((cr.deal.close_date, cr.deal.key, KIND_ORDER[cr.kind], cr.plan_key, cr.comp_index,
                  _skey(cr.source)), CAT_DEAL, line)


def cum_lookup(cum_index: dict):
    """`cum_at(group, last day)`: the group's cumulative credit through that day, from {group: (dates, cums)}."""
    def cum_at(gkey, last: date) -> Fraction:
        dates, cums = cum_index.get(gkey, ((), ()))
        i = bisect_right(dates, last)
        return cums[i - 1] if i else Fraction(0)
    return cum_at



@lru_cache(maxsize=1024)
def _bands(tiers) -> tuple[Band, ...]:
    return bands(tiers)


def group_order(gkey) -> tuple:
    """Deterministic order of (seller, plan, component, quota period) groups."""
    return (_skey(gkey[0]), gkey[1], gkey[2], gkey[3])


def quota_for_group(ctx: _Ctx, gkey, comp: CommissionComponent) -> Decimal | None:
    return ctx.quota_for(gkey[0], comp.quota.measure, gkey[3])


def no_quota_line(cr: _Credit, comp: CommissionComponent, qkey: str) -> Line:
    return _line(cr, quota=None, quota_period=qkey, ab=None, aa=None, rate=None, amount=ZERO,
                 explanation=f"no {comp.quota.measure} quota for {qkey}: nothing earned on this component")


def commission_text(cr: _Credit, comp: CommissionComponent, quota: Decimal, qkey: str, base: Fraction,
                    ab: Fraction, aa: Fraction, amount: Decimal, n_months: int, capped: bool,
                    uncapped: Fraction | None = None) -> str:
    """The explanation of one quota-based commission line (shared by both engines). `uncapped` =
    F(aa) − F(ab) without the cap, when the caller already knows it (saves evaluating F twice)."""
    bs = _bands(comp.tiers)
    if comp.basis == "credit":
        base_text = f"weight {fmt_rate(comp.weight, as_pct=False)}; " if comp.weight != 1 else ""
    else:
        ti = _dec(cr.assignment.target_incentive)
        base_text = (f"base = target incentive {fmt_money(ti)} × weight {fmt_rate(comp.weight, as_pct=False)} × "
                     f"{n_months}/12 = {fmt_money(base)}; ")
    text = (f"{_credit_text(cr)} of {fmt_money(quota)} {comp.quota.measure} quota for {qkey}: "
            f"attainment {fmt_pct(ab)} → {fmt_pct(aa)}; {base_text}"
            f"{_payout_text(bs, comp.method, base, ab, aa, uncapped)}")
    if capped:
        text += f"; capped at {fmt_money(comp.cap.amount)} for {qkey} → {fmt_money(amount)}"
    return text


def group_base(cr: _Credit, comp: CommissionComponent, quota: Fraction, n_months: int) -> Fraction:
    """`base` of rule 4: quota × weight, or target incentive × weight × months / 12 (exact)."""
    if comp.basis == "credit":
        return quota * exact(comp.weight)
    return exact(_dec(cr.assignment.target_incentive)) * exact(comp.weight) * n_months / 12


def _rate_groups(ctx: _Ctx, groups: dict) -> tuple[list, dict]:
    """Reference rating: per group, credits in order, running sum, F evaluated exactly per credit."""
    commission_lines: list[tuple[_Credit, Line]] = []
    cum_index: dict = {}  # group -> (close dates, cumulative credit after each credit)
    for gkey in sorted(groups, key=group_order):
        commission_lines.extend(_rate_group(ctx, gkey, groups[gkey], cum_index))
    return commission_lines, cum_index


def _rate_group(ctx: _Ctx, gkey, credits: list, cum_index: dict) -> list:
    """Rate one (seller, plan, component, quota period) group credit by credit (the reference)."""
    qkey = gkey[3]
    credits = sorted(credits, key=_Credit.order)
    comp = credits[0].comp
    quota = quota_for_group(ctx, gkey, comp)
    if quota is None or quota == 0:
        return [(cr, no_quota_line(cr, comp, qkey)) for cr in credits]
    bs = bands(comp.tiers)
    cap = comp.cap.amount if comp.cap is not None else None
    n_months = len(months_in_period(qkey, ctx.fy))
    q = exact(quota)
    cum = Fraction(0)
    dates, cums, out = [], [], []
    for cr in credits:
        # Exact rationals throughout (rule 10): attainment = cumulative credit / quota, F evaluated
        # on the exact value, the line rounded once, half up.
        ab = cum / q
        cum += cr.amount
        aa = cum / q
        dates.append(cr.deal.close_date)
        cums.append(cum)
        base = group_base(cr, comp, q, n_months)
        f_before = payout_exact(bs, comp.method, base, ab, cap)
        f_after = payout_exact(bs, comp.method, base, aa, cap)
        amount = round_cents(f_after - f_before)
        rate = bs[band_index(bs, aa)].rate
        capped = cap is not None and (
            payout_exact(bs, comp.method, base, aa) - payout_exact(bs, comp.method, base, ab) != f_after - f_before)
        text = commission_text(cr, comp, quota, qkey, base, ab, aa, amount, n_months, capped)
        out.append((cr, _line(cr, quota=quota, quota_period=qkey, ab=to_decimal(ab), aa=to_decimal(aa), rate=rate,
                              amount=amount, explanation=text)))
    cum_index[gkey] = (dates, cums)
    return out

def _line(cr: _Credit, *, quota, quota_period, ab, aa, rate, amount, explanation, facts=None,
          credit: Decimal | None = None) -> Line:
    """`credit`: the credit as a Decimal when the caller has it exactly (else converted from the Fraction)."""
    return Line(seller=cr.seller, period=month_key(cr.deal.close_date), plan=cr.plan_key,
                component=cr.comp.name, kind="commission", deal=cr.deal.key, credit_kind=cr.kind,
                credit=to_decimal(cr.amount) if credit is None else credit, quota=quota, quota_period=quota_period, attainment_before=ab,
                attainment_after=aa, rate=rate, amount=amount, explanation=explanation, facts=facts)


def _credit_text(cr: _Credit) -> str:
    d = cr.deal
    s = f"Deal {d.key} ({d.deal_type}) credited {fmt_money(cr.amount)}"
    notes = []
    if cr.kind == "split":
        notes.append(f"{fmt_pct(cr.fraction)} split")
    elif cr.kind == "rollup":
        notes.append(f"rollup from {cr.source}" + (f"'s {fmt_pct(cr.fraction)} split" if cr.fraction != 1 else ""))
    if cr.fx is not None:
        notes.append(f"{d.currency.upper()} {fmt_money(_dec(d.amount) * cr.fraction)} at "
                     f"{fmt_rate(to_decimal(cr.fx), as_pct=False)}")
    return s + (f" ({'; '.join(notes)})" if notes else "")


def _payout_text(bs: tuple[Band, ...], method: str, base: Fraction, ab: Fraction, aa: Fraction,
                 delta: Fraction | None = None) -> str:
    if delta is None:
        delta = payout_exact(bs, method, base, aa) - payout_exact(bs, method, base, ab)
    total = f"→ {fmt_money(round_cents(delta))}"
    if method == "marginal":
        pieces = marginal_portions(bs, ab, aa)
        if not pieces:
            return f"no change {total}"
        if len(pieces) == 1:
            b = pieces[0][0]
            if b.hi is not None:
                desc = f"up to {fmt_pct(b.hi)}"
            elif b.lo > 0:
                desc = f"above {fmt_pct(b.lo)}"
            else:
                desc = "on all attainment"
            return f"{fmt_rate(b.rate)} {desc} {total}"
        parts = [f"{fmt_rate(b.rate)} on {fmt_pct(s)}–{fmt_pct(e)} ({fmt_money(base * exact(b.rate) * exact(e - s))})"
                 for b, s, e in pieces]
        return " + ".join(parts) + f" {total}"
    ib, ia = band_index(bs, ab), band_index(bs, aa)
    rate = bs[ia].rate
    if ia == ib:
        return f"{fmt_rate(rate)} on {fmt_pct(ab)}–{fmt_pct(aa)} {total}"
    fa, fb = payout_exact(bs, method, base, aa), payout_exact(bs, method, base, ab)
    verb = "crosses into" if ia > ib else "falls back to"
    return (f"{verb} the {fmt_rate(rate)} band: {fmt_rate(rate)} on all {fmt_pct(aa)} ({fmt_money(fa)}) "
            f"minus {fmt_money(fb)} already paid {total}")


def _spifs(ctx: _Ctx, deal: Deal, amount: Decimal, ccy: str) -> None:
    if amount <= 0:
        return  # credit memos never qualify for a SPIF
    for seller, frac, kind in _parties(deal):
        if ctx.inp.only_sellers is not None and seller not in ctx.inp.only_sellers:
            continue
        a = ctx.assignment_on(seller, deal.close_date)
        if a is None:
            continue
        plan = ctx.inp.plans[a.plan]
        for ci, comp in enumerate(plan.components):
            if not isinstance(comp, SpifComponent):
                continue
            w = comp.when
            if w.deal_types is not None and deal.deal_type not in w.deal_types:
                continue
            if w.closed_from is not None and deal.close_date < w.closed_from:
                continue
            if w.closed_to is not None and deal.close_date > w.closed_to:
                continue
            full, _ = ctx.convert(amount, ccy, plan.currency, deal.close_date)
            if w.min_amount is not None and full < exact(w.min_amount):
                continue
            pay = round_cents(comp.amount * frac)
            share = f" × {fmt_pct(frac)} split" if kind == "split" else ""
            text = (f"SPIF {comp.name}: deal {deal.key} ({deal.deal_type}, {fmt_money(full)} {plan.currency}) "
                    f"closed {deal.close_date.isoformat()} qualifies; {fmt_money(comp.amount)}{share} → {fmt_money(pay)}")
            ctx.emit((deal.close_date, deal.key, ci), CAT_SPIF, Line(
                seller=seller, period=month_key(deal.close_date), plan=a.plan, component=comp.name, kind="spif",
                deal=deal.key, credit_kind=kind, credit=to_decimal(full * exact(frac)), quota=None, quota_period=None,
                attainment_before=None, attainment_after=None, rate=None, amount=pay, explanation=text))


def earned_by_deal(ctx: _Ctx, commission_lines, earned: dict | None = None) -> dict:
    """deal key -> (seller, plan, component index, component) -> commission earned, for churned deals only
    (only their earnings are ever looked up)."""
    if earned is None:
        earned = defaultdict(lambda: defaultdict(lambda: ZERO))
    churned = {ev.deal for ev in ctx.inp.events}
    for cr, line in commission_lines:
        if cr.deal.key in churned:
            earned[cr.deal.key][(cr.seller, cr.plan_key, cr.comp_index, cr.comp.name)] += line.amount
    return earned


def _clawbacks(ctx: _Ctx, deals: list[Deal], earned: dict) -> None:
    by_key = {d.key: d for d in deals}
    done: set = set()
    for ev in sorted(ctx.inp.events, key=lambda e: (e.date, e.deal)):
        deal = by_key.get(ev.deal)
        if deal is None:
            continue  # churn of a deal that never closed-won: nothing was paid
        days = (ev.date - deal.close_date).days
        for k in sorted(earned.get(ev.deal, {}), key=lambda k: (_skey(k[0]), k[1], k[2])):
            seller, plan_key, ci, comp_name = k
            cb = ctx.inp.plans[plan_key].clawback
            if cb is None or not 0 <= days <= cb.window_days or (ev.deal,) + k in done:
                continue
            done.add((ev.deal,) + k)
            total = earned[ev.deal][k]
            if total == 0:
                continue
            if cb.method == "full":
                amount = -total
                how = f"full clawback of {fmt_money(total)} earned"
            else:
                factor = 1 - Fraction(days, cb.window_days)  # exact: 1 − 1/3 must not lose the half cent
                amount = round_cents(-exact(total) * factor)
                how = (f"prorated clawback: {fmt_money(total)} earned × (1 − {days}/{cb.window_days} days) "
                       f"= {fmt_money(-amount)}")
            text = (f"Deal {deal.key} churned on {ev.date.isoformat()}, {days} days after closing "
                    f"{deal.close_date.isoformat()} (window {cb.window_days} days): {how} → {fmt_money(amount)}")
            ctx.emit((ev.date, deal.key, plan_key, ci), CAT_CLAWBACK, Line(
                seller=seller, period=month_key(ev.date), plan=plan_key, component=comp_name, kind="clawback",
                deal=deal.key, credit_kind=None, credit=None, quota=None, quota_period=None,
                attainment_before=None, attainment_after=None, rate=None, amount=amount, explanation=text))


def _adjustments(ctx: _Ctx) -> None:
    adjs = sorted(ctx.inp.adjustments,
                  key=lambda a: (_skey(a.seller), a.period, _skey(a.ref), str(a.reason), _dec(a.amount)))
    for i, adj in enumerate(adjs):
        if ctx.inp.only_sellers is not None and adj.seller not in ctx.inp.only_sellers:
            continue
        try:
            month_start(adj.period)
        except ValueError as e:
            raise EngineError(f"adjustment for seller {adj.seller!r}: {e}") from None
        ctx.emit((i,), CAT_ADJUSTMENT, Line(
            seller=adj.seller, period=adj.period, plan=None, component="Adjustment", kind="adjustment",
            deal=None, credit_kind=None, credit=None, quota=None, quota_period=None, attainment_before=None,
            attainment_after=None, rate=None, amount=round_cents(_dec(adj.amount)), explanation=str(adj.reason),
            adjustment_ref=adj.ref))


def _draws(ctx: _Ctx, earnings: dict | None = None) -> None:
    """`earnings`: (seller, month) -> earnings of lines that are not in ctx.out (the set-based engine's
    commission lines), added to those of ctx.out's lines."""
    through = ctx.inp.period_through
    earnings = defaultdict(lambda: ZERO, earnings or {})
    for _, line in ctx.out:
        if line.kind in EARNING_KINDS:
            earnings[(line.seller, line.period)] += line.amount
    for seller in sorted(ctx.by_seller, key=_skey):
        if ctx.inp.only_sellers is not None and seller not in ctx.inp.only_sellers:
            continue
        month_plan: dict[str, Assignment] = {}
        for a in ctx.by_seller[seller]:  # sorted by start: later assignments win a shared month
            if ctx.inp.plans[a.plan].draw is None:
                continue
            last = min(month_key(a.end), through) if a.end is not None else through
            for m in months_between(month_key(a.start), last):
                prev = month_plan.get(m)
                y, mo = map(int, m.split("-"))
                end = month_end(y, mo)
                # prefer the assignment in force on the last day of the month
                if prev is None or not (prev.start <= end and (prev.end is None or end <= prev.end)) or \
                        (a.start <= end and (a.end is None or end <= a.end)):
                    month_plan[m] = a
        balance = ZERO
        for m in sorted(month_plan):
            a = month_plan[m]
            dr = ctx.inp.plans[a.plan].draw
            e, d = earnings[(seller, m)], dr.amount
            before = balance
            if e < d:
                pay = round_cents(d - e)
                if dr.recoverable:
                    balance += pay
                rec = "recoverable" if dr.recoverable else "non-recoverable"
                text = (f"Draw for {m}: earnings {fmt_money(e)} below the {rec} draw {fmt_money(d)} → "
                        f"draw of {fmt_money(pay)}; balance owed {fmt_money(before)} → {fmt_money(balance)}")
                kind, amount = "draw", pay
            else:
                r = min(balance, e - d)
                if r <= 0:
                    continue
                balance -= r
                text = (f"Draw recovery for {m}: earnings {fmt_money(e)} exceed the draw {fmt_money(d)} by "
                        f"{fmt_money(e - d)}; recovering min(balance {fmt_money(before)}, {fmt_money(e - d)}) = "
                        f"{fmt_money(r)}; balance owed {fmt_money(before)} → {fmt_money(balance)}")
                kind, amount = "draw_recovery", -r
            ctx.emit((), CAT_DRAW, Line(
                seller=seller, period=m, plan=a.plan, component="Draw", kind=kind, deal=None, credit_kind=None,
                credit=None, quota=None, quota_period=None, attainment_before=None, attainment_after=None,
                rate=None, amount=amount, explanation=text))


def _attainment_map(ctx: _Ctx, cum_at) -> dict:
    """`cum_at(group, last day)` -> the group's exact cumulative credit through that day (`cum_lookup`)."""
    out: dict = {}
    months = months_between(ctx.inp.period_from, ctx.inp.period_through)
    for seller in sorted(ctx.by_seller, key=_skey):
        if ctx.inp.only_sellers is not None and seller not in ctx.inp.only_sellers:
            continue
        for m in months:
            first = month_start(m)
            last = month_end(first.year, first.month)
            entry: dict[str, Decimal] = {}
            for a in ctx.by_seller[seller]:
                if a.start > last or (a.end is not None and a.end < first):
                    continue
                for comp in ctx.inp.plans[a.plan].commission_components:
                    if comp.quota is None:
                        continue
                    qkey = quota_period_key(first, comp.quota.period, ctx.fy)
                    quota = ctx.quota_for(seller, comp.quota.measure, qkey)
                    if quota is None or quota == 0:
                        continue
                    entry[comp.name] = to_decimal(cum_at((seller, a.plan, comp.name, qkey), last) / exact(quota))
            if entry:
                out[(seller, m)] = entry
    return out
