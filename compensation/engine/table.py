"""The set-based calculation as columns: credits, rating and commission lines without a Python object per line.

`calculate_table(inp)` gives the same lines as `calculate()` (the reference) — `LineTable.result()` turns
them into `Line`s and `frames.calculate_frames` is exactly that — but the product writes them straight
from the columns (`compensation.services.calculation`), so a run builds no `Line`, `_Credit` or `Fraction`
per credit:

* credits are rows of int64 columns (deal, recipient, assignment, component, credit kind, party, FX ratio)
  numbering into small tables; a row's credit is its party's exact amount × share times the exact FX ratio
  (a rational applied with integer arithmetic, never floats), worked out — with its whole micro-units — once
  per distinct (party, FX ratio), not per row;
* groups whose credits are whole micro-units are rated at once by `frames.rate_arrays` (one lexsort, one
  running sum, band × quota compared with the cumulative credit, one half-up rounding per line);
* what is left — groups that are not whole micro-units (FX ratios like 1 / 0.75), groups without a quota,
  flat components, SPIFs, clawbacks, adjustments, draws — goes through the reference's own routines, as
  `Line`s (a few per seller);
* the output order of DESIGN.md (seller, period, category, close date, deal, credit kind, plan, component,
  source) is one `np.lexsort` over integer ranks of both kinds of line.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from itertools import repeat
from math import gcd
from operator import itemgetter

import numpy as np

from spm.fiscal import month_key, quota_period_key

from .calculate import (
    CAT_DEAL,
    ONE,
    PREC,
    CommissionComponent,
    EngineInput,
    EngineResult,
    Line,
    SpifComponent,
    _adjustments,
    _attainment_map,
    _clawbacks,
    _Credit,
    _dec,
    _draws,
    _parties,
    _prepare,
    _rate_group,
    _skey,
    _spifs,
    ancestors,
    cum_lookup,
    earned_by_deal,
    emit_commission,
    flat_lines,
    no_quota_line,
    quota_for_group,
    sorted_deals,
)
from .explain import FACTS_VERSION, _q, component_json, render_facts
from .frames import INT64_SAFE, SCALE, _n_months, _ratio, _spec, _whole, k_factors, rate_arrays
from .payout import exact

__all__ = ["LineFacts", "LineTable", "calculate_table"]

@dataclass
class LineTable:
    """The lines of a run: quota-based commission lines rated set-based as columns (`c_*`, one entry per
    line, only those in period_from..period_through), every other line as a `Line` (`objs`), and `order`:
    the output order over both (i < n → column line i, else objs[i − n]).

    Columns: seller, period, plan key, component name, deal key, credit kind (str lists); credit (int
    micro-units), cumulative credit before/after (int micro-units), quota (int micro-units) and amount
    (int cents) as int64/object arrays; quota (Decimal), quota period, rate (Decimal) and facts (JSON
    text) as lists."""
    c_seller: list
    c_period: list
    c_plan: list
    c_component: list
    c_deal: list
    c_credit_kind: list
    c_credit: np.ndarray
    c_before: np.ndarray
    c_after: np.ndarray
    c_quota_micro: np.ndarray
    c_cents: np.ndarray
    c_quota: list
    c_quota_period: list
    c_rate: list
    c_facts: LineFacts | list
    objs: list
    order: np.ndarray
    attainment: dict = field(default_factory=dict)

    @classmethod
    def of_lines(cls, result: EngineResult) -> LineTable:
        """A table of `Line`s only (an engine result from elsewhere, e.g. a run that stores text)."""
        empty = np.zeros(0, dtype=np.int64)
        return cls(c_seller=[], c_period=[], c_plan=[], c_component=[], c_deal=[], c_credit_kind=[], c_credit=empty,
                   c_before=empty, c_after=empty, c_quota_micro=empty, c_cents=empty, c_quota=[], c_quota_period=[],
                   c_rate=[], c_facts=[], objs=list(result.lines), order=np.arange(len(result.lines), dtype=np.int64),
                   attainment=dict(result.attainment))

    @property
    def n(self) -> int:
        return len(self.c_seller)

    def __len__(self) -> int:
        return len(self.order)

    def rekeyed(self, seller_ids: dict) -> LineTable:
        """The same lines with sellers translated (external id → database id)."""
        objs = []
        for line in self.objs:
            new = object.__new__(Line)
            new.__dict__.update(line.__dict__)
            new.__dict__["seller"] = seller_ids[line.seller]
            objs.append(new)
        sid = {s: seller_ids[s] for s in set(self.c_seller)}
        return LineTable(
            **{**self.__dict__, "c_seller": [sid[s] for s in self.c_seller], "objs": objs,
               "attainment": {(seller_ids[s], m): v for (s, m), v in self.attainment.items()}})

    def column_line(self, i: int, explain: bool | str = "facts") -> Line:
        """Column line `i` as the `Line` the reference gives (attainments at the engine's 40 digits)."""
        with localcontext() as dctx:
            dctx.prec = PREC
            return self._column_line(i, explain)

    def _column_line(self, i: int, explain: bool | str) -> Line:
        q = int(self.c_quota_micro[i])
        cents = int(self.c_cents[i])
        facts = self.c_facts[i]
        text = render_facts(facts) if explain is True else ""
        return Line(seller=self.c_seller[i], period=self.c_period[i], plan=self.c_plan[i],
                    component=self.c_component[i], kind="commission", deal=self.c_deal[i],
                    credit_kind=self.c_credit_kind[i], credit=Decimal(int(self.c_credit[i])).scaleb(-6),
                    quota=self.c_quota[i], quota_period=self.c_quota_period[i],
                    attainment_before=_ratio(int(self.c_before[i]), q), attainment_after=_ratio(int(self.c_after[i]), q),
                    rate=self.c_rate[i], amount=Decimal(cents).scaleb(-2) if cents else Decimal("0.00"),
                    explanation=text, facts=facts if explain == "facts" else None)

    def lines(self, explain: bool | str = "facts") -> tuple[Line, ...]:
        n = self.n
        with localcontext() as dctx:
            dctx.prec = PREC
            return tuple(self._column_line(i, explain) if i < n else self.objs[i - n] for i in self.order.tolist())

    def result(self, explain: bool | str = "facts") -> EngineResult:
        return EngineResult(lines=self.lines(explain), attainment=self.attainment)


def calculate_table(inp: EngineInput) -> LineTable:
    """Every line over the whole input history (as `calculate()`); those in period_from..period_through kept."""
    with localcontext() as dctx:
        dctx.prec = PREC
        return _Run(inp).run()


class _Run:
    """One calculation: credit rows (`credits`), then rating, the other lines and the output order (`run`)."""

    def __init__(self, inp: EngineInput):
        self.inp = inp
        self.ctx = _prepare(inp)

    # ---- 1-2. credits as rows -------------------------------------------------------------------
    def credits(self, deals: list) -> None:
        """Credit rows as columns, built over every deal at once: parties (owner or splits) → recipients (the
        party and the managers above it, as `only_sellers` allows) → the assignment in force on the close date →
        the plan's matching commission components; the rows keep the order of the per-deal walk (deal, party,
        recipient, component), and group numbers are given in order of first appearance."""
        ctx, inp = self.ctx, self.inp
        only = inp.only_sellers
        plans, fy = inp.plans, ctx.fy
        self.flat: list[_Credit] = []
        amounts = [_dec(deal.amount) for deal in deals]
        # 1. parties, one entry per (deal, party) in deal order
        p_deal: list = []
        p_seller: list = []
        p_frac: list = []
        p_kind: list = []
        for di, deal in enumerate(deals):
            for seller, frac, kind in ((deal.owner, ONE, "direct"),) if not deal.splits else _parties(deal):
                p_deal.append(di)
                p_seller.append(seller)
                p_frac.append(frac)
                p_kind.append(kind)
        # 2. recipients: each distinct (party, kind)'s chain once, expanded to every party by array ops
        sid: dict = {}  # seller -> integer id
        chain_of: dict = {}  # (seller, kind) -> chain number
        ch_who: list = []
        ch_roll: list = []
        ch_off: list = []
        ch_len: list = []
        pk = np.empty(len(p_deal), dtype=np.int64)
        for j, key in enumerate(zip(p_seller, p_kind, strict=True)):
            u = chain_of.get(key)
            if u is None:
                u = chain_of[key] = len(ch_off)
                seller = key[0]
                chain = [(w, r) for w, r in [(seller, 0)] + [(m, 1) for m in ancestors(inp.managers, seller)]
                         if only is None or w in only]
                ch_off.append(len(ch_who))
                ch_len.append(len(chain))
                ch_who.extend(sid.setdefault(w, len(sid)) for w, _ in chain)
                ch_roll.extend(r for _, r in chain)
            pk[j] = u
        names = list(sid)
        e_party, pos = _expand(np.asarray(ch_len, dtype=np.int64)[pk] if len(pk) else np.zeros(0, dtype=np.int64))
        cidx = np.asarray(ch_off, dtype=np.int64)[pk[e_party]] + pos if len(e_party) else pos
        e_who = np.asarray(ch_who, dtype=np.int64)[cidx] if len(e_party) else pos
        e_roll = np.asarray(ch_roll, dtype=np.int64)[cidx] if len(e_party) else pos
        p_deal_a = np.asarray(p_deal, dtype=np.int64)
        e_deal = p_deal_a[e_party]
        dord = np.fromiter((deal.close_date.toordinal() for deal in deals), dtype=np.int64, count=len(deals))
        e_d = dord[e_deal]
        # 3. the assignment in force on the close date (as `assignment_on`: the latest-starting one covering it)
        asgs: list = []
        asg_plan: list = []
        plan_id = {p: i for i, p in enumerate(plans)}
        e_asg = np.full(len(e_who), -1, dtype=np.int64)
        by_who = np.argsort(e_who, kind="stable")
        sorted_who = e_who[by_who]
        bounds = np.flatnonzero(sorted_who[1:] != sorted_who[:-1]) + 1
        for s, e in zip([0, *bounds.tolist()], [*bounds.tolist(), len(by_who)], strict=True):
            if s == e:
                continue
            mine = ctx.by_seller.get(names[int(sorted_who[s])], ())
            if not mine:
                continue
            rows = by_who[s:e]
            dd = e_d[rows]
            found = np.full(len(rows), -1, dtype=np.int64)
            for a in mine:
                covers = dd >= a.start.toordinal()
                if a.end is not None:
                    covers &= dd <= a.end.toordinal()
                found[covers] = len(asgs)
                asgs.append(a)
                asg_plan.append(plan_id[a.plan])
            e_asg[rows] = found
        # 4. the matching commission components of each distinct (plan, deal type, roll-up)
        has = np.flatnonzero(e_asg >= 0)
        type_id: dict = {}
        dtype_a = np.fromiter((type_id.setdefault(deal.deal_type, len(type_id)) for deal in deals), dtype=np.int64,
                              count=len(deals))
        types = list(type_id)
        plan_keys = list(plans)
        combo = (np.asarray(asg_plan, dtype=np.int64)[e_asg[has]] * max(len(types), 1) + dtype_a[e_deal[has]]) * 2 \
            + e_roll[has] if len(has) else has
        ucombo, combo_inv = np.unique(combo, return_inverse=True)
        cc_ci: list = []
        cc_off: list = []
        cc_len: list = []
        for code in ucombo.tolist():
            p, rest = divmod(code, max(len(types), 1) * 2)
            t, roll = divmod(rest, 2)
            comps = [ci for ci, c in enumerate(plans[plan_keys[p]].components)
                     if isinstance(c, CommissionComponent) and c.measure.matches(types[t]) and (not roll or c.rollup)]
            cc_off.append(len(cc_ci))
            cc_len.append(len(comps))
            cc_ci.extend(comps)
        combo_inv = combo_inv.reshape(-1)
        f_e, pos = _expand(np.asarray(cc_len, dtype=np.int64)[combo_inv] if len(has) else has)
        f_ci = (np.asarray(cc_ci, dtype=np.int64)[np.asarray(cc_off, dtype=np.int64)[combo_inv[f_e]] + pos]
                if len(f_e) else f_e)
        f_e = has[f_e]
        # 5. per row: plan, component, quota period and group by array ops; the credit is the same Decimal product
        # the reference converts (at the 40-digit context) as an exact ratio per party, times the exact FX ratio
        plan_of_asg = np.asarray(asg_plan, dtype=np.int64)
        f_party = e_party[f_e]
        f_plan = plan_of_asg[e_asg[f_e]] if len(f_e) else f_e
        f_deal = p_deal_a[f_party]
        width = max((len(plans[k].components) for k in plan_keys), default=0)
        period_of: dict = {}  # quota period kind -> number (0: flat, no quota)
        name_of: dict = {}  # (plan, component name) -> number
        comp_period = np.zeros((len(plan_keys), max(width, 1)), dtype=np.int64)
        comp_name = np.zeros((len(plan_keys), max(width, 1)), dtype=np.int64)
        for p, key in enumerate(plan_keys):
            for ci, comp in enumerate(plans[key].components):
                if isinstance(comp, CommissionComponent) and comp.quota is not None:
                    comp_period[p, ci] = period_of.setdefault(comp.quota.period, len(period_of) + 1)
                comp_name[p, ci] = name_of.setdefault((key, comp.name), len(name_of))
        f_period = comp_period[f_plan, f_ci]
        # the credit of a row is its party's exact amount × share (the Decimal product the reference converts, at the
        # 40-digit context), times the exact FX ratio on cross-currency rows: rows keep a party number and an FX
        # number, and the exact ratio and its whole micro-units are worked out once per distinct (party, FX ratio)
        ccy_id: dict = {}
        deal_ccy = np.fromiter((ccy_id.setdefault(deal.currency.upper(), len(ccy_id)) for deal in deals), dtype=np.int64,
                               count=len(deals))
        plan_ccy = np.fromiter((ccy_id.setdefault(plans[k].currency, len(ccy_id)) for k in plan_keys), dtype=np.int64,
                               count=len(plan_keys))
        ccy_names = list(ccy_id)
        f_fx = np.full(len(f_e), -1, dtype=np.int64)
        fxs: list = []  # FX number -> the exact rate ratio of a (deal currency, plan currency, close date)
        cross = np.flatnonzero(deal_ccy[f_deal] != plan_ccy[f_plan]) if len(f_e) else f_e
        if len(cross):
            nc = len(ccy_names)
            code = (deal_ccy[f_deal[cross]] * nc + plan_ccy[f_plan[cross]]) * _DAYS + dord[f_deal[cross]]
            ucode, first, inv = np.unique(code, return_index=True, return_inverse=True)
            by_first = np.argsort(first, kind="stable")  # in row order: a missing rate is reported as the reference does
            number = np.empty(len(ucode), dtype=np.int64)
            number[by_first] = np.arange(len(ucode), dtype=np.int64)
            for c in ucode[by_first].tolist():
                pair, o = divmod(c, _DAYS)
                dc, pc = divmod(pair, nc)
                d = date.fromordinal(o)
                fxs.append(exact(ctx.rate_to_base(ccy_names[dc], d)) / exact(ctx.rate_to_base(ccy_names[pc], d)))
            f_fx[cross] = number[inv.reshape(-1)]
        pair_code = f_party * (len(fxs) + 1) + (f_fx + 1)
        upair, pair_inv = np.unique(pair_code, return_inverse=True)
        pair_inv = pair_inv.reshape(-1)
        ratio: dict = {}  # party -> (numerator, denominator) of amount × share
        u_ratio: list = []  # (numerator, denominator) of each distinct (party, FX ratio)
        u_micro: list = []  # its whole micro-units, or 0 (see u_whole)
        u_whole = np.zeros(len(upair), dtype=bool)
        for k, code in enumerate(upair.tolist()):
            p, x = divmod(code, len(fxs) + 1)
            r = ratio.get(p)
            if r is None:
                r = ratio[p] = (amounts[p_deal[p]] * p_frac[p]).as_integer_ratio()
            num, den = (r[0] * fxs[x - 1].numerator, r[1] * fxs[x - 1].denominator) if x else r
            u_ratio.append((num, den))
            mu, rem = divmod(num * SCALE, den)
            u_whole[k] = rem == 0
            u_micro.append(mu if rem == 0 else 0)
        kind_code = np.fromiter((k == "split" for k in p_kind), dtype=np.int64, count=len(p_kind))
        f_kind = np.where(e_roll[f_e] == 1, 2, kind_code[f_party]) if len(f_e) else f_e
        f_who = e_who[f_e]
        f_asg = e_asg[f_e]
        self.names, self.asgs, self.fxs, self.u_ratio = names, asgs, fxs, u_ratio
        self.p_seller, self.p_frac, self.deals = p_seller, p_frac, deals
        # flat components (no quota): the reference's credit objects, in row order
        for j in np.flatnonzero(f_period == 0).tolist():
            self.flat.append(self._credit(int(f_who[j]), int(f_asg[j]), int(f_ci[j]), int(f_deal[j]), int(f_kind[j]),
                                          int(f_party[j]), int(pair_inv[j]), int(f_fx[j])))
        q = np.flatnonzero(f_period != 0)
        # quota period of each distinct (close date, period kind); groups numbered in order of first appearance
        qcode = e_d[f_e[q]] * (len(period_of) + 1) + f_period[q]
        uq, q_inv = np.unique(qcode, return_inverse=True)
        kind_name = [None, *period_of]
        qkeys = [quota_period_key(date.fromordinal(c // (len(period_of) + 1)), kind_name[c % (len(period_of) + 1)], fy)
                 for c in uq.tolist()]
        # equal quota periods from different close dates are one group: number the period keys themselves
        qk_id: dict = {}
        q_of = np.fromiter((qk_id.setdefault(k, len(qk_id)) for k in qkeys), dtype=np.int64, count=len(qkeys))
        qkeys = list(qk_id)
        q_inv = q_of[q_inv.reshape(-1)]
        _, wn = np.unique(e_who[f_e[q]] * max(len(name_of), 1) + comp_name[f_plan[q], f_ci[q]], return_inverse=True)
        gcode = wn.reshape(-1) * max(len(qkeys), 1) + q_inv  # (recipient, component, quota period)
        ug, g_first, g_inv = np.unique(gcode, return_index=True, return_inverse=True)
        by_first = np.argsort(g_first, kind="stable")
        rank = np.empty(len(ug), dtype=np.int64)
        rank[by_first] = np.arange(len(ug), dtype=np.int64)
        self.r_gid = rank[g_inv.reshape(-1)]
        self.gkeys = []
        for k in g_first[by_first].tolist():
            j = int(q[k])
            a = asgs[int(f_asg[j])]
            self.gkeys.append((names[int(f_who[j])], a.plan, plans[a.plan].components[int(f_ci[j])].name,
                               qkeys[int(q_inv[k])]))
        # the rows (quota-based components) as integer columns
        self.r_deal, self.r_who, self.r_asg, self.r_ci = f_deal[q], f_who[q], f_asg[q], f_ci[q]
        self.r_kind, self.r_party, self.r_pair, self.r_fx = f_kind[q], f_party[q], pair_inv[q], f_fx[q]
        self.u_whole = u_whole
        micro_fits = all(-INT64_SAFE < v < INT64_SAFE for v in u_micro)
        self.u_micro = np.asarray(u_micro, dtype=np.int64) if micro_fits else _objects(u_micro)
        self.dord = dord
        # 6. SPIFs (direct and split credits only), as the reference, in deal order; only for the deals with a party
        # who may earn one (in `only_sellers`, ever assigned to a plan with a SPIF component): a partition holding
        # the top of the hierarchy reads every deal below it, and its parties mostly are no one's SPIF
        spif_plans = {key for key, plan in plans.items() if any(isinstance(c, SpifComponent) for c in plan.components)}
        earners = {a.seller for a in inp.assignments if a.plan in spif_plans and (only is None or a.seller in only)}
        if earners:
            may = np.fromiter((s in earners for s in p_seller), dtype=bool, count=len(p_seller))
            for di in np.unique(p_deal_a[may]).tolist():
                if amounts[di] > 0:
                    _spifs(ctx, deals[di], amounts[di], deals[di].currency.upper())

    def _credit(self, who: int, asg: int, ci: int, deal: int, kind: int, party: int, pair: int, fx: int) -> _Credit:
        """The reference's credit object of one row."""
        a = self.asgs[asg]
        num, den = self.u_ratio[pair]
        return _Credit(self.names[who], a.plan, self.inp.plans[a.plan].components[ci], ci, self.deals[deal],
                       _KINDS[kind], self.p_seller[party], self.p_frac[party], Fraction(num, den),
                       self.fxs[fx] if fx >= 0 else None, a)

    def credit_obj(self, i: int) -> _Credit:
        return self._credit(int(self.r_who[i]), int(self.r_asg[i]), int(self.r_ci[i]), int(self.r_deal[i]),
                            int(self.r_kind[i]), int(self.r_party[i]), int(self.r_pair[i]), int(self.r_fx[i]))

    # ---- the run ---------------------------------------------------------------------------------
    def run(self) -> LineTable:
        inp, ctx = self.inp, self.ctx
        deals = self.deals = sorted_deals(inp)
        self.credits(deals)
        n = len(self.r_deal)
        plans = inp.plans
        gkeys, r_gid = self.gkeys, self.r_gid
        names = self.names
        # each group's rows in row order: one stable sort
        by_group = np.argsort(r_gid, kind="stable")
        g_bounds = np.searchsorted(r_gid[by_group], np.arange(len(gkeys) + 1, dtype=np.int64)).tolist()
        r_whole = self.u_whole[self.r_pair] if n else np.zeros(0, dtype=bool)
        not_whole = np.bincount(r_gid[~r_whole], minlength=len(gkeys)) if n else np.zeros(len(gkeys), dtype=np.int64)
        ci_first = self.r_ci[by_group[g_bounds[:-1]]].tolist() if n else []

        # ---- per group: quota, exact band edges, whole micro-units → set-based; else the reference ----
        commission_objs: list = []  # (credit, Line) pairs of the groups rated by the reference
        cum_index: dict = {}
        specs: dict = {}
        vec_quota_micro = np.zeros(len(gkeys), dtype=np.int64)
        vec_quota: list = [None] * len(gkeys)
        vector = np.zeros(len(gkeys), dtype=bool)
        for g, gkey in enumerate(gkeys):
            comp = plans[gkey[1]].components[ci_first[g]]
            quota = quota_for_group(ctx, gkey, comp)
            if quota is None or quota == 0:
                commission_objs.extend((cr, no_quota_line(cr, comp, gkey[3]))
                                       for cr in map(self.credit_obj, by_group[g_bounds[g]:g_bounds[g + 1]].tolist()))
                continue
            spec = specs.get(id(comp))
            if spec is None:
                spec = specs[id(comp)] = _spec(comp)
            q = _whole(exact(quota) * SCALE)
            ok = q is not None and q < INT64_SAFE and all(
                (q * b.numerator) % b.denominator == 0 for b in (*spec.los, *(h for h in spec.his if h is not None)))
            if ok and not not_whole[g]:
                vector[g] = True
                vec_quota_micro[g] = q
                vec_quota[g] = quota
            else:  # not whole micro-units: the exact per-credit reference
                rows = by_group[g_bounds[g]:g_bounds[g + 1]].tolist()
                commission_objs.extend(_rate_group(ctx, gkey, [self.credit_obj(i) for i in rows], cum_index))

        # flat components (quota null): the reference's routine
        commission_objs.extend(flat_lines(self.flat))
        emit_commission(ctx, commission_objs)

        # ---- set-based rating of every whole-micro-unit group: one sort, one running sum ----
        vrows = np.flatnonzero(vector[r_gid]) if n else np.zeros(0, dtype=np.int64)
        # ranks of every seller a line can name (recipients, sources, assignees, adjustments, SPIF parties and
        # the sources of flat credits, which may appear nowhere else: a split party with no assignment whose
        # manager earns a flat roll-up)
        p_seller = self.p_seller
        seller_names = sorted({*(names[w] for w in np.unique(self.r_who).tolist()),
                               *(p_seller[p] for p in np.unique(self.r_party).tolist()), *ctx.by_seller,
                               *(a.seller for a in inp.adjustments), *(x[1].seller for x in ctx.out),
                               *(c.source for c in self.flat)}, key=_skey)
        seller_rank = {s: i for i, s in enumerate(seller_names)}
        who_rank = np.fromiter((seller_rank.get(s, -1) for s in names), dtype=np.int64, count=len(names))
        party_rank = np.fromiter((seller_rank.get(s, -1) for s in p_seller), dtype=np.int64, count=len(p_seller))
        deal_a = self.r_deal[vrows]
        gid_v = r_gid[vrows]
        kind_v = self.r_kind[vrows]
        src_v = party_rank[self.r_party[vrows]] if len(vrows) else vrows
        # deals are indexed in (close date, key) order, so the deal index orders by close date, then deal id
        perm = np.lexsort((src_v, kind_v, deal_a, gid_v))
        vrows, deal_a, gid_v, kind_v, src_v = vrows[perm], deal_a[perm], gid_v[perm], kind_v[perm], src_v[perm]
        m = len(vrows)
        who_v, asg_v, ci_v, party_v = self.r_who[vrows], self.r_asg[vrows], self.r_ci[vrows], self.r_party[vrows]
        fx_v = self.r_fx[vrows]
        micro_v = self.u_micro[self.r_pair[vrows]]
        credit_v = micro_v if micro_v.dtype == np.int64 and _abs_sum_below(micro_v, INT64_SAFE) else micro_v.astype(object)
        if credit_v.dtype == object and m and sum(map(abs, credit_v.tolist())) < INT64_SAFE:
            credit_v = credit_v.astype(np.int64)
        quota_v = vec_quota_micro[gid_v]
        start_v = np.ones(m, dtype=bool)
        start_v[1:] = gid_v[1:] != gid_v[:-1]
        # cumulative credits are int64 when the credits are (their absolute sum is below INT64_SAFE): no Python int
        # per line; the cents too when they fit (below)
        res = {"before": np.empty(m, dtype=credit_v.dtype), "after": np.empty(m, dtype=credit_v.dtype),
               "cents": np.empty(m, dtype=object), "band": np.empty(m, dtype=np.int64),
               "capped": np.zeros(m, dtype=bool), "uncapped": np.empty(m, dtype=object),
               "uncapped_den": np.empty(m, dtype=object)}
        # each row's component: (plan, component index) numbered, then grouped by component object as before
        asgs = self.asgs
        plan_keys = list(plans)
        plan_no = {k: i for i, k in enumerate(plan_keys)}
        width = max((len(plans[k].components) for k in plan_keys), default=1) or 1
        asg_plan = np.fromiter((plan_no[a.plan] for a in asgs), dtype=np.int64, count=len(asgs))
        cc_v = asg_plan[asg_v] * width + ci_v if m else vrows
        ucc, cc_inv = np.unique(cc_v, return_inverse=True)
        cc_inv = cc_inv.reshape(-1)
        ucomp = [plans[plan_keys[c // width]].components[c % width] for c in ucc.tolist()]
        comp_no: dict = {}  # component object -> number (as `id(comp)` grouped them)
        ucomp_no = np.fromiter((comp_no.setdefault(id(c), len(comp_no)) for c in ucomp), dtype=np.int64,
                               count=len(ucomp))
        comp_of_v = ucomp_no[cc_inv] if m else vrows
        comps = {id(c): c for c in ucomp}
        for key, number in comp_no.items():
            rows_a = np.flatnonzero(comp_of_v == number)
            comp = comps[key]
            # K per distinct (assignment, group): the target incentive, quota period and quota it depends on
            ukey, first, inv = np.unique(asg_v[rows_a] * max(len(gkeys), 1) + gid_v[rows_a], return_index=True,
                                         return_inverse=True)
            reps = rows_a[first].tolist()
            k_num, k_den = k_factors(reps, comp, lambda j: asgs[int(asg_v[j])].target_incentive,
                                     lambda j: gkeys[int(gid_v[j])][3], lambda j: int(quota_v[j]), ctx.fy)
            inv = inv.reshape(-1)
            starts = start_v[rows_a].copy()
            starts[0] = True  # a component's rows are whole groups in order
            r = rate_arrays(specs[key], credit=credit_v[rows_a], group_start=starts, quota=quota_v[rows_a],
                            k_num=k_num[inv], k_den=k_den[inv],
                            cap=exact(comp.cap.amount) if comp.cap is not None else None)
            for name, values in r.items():
                res[name][rows_a] = values
        after_v = res["after"]
        if m and max(map(abs, res["cents"].tolist())) < INT64_SAFE:
            res["cents"] = res["cents"].astype(np.int64)

        # ---- what clawbacks, draws and the attainment map read from the commission lines ----
        earned = earned_by_deal(ctx, commission_objs)
        churned = {ev.deal for ev in inp.events}
        cents_v = res["cents"]
        if churned and m:
            churn_deal = np.fromiter((d.key in churned for d in deals), dtype=bool, count=len(deals))
            for j in np.flatnonzero(churn_deal[deal_a]).tolist():
                a = asgs[int(asg_v[j])]
                comp = ucomp[cc_inv[j]]
                earned[deals[int(deal_a[j])].key][(names[int(who_v[j])], a.plan, int(ci_v[j]), comp.name)] += \
                    Decimal(int(cents_v[j])).scaleb(-2)
        # each deal's month, numbered: worked out once per distinct close date
        days, day_inv = np.unique(self.dord, return_inverse=True)
        day_month = [month_key(date.fromordinal(o)) for o in days.tolist()]
        month_names = sorted(set(day_month))
        month_no = {mk: i for i, mk in enumerate(month_names)}
        deal_month = np.asarray([month_no[mk] for mk in day_month], dtype=np.int64)[day_inv.reshape(-1)] \
            if len(deals) else np.zeros(0, dtype=np.int64)
        earnings: dict = {}  # (seller, month) -> cents, of the (seller, month)s with a line that is not zero
        nz = np.flatnonzero(cents_v != 0) if m else vrows
        if len(nz):
            ekey = who_v[nz] * max(len(month_names), 1) + deal_month[deal_a[nz]]
            ukey, inv = np.unique(ekey, return_inverse=True)
            inv = inv.reshape(-1)
            c_nz = cents_v[nz]
            if c_nz.dtype == np.int64 and _abs_sum_below(c_nz, 2**63):
                sums = np.zeros(len(ukey), dtype=np.int64)
                np.add.at(sums, inv, c_nz)
                sums = sums.tolist()
            else:
                sums = [0] * len(ukey)
                for k, c in zip(inv.tolist(), c_nz.tolist(), strict=True):
                    sums[k] += c
            for code, c in zip(ukey.tolist(), sums, strict=True):
                w, mo = divmod(code, max(len(month_names), 1))
                earnings[(names[w], month_names[mo])] = c
        _clawbacks(ctx, [d for d in deals if d.key in churned] if churned else [], earned)  # it looks up only those
        _adjustments(ctx)
        _draws(ctx, {k: Decimal(v).scaleb(-2) for k, v in earnings.items()})

        grange: dict = {}  # group -> (first row, end row) in the sorted arrays
        if m:
            bounds = np.flatnonzero(start_v).tolist() + [m]
            for s, e in zip(bounds[:-1], bounds[1:], strict=True):
                grange[gkeys[int(gid_v[s])]] = (s, e)
        ord_v = self.dord[deal_a]
        ref_cum = cum_lookup(cum_index)

        def cum_at(gkey, last: date) -> Fraction:
            span = grange.get(gkey)
            if span is None:
                return ref_cum(gkey, last)
            s, e = span
            k = int(np.searchsorted(ord_v[s:e], last.toordinal(), side="right"))
            return Fraction(int(after_v[s + k - 1]), SCALE) if k else Fraction(0)

        attainment = _attainment_map(ctx, cum_at)

        # ---- the column lines in period_from..period_through: per-line lists by indexing small tables ----
        lo, hi = inp.period_from, inp.period_through
        in_range = np.fromiter((lo <= mk <= hi for mk in month_names), dtype=bool, count=len(month_names))
        keep_a = np.flatnonzero(in_range[deal_month[deal_a]]) if m else vrows
        deal_k = deal_a[keep_a]
        who_k, asg_k, party_k, gid_k, fx_k_v = who_v[keep_a], asg_v[keep_a], party_v[keep_a], gid_v[keep_a], fx_v[keep_a]
        c_seller = _objects(names)[who_k].tolist()
        month_k = deal_month[deal_k]
        c_period = _objects(month_names)[month_k].tolist()
        c_plan = _objects([a.plan for a in asgs])[asg_k].tolist()
        comp_k = cc_inv[keep_a]
        c_comp = _objects(ucomp)[comp_k].tolist()
        c_quota = _objects(vec_quota)[gid_k].tolist()
        c_quota_period = _objects([g[3] for g in gkeys])[gid_k].tolist()
        band_k = res["band"][keep_a]
        n_band = max((len(s.rates) for s in specs.values()), default=1)
        rate_of = _objects([specs[id(c)].rates[b] if b < len(specs[id(c)].rates) else None
                            for c in ucomp for b in range(n_band)])
        c_rate = rate_of[comp_k * n_band + band_k].tolist()
        before_k, after_k = res["before"][keep_a], res["after"][keep_a]
        quota_k = quota_v[keep_a]
        credit_k, cents_k = credit_v[keep_a], cents_v[keep_a]
        deal_keys = _objects([d.key for d in deals])
        c_deal = deal_keys[deal_k].tolist()
        kind_k = kind_v[keep_a]
        c_kind = _objects(_KINDS)[kind_k].tolist()
        # cross-currency lines: the deal's currency and amount and the exact rate, for their facts
        fx_k = {k: (deals[d].currency, deals[d].amount, self.fxs[x])
                for k, d, x in zip(np.flatnonzero(fx_k_v >= 0).tolist(), deal_k[fx_k_v >= 0].tolist(),
                                   fx_k_v[fx_k_v >= 0].tolist(), strict=True)}
        # each line's (assignment, group): the target incentive, quota and quota period of its facts
        ga, ga_code = np.unique(asg_k * max(len(gkeys), 1) + gid_k, return_inverse=True)
        ga_asg, ga_gid = np.divmod(ga, max(len(gkeys), 1))
        facts = LineFacts(deal_code=deal_k, deal_key=[d.key for d in deals], deal_type=[d.deal_type for d in deals],
                          fx=fx_k, kind_code=kind_k, party_code=party_k, party_frac=self.p_frac, party_src=p_seller,
                          ga_code=ga_code.reshape(-1), ga_ti=[asgs[a].target_incentive for a in ga_asg.tolist()],
                          ga_quota=[vec_quota[g] for g in ga_gid.tolist()], ga_qp=[gkeys[g][3] for g in ga_gid.tolist()],
                          ga_quota_micro=vec_quota_micro[ga_gid].tolist(),
                          comp_code=comp_k, comps=ucomp, comp_plan=[plan_keys[c // width] for c in ucc.tolist()],
                          credit=credit_k, before=before_k, after=after_k,
                          quota_micro=quota_k, cents=cents_k, capped=res["capped"][keep_a],
                          uncapped=res["uncapped"][keep_a], uncapped_den=res["uncapped_den"][keep_a], fy=ctx.fy)
        objs = [line for _, line in ctx.out if lo <= line.period <= hi]
        obj_keys = [k for k, line in ctx.out if lo <= line.period <= hi]

        # ---- output order: one lexsort over integer ranks of both kinds of line ----
        plan_rank = {p: i for i, p in enumerate(sorted(plans))}
        # deal ranks of the other commission lines (flat components, groups the reference rated): their index
        # among the deals, as the column lines' — looked up for those deals only
        wanted_deals = {key[4] for key in obj_keys if key[2] == CAT_DEAL}
        deal_rank = {d.key: i for i, d in enumerate(deals) if d.key in wanted_deals} if wanted_deals else {}
        periods = sorted({*(month_names[k] for k in np.unique(month_k).tolist()), *(line.period for line in objs)})
        period_rank = {p: i for i, p in enumerate(periods)}
        nk = len(keep_a)
        cols = np.zeros((9, nk + len(objs)), dtype=np.int64)
        cols[0, :nk] = who_rank[who_k]
        cols[1, :nk] = np.fromiter((period_rank.get(p, -1) for p in month_names), dtype=np.int64,
                                   count=len(month_names))[month_k] if nk else 0
        cols[2, :nk] = CAT_DEAL
        cols[3, :nk] = ord_v[keep_a]
        cols[4, :nk] = deal_k
        cols[5, :nk] = kind_k
        cols[6, :nk] = np.fromiter((plan_rank[a.plan] for a in asgs), dtype=np.int64, count=len(asgs))[asg_k] \
            if nk else 0
        cols[7, :nk] = ci_v[keep_a]
        cols[8, :nk] = src_v[keep_a]
        skey_rank = {_skey(s): r for s, r in seller_rank.items()}
        # other lines: tails ranked per (category, position); commission lines encoded as the columns are
        other: dict = defaultdict(list)
        for j, (key, line) in enumerate(zip(obj_keys, objs, strict=True)):
            cols[0, nk + j] = seller_rank[line.seller]
            cols[1, nk + j] = period_rank[line.period]
            cat = key[2]
            cols[2, nk + j] = cat
            tail = key[3:]
            if cat == CAT_DEAL:
                d, dk, ko, pk, ci, sk = tail
                cols[3:, nk + j] = (d.toordinal(), deal_rank[dk], ko, plan_rank[pk], ci, skey_rank[sk])
            else:
                other[cat].append((j, tail))
        for items in other.values():
            for pos in range(max((len(t) for _, t in items), default=0)):
                values = sorted({t[pos] for _, t in items})
                rank = {v: r for r, v in enumerate(values)}
                for j, t in items:
                    cols[3 + pos, nk + j] = rank[t[pos]]
        order = np.lexsort(cols[::-1])
        return LineTable(
            c_seller=c_seller, c_period=c_period, c_plan=c_plan, c_component=[c.name for c in c_comp],
            c_deal=c_deal, c_credit_kind=c_kind, c_credit=credit_k, c_before=before_k, c_after=after_k,
            c_quota_micro=quota_k, c_cents=cents_k, c_quota=c_quota, c_quota_period=c_quota_period, c_rate=c_rate,
            c_facts=facts, objs=objs, order=order, attainment=attainment)

class LineFacts:
    """The column lines' structured facts (`LineTable.c_facts`): the same JSON text as
    `explain.commission_facts`, made when read — `facts[i]` for one line, `take(indexes)` for many at once
    (the writer reads them in slices of its output order) — instead of all at once: a year's texts are ~700
    bytes a line, the largest thing a run would hold. Holds only what the text is made of (per-line codes into
    small tables of deals, parties, (assignment, group)s and components, the rating's integer columns), not the
    run's deals or credit rows; the text of each table entry is made once, when a line first needs it."""

    __slots__ = ("deal_code", "deal_key", "deal_type", "fx", "kind_code", "party_code", "party_frac", "party_src",
                 "ga_code", "ga_ti", "ga_quota", "ga_qp", "ga_quota_micro", "comp_code", "comps", "comp_plan",
                 "credit", "before", "after", "quota_micro", "cents", "capped", "uncapped", "uncapped_den", "fy",
                 "_made")

    CENTS = 10  # the amount's text in `pieces`: the writer's amount column is the same text

    def __init__(self, **columns):
        for name in self.__slots__[:-1]:
            setattr(self, name, columns[name])
        self._made: dict = {}

    def __len__(self) -> int:
        return len(self.deal_code)

    def __getitem__(self, i: int) -> str:
        return self.take([i])[0]

    def __iter__(self):
        for start in range(0, len(self), 50_000):
            yield from self.take(range(start, min(start + 50_000, len(self))))

    def take(self, indexes) -> list[str]:
        """The facts texts of column lines `indexes`, in that order: each text is the join of its `pieces`."""
        return list(map("".join, zip(*self.pieces(indexes), strict=True)))

    def pieces(self, indexes, escape=None) -> list:
        """The facts texts of column lines `indexes` as sequences of pieces, one sequence per part of the text (a
        line's text is the join of its entry in each), made column-wise: the parts that name deals, sellers,
        groups and components once per distinct value of the slice, the numbers by C-level maps — no f-string per
        line. `escape` (e.g. COPY's) is applied to the parts made from names; the numbers need none."""
        esc = escape or _same
        idx = np.asarray(indexes, dtype=np.int64)
        il = idx.tolist()
        size = len(il)
        fy, key, dtype, q_of = self.fy, self.deal_key, self.deal_type, self.ga_quota_micro
        frac, src, ti, quota, qp, comps = (self.party_frac, self.party_src, self.ga_ti, self.ga_quota, self.ga_qp,
                                           self.comps)
        dp = self._pieces("deal", len(key), esc, self.deal_code[idx], lambda c: (
            f'{{"v":{FACTS_VERSION},"deal":{_q(key[c])},"deal_type":{_q(dtype[c])},"credit_kind":"'))
        sp = self._pieces("party", len(frac), esc, self.party_code[idx], lambda c: (
            f'"split":"{frac[c]}","source":{_q(str(src[c]))},'))
        gp = self._pieces("group", len(ti), esc, self.ga_code[idx], lambda c: (
            f'"target_incentive":"{ti[c]}","quota":"{quota[c]}","quota_period":{_q(qp[c])},'
            f'"months":{_n_months(qp[c], fy)},"attainment_before":"'))
        cj = self._pieces("component", len(comps), esc, self.comp_code[idx],
                          lambda c: f'","component":{component_json(comps[c])}}}')
        credit = self.credit[idx]
        if credit.dtype == np.int64:
            g = np.gcd(credit, SCALE)
            num, den = (credit // g).tolist(), (SCALE // g).tolist()
        else:
            cl = credit.tolist()
            gs = [gcd(c, SCALE) for c in cl]
            num, den = [c // g for c, g in zip(cl, gs, strict=True)], [SCALE // g for g in gs]
        den_piece = {v: f'/{v}",' for v in set(den)}  # SCALE's divisors: a few dozen at most
        # the quota's micro-units are the group's: '/q","attainment_after":"' and '/q","amount":"' once per group
        qa = self._pieces("quota after", len(ti), _same, self.ga_code[idx], lambda c: f'/{q_of[c]}","attainment_after":"')
        qm = self._pieces("quota amount", len(ti), _same, self.ga_code[idx], lambda c: f'/{q_of[c]}","amount":"')
        fxs = [""] * size
        if self.fx:
            fx_of = self.fx
            for j in np.flatnonzero(np.isin(idx, np.fromiter(fx_of, dtype=np.int64, count=len(fx_of)))).tolist():
                currency, amount, r = fx_of[il[j]]
                fxs[j] = esc(f',"fx":{{"currency":{_q(currency)},"deal_amount":"{amount}",'
                             f'"rate":"{r.numerator}/{r.denominator}"}}')
        return [dp, _KIND_PIECE[self.kind_code[idx]].tolist(), list(map(str, num)), list(map(den_piece.__getitem__, den)),
                sp, gp, list(map(str, self.before[idx].tolist())), qa, list(map(str, self.after[idx].tolist())), qm,
                cents_texts(self.cents[idx].tolist()), _CAPPED_TEXT[self.capped[idx].astype(np.int64)].tolist(), fxs,
                repeat(',"uncapped":"', size), list(map(str, self.uncapped[idx].tolist())), repeat("/", size),
                list(map(str, self.uncapped_den[idx].tolist())), cj]

    def per_code(self, table: str, indexes, make, cache: dict) -> list[str]:
        """Text of column lines `indexes` that depends only on their deal, (assignment, group) or component
        (`table`: "deal", "group", "component"): `make(code)` once per table entry, kept in the caller's `cache`
        for its next slices. The writer's columns of those lines are made so."""
        codes = {"deal": self.deal_code, "group": self.ga_code, "component": self.comp_code}[table]
        size = {"deal": len(self.deal_key), "group": len(self.ga_ti), "component": len(self.comps)}[table]
        return _coded(cache, table, size, codes[np.asarray(indexes, dtype=np.int64)], make)

    def _pieces(self, table: str, size: int, esc, codes: np.ndarray, make) -> list[str]:
        return _coded(self._made, (table, esc), size, codes, lambda c: esc(make(c)))


def _coded(cache: dict, key, size: int, codes: np.ndarray, make) -> list[str]:
    """`make(c)` of each of `codes` (entries of a table of `size`), made once per entry and kept in `cache[key]`."""
    made = cache.get(key)
    if made is None:
        made = cache[key] = (np.empty(size, dtype=object), np.zeros(size, dtype=bool))
    texts, done = made
    need = np.unique(codes)
    for c in need[~done[need]].tolist():
        texts[c] = make(c)
    done[need] = True
    return texts[codes].tolist()


_KINDS = ("direct", "split", "rollup")  # credit kinds by code (KIND_ORDER's order)
_KIND_PIECE = np.array([f'{k}","credit":"' for k in _KINDS], dtype=object)
_CAPPED_TEXT = np.array(['","capped":false', '","capped":true'], dtype=object)


def _same(text: str) -> str:
    return text


def picker(il: list):
    """itemgetter of the positions `il` that always gives a tuple (an empty one for none)."""
    if not il:
        return lambda seq: ()
    get = itemgetter(*il)
    return (lambda seq: (get(seq),)) if len(il) == 1 else get


def cents_texts(cents: list[int]) -> list[str]:
    """str(Decimal(c).scaleb(-2)) of each integer number of cents ("0.00", "-0.05", "123.45")."""
    pos, neg = _CENTS_FORMATS  # printf-style on divmod's pair: cheaper than an f-string per value
    return [pos % divmod(c, 100) if c >= 0 else neg % divmod(-c, 100) for c in cents]


_CENTS_FORMATS = ("%d.%02d", "-%d.%02d")
_DAYS = 4_000_000  # above every date ordinal: (currency pair, close date) codes


def _objects(values) -> np.ndarray:
    """An object array of `values` (one entry each, even for tuples): per-line lists by fancy indexing."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def _abs_sum_below(a: np.ndarray, limit: int) -> bool:
    """Whether the absolute sum of int64 `a` is below `limit`, exactly (no int64 overflow on the way)."""
    if not len(a):
        return True
    biggest = max(int(a.max()), -int(a.min()))
    if biggest * len(a) < limit:
        return True
    return sum(map(abs, a.tolist())) < limit


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For entries repeated `counts` times each: the entry of every repetition and its position in the entry."""
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner), dtype=np.int64) - starts[owner]
