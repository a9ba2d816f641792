"""The set-based calculation as columns: credits, rating and commission lines without a Python object per line.

`calculate_table(inp)` gives the same lines as `calculate()` (the reference) — `LineTable.result()` turns
them into `Line`s and `frames.calculate_frames` is exactly that — but the product writes them straight
from the columns (`compensation.services.calculation`), so a run builds no `Line`, `_Credit` or `Fraction`
per credit:

* credits are rows of plain integer lists (deal index, recipient, assignment, component, credit kind,
  source, split) with the credit as an exact integer numerator/denominator per (deal, party, plan
  currency) — FX as an exact rational applied with integer arithmetic, never floats;
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
from math import gcd

import numpy as np

from spm.fiscal import month_key, quota_period_key

from .calculate import (
    CAT_DEAL,
    KIND_ORDER,
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
        ratio: dict = {}  # party -> (numerator, denominator) of amount × share
        for p in np.unique(f_party).tolist():
            ratio[p] = (amounts[p_deal[p]] * p_frac[p]).as_integer_ratio()
        party_l = f_party.tolist()
        r_num = [ratio[p][0] for p in party_l]
        r_den = [ratio[p][1] for p in party_l]
        fx_of: list = [None] * len(party_l)
        ccy_id: dict = {}
        deal_ccy = np.fromiter((ccy_id.setdefault(deal.currency.upper(), len(ccy_id)) for deal in deals), dtype=np.int64,
                               count=len(deals))
        plan_ccy = np.fromiter((ccy_id.setdefault(plans[k].currency, len(ccy_id)) for k in plan_keys), dtype=np.int64,
                               count=len(plan_keys))
        fx_cache: dict = {}  # (deal currency, plan currency, close date) -> the exact rate ratio
        for j in np.flatnonzero(deal_ccy[f_deal] != plan_ccy[f_plan]).tolist() if len(f_e) else ():
            deal = deals[p_deal[party_l[j]]]
            ccy, pccy, d = deal.currency.upper(), plans[plan_keys[int(f_plan[j])]].currency, deal.close_date
            r = fx_cache.get((ccy, pccy, d))
            if r is None:
                r = fx_cache[(ccy, pccy, d)] = (exact(ctx.rate_to_base(ccy, d)) / exact(ctx.rate_to_base(pccy, d)))
            r_num[j], r_den[j], fx_of[j] = r_num[j] * r.numerator, r_den[j] * r.denominator, r
        kinds = ["direct", "split", "rollup"]
        kind_code = np.fromiter((k == "split" for k in p_kind), dtype=np.int64, count=len(p_kind))
        f_kind = np.where(e_roll[f_e] == 1, 2, kind_code[f_party]) if len(f_e) else f_e
        who_l = e_who[f_e].tolist()
        asg_l = e_asg[f_e].tolist()
        ci_l = f_ci.tolist()
        kind_l = f_kind.tolist()
        # flat components (no quota): the reference's credit objects, in row order
        for j in np.flatnonzero(f_period == 0).tolist():
            p, a, ci = party_l[j], asgs[asg_l[j]], ci_l[j]
            self.flat.append(_Credit(names[who_l[j]], a.plan, plans[a.plan].components[ci], ci, deals[p_deal[p]],
                                     kinds[kind_l[j]], p_seller[p], p_frac[p], Fraction(r_num[j], r_den[j]),
                                     fx_of[j], a))
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
        ql = q.tolist()
        qinv_l = q_inv.tolist()
        self.gkeys = []
        for k in g_first[by_first].tolist():
            j = ql[k]
            a = asgs[asg_l[j]]
            self.gkeys.append((names[who_l[j]], a.plan, plans[a.plan].components[ci_l[j]].name, qkeys[qinv_l[k]]))
        self.r_deal = f_deal[q].tolist()
        self.r_who = [names[who_l[j]] for j in ql]
        self.r_asg = [asgs[asg_l[j]] for j in ql]
        self.r_ci = [ci_l[j] for j in ql]
        self.r_kind = [kinds[kind_l[j]] for j in ql]
        self.r_src = [p_seller[party_l[j]] for j in ql]
        self.r_frac = [p_frac[party_l[j]] for j in ql]
        self.r_num = [r_num[j] for j in ql]
        self.r_den = [r_den[j] for j in ql]
        self.fx_of = [fx_of[j] for j in ql]
        # 6. SPIFs (direct and split credits only), as the reference; only plans with a SPIF component pay any
        if any(isinstance(c, SpifComponent) for plan in plans.values() for c in plan.components):
            for deal, amount in zip(deals, amounts, strict=True):
                _spifs(ctx, deal, amount, deal.currency.upper())

    def credit_obj(self, i: int) -> _Credit:
        a = self.r_asg[i]
        ci = self.r_ci[i]
        return _Credit(self.r_who[i], a.plan, self.inp.plans[a.plan].components[ci], ci, self.deals[self.r_deal[i]],
                       self.r_kind[i], self.r_src[i], self.r_frac[i], Fraction(self.r_num[i], self.r_den[i]),
                       self.fx_of[i], a)

    # ---- the run ---------------------------------------------------------------------------------
    def run(self) -> LineTable:
        inp, ctx = self.inp, self.ctx
        deals = self.deals = sorted_deals(inp)
        self.credits(deals)
        n = len(self.r_deal)
        plans = inp.plans
        gkeys, r_gid = self.gkeys, self.r_gid
        rows_of = defaultdict(list)
        for i, g in enumerate(r_gid.tolist()):
            rows_of[g].append(i)

        # ---- per group: quota, exact band edges, whole micro-units → set-based; else the reference ----
        micro = [0] * n
        commission_objs: list = []  # (credit, Line) pairs of the groups rated by the reference
        cum_index: dict = {}
        specs: dict = {}
        vec_quota_micro = np.zeros(len(gkeys), dtype=np.int64)
        vec_quota: dict = {}
        vector = np.zeros(len(gkeys), dtype=bool)
        for g, gkey in enumerate(gkeys):
            rows = rows_of[g]
            comp = plans[gkey[1]].components[self.r_ci[rows[0]]]
            quota = quota_for_group(ctx, gkey, comp)
            if quota is None or quota == 0:
                commission_objs.extend((cr, no_quota_line(cr, comp, gkey[3]))
                                       for cr in map(self.credit_obj, rows))
                continue
            spec = specs.get(id(comp))
            if spec is None:
                spec = specs[id(comp)] = _spec(comp)
            q = _whole(exact(quota) * SCALE)
            ok = q is not None and q < INT64_SAFE and all(
                (q * b.numerator) % b.denominator == 0 for b in (*spec.los, *(h for h in spec.his if h is not None)))
            if ok:
                for i in rows:
                    num, den = self.r_num[i] * SCALE, self.r_den[i]
                    if num % den:
                        ok = False
                        break
                    micro[i] = num // den
            if ok:
                vector[g] = True
                vec_quota_micro[g] = q
                vec_quota[g] = quota
            else:  # not whole micro-units: the exact per-credit reference
                commission_objs.extend(_rate_group(ctx, gkey, [self.credit_obj(i) for i in rows], cum_index))

        # flat components (quota null): the reference's routine
        commission_objs.extend(flat_lines(self.flat))
        emit_commission(ctx, commission_objs)

        # ---- set-based rating of every whole-micro-unit group: one sort, one running sum ----
        vrows = np.flatnonzero(vector[r_gid]) if n else np.zeros(0, dtype=np.int64)
        # ranks of every seller a line can name (recipients, sources, assignees, adjustments, SPIF parties and
        # the sources of flat credits, which may appear nowhere else: a split party with no assignment whose
        # manager earns a flat roll-up)
        seller_names = sorted({*self.r_who, *self.r_src, *ctx.by_seller, *(a.seller for a in inp.adjustments),
                               *(x[1].seller for x in ctx.out), *(c.source for c in self.flat)}, key=_skey)
        seller_rank = {s: i for i, s in enumerate(seller_names)}
        deal_a = np.asarray(self.r_deal, dtype=np.int64)[vrows]
        gid_v = r_gid[vrows]
        kind_v = np.fromiter((KIND_ORDER[self.r_kind[i]] for i in vrows.tolist()), dtype=np.int64, count=len(vrows))
        src_v = np.fromiter((seller_rank[self.r_src[i]] for i in vrows.tolist()), dtype=np.int64, count=len(vrows))
        # deals are indexed in (close date, key) order, so the deal index orders by close date, then deal id
        perm = np.lexsort((src_v, kind_v, deal_a, gid_v))
        vrows, deal_a, gid_v, kind_v, src_v = vrows[perm], deal_a[perm], gid_v[perm], kind_v[perm], src_v[perm]
        m = len(vrows)
        vl = vrows.tolist()
        micro_v = [micro[i] for i in vl]
        credit_v = np.asarray(micro_v, dtype=np.int64 if sum(map(abs, micro_v)) < INT64_SAFE else object)
        quota_v = vec_quota_micro[gid_v]
        start_v = np.ones(m, dtype=bool)
        start_v[1:] = gid_v[1:] != gid_v[:-1]
        # cumulative credits are int64 when the credits are (their absolute sum is below INT64_SAFE): no Python int
        # per line; the cents too when they fit (below)
        res = {"before": np.empty(m, dtype=credit_v.dtype), "after": np.empty(m, dtype=credit_v.dtype),
               "cents": np.empty(m, dtype=object), "band": np.empty(m, dtype=np.int64),
               "capped": np.zeros(m, dtype=bool), "uncapped": np.empty(m, dtype=object),
               "uncapped_den": np.empty(m, dtype=object)}
        comp_v = [plans[self.r_asg[i].plan].components[self.r_ci[i]] for i in vl]
        by_spec: dict = defaultdict(list)
        for j, comp in enumerate(comp_v):
            by_spec[id(comp)].append(j)
        for rows in by_spec.values():
            rows_a = np.asarray(rows, dtype=np.int64)
            comp = comp_v[rows[0]]
            k_num, k_den = k_factors(rows, comp, lambda j: self.r_asg[vl[j]].target_incentive,
                                     lambda j: gkeys[gid_v[j]][3], lambda j: int(quota_v[j]), ctx.fy)
            starts = start_v[rows_a].copy()
            starts[0] = True  # a component's rows are whole groups in order
            r = rate_arrays(specs[id(comp)], credit=credit_v[rows_a], group_start=starts, quota=quota_v[rows_a],
                            k_num=k_num, k_den=k_den, cap=exact(comp.cap.amount) if comp.cap is not None else None)
            for name, values in r.items():
                res[name][rows_a] = values
        after_v = res["after"]
        if m and max(map(abs, res["cents"].tolist())) < INT64_SAFE:
            res["cents"] = res["cents"].astype(np.int64)

        # ---- what clawbacks, draws and the attainment map read from the commission lines ----
        earned = earned_by_deal(ctx, commission_objs)
        churned = {ev.deal for ev in inp.events}
        cents_v = res["cents"]
        for j in range(m) if churned else ():
            dl = deals[int(deal_a[j])]
            if dl.key in churned:
                i = vl[j]
                a = self.r_asg[i]
                comp = comp_v[j]
                earned[dl.key][(self.r_who[i], a.plan, self.r_ci[i], comp.name)] += Decimal(int(cents_v[j])).scaleb(-2)
        month_of_deal = [month_key(d.close_date) for d in deals]
        earnings: dict = defaultdict(int)  # (seller, month) -> cents
        for j, c in enumerate(cents_v.tolist()):
            if c:
                earnings[(self.r_who[vl[j]], month_of_deal[int(deal_a[j])])] += c
        _clawbacks(ctx, deals, earned)
        _adjustments(ctx)
        _draws(ctx, {k: Decimal(v).scaleb(-2) for k, v in earnings.items()})

        grange: dict = {}  # group -> (first row, end row) in the sorted arrays
        if m:
            bounds = np.flatnonzero(start_v).tolist() + [m]
            for s, e in zip(bounds[:-1], bounds[1:], strict=True):
                grange[gkeys[int(gid_v[s])]] = (s, e)
        ord_v = np.fromiter((deals[k].close_date.toordinal() for k in deal_a.tolist()), dtype=np.int64, count=m)
        ref_cum = cum_lookup(cum_index)

        def cum_at(gkey, last: date) -> Fraction:
            span = grange.get(gkey)
            if span is None:
                return ref_cum(gkey, last)
            s, e = span
            k = int(np.searchsorted(ord_v[s:e], last.toordinal(), side="right"))
            return Fraction(int(after_v[s + k - 1]), SCALE) if k else Fraction(0)

        attainment = _attainment_map(ctx, cum_at)

        # ---- the column lines in period_from..period_through ----
        lo, hi = inp.period_from, inp.period_through
        keep = [j for j in range(m) if lo <= month_of_deal[int(deal_a[j])] <= hi]
        kl = [vl[j] for j in keep]
        keep_a = np.asarray(keep, dtype=np.int64)
        c_seller = [self.r_who[i] for i in kl]
        c_deal_i = deal_a[keep_a].tolist()
        c_period = [month_of_deal[k] for k in c_deal_i]
        c_plan = [self.r_asg[i].plan for i in kl]
        c_comp = [comp_v[j] for j in keep]
        c_gk = [gkeys[g] for g in gid_v[keep_a].tolist()]
        c_quota = [vec_quota[g] for g in gid_v[keep_a].tolist()]
        c_band = res["band"][keep_a].tolist()
        c_rate = [specs[id(c)].rates[b] for c, b in zip(c_comp, c_band, strict=True)]
        before_k, after_k = res["before"][keep_a], res["after"][keep_a]
        quota_k = quota_v[keep_a]
        credit_k, cents_k = credit_v[keep_a], cents_v[keep_a]
        c_deal = [deals[k].key for k in c_deal_i]
        c_kind = [self.r_kind[i] for i in kl]
        c_quota_period = [g[3] for g in c_gk]
        # cross-currency lines: the deal's currency and amount and the exact rate, for their facts
        fx_k = {k: (deals[d].currency, deals[d].amount, self.fx_of[i])
                for k, (i, d) in enumerate(zip(kl, c_deal_i, strict=True)) if self.fx_of[i] is not None}
        facts = LineFacts(deal=c_deal, deal_type=[deals[k].deal_type for k in c_deal_i], fx=fx_k, kind=c_kind,
                          frac=[self.r_frac[i] for i in kl], src=[self.r_src[i] for i in kl],
                          ti=[self.r_asg[i].target_incentive for i in kl], quota=c_quota, quota_period=c_quota_period,
                          comp=c_comp, credit=credit_k, before=before_k, after=after_k, quota_micro=quota_k,
                          cents=cents_k, capped=res["capped"][keep_a], uncapped=res["uncapped"][keep_a],
                          uncapped_den=res["uncapped_den"][keep_a], fy=ctx.fy)
        objs = [line for _, line in ctx.out if lo <= line.period <= hi]
        obj_keys = [k for k, line in ctx.out if lo <= line.period <= hi]

        # ---- output order: one lexsort over integer ranks of both kinds of line ----
        plan_rank = {p: i for i, p in enumerate(sorted(plans))}
        deal_rank = {d.key: i for i, d in enumerate(deals)}
        periods = sorted({*c_period, *(line.period for line in objs)})
        period_rank = {p: i for i, p in enumerate(periods)}
        nk = len(keep)
        cols = np.zeros((9, nk + len(objs)), dtype=np.int64)
        cols[0, :nk] = [seller_rank[s] for s in c_seller]
        cols[1, :nk] = [period_rank[p] for p in c_period]
        cols[2, :nk] = CAT_DEAL
        cols[3, :nk] = ord_v[keep_a]
        cols[4, :nk] = c_deal_i
        cols[5, :nk] = kind_v[keep_a]
        cols[6, :nk] = [plan_rank[p] for p in c_plan]
        cols[7, :nk] = [self.r_ci[i] for i in kl]
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
    bytes a line, the largest thing a run would hold. Holds only what the text is made of (per-line references
    to shared values, the rating's integer columns), not the run's deals or credit rows."""

    __slots__ = ("deal", "deal_type", "fx", "kind", "frac", "src", "ti", "quota", "quota_period", "comp", "credit",
                 "before", "after", "quota_micro", "cents", "capped", "uncapped", "uncapped_den", "fy")

    def __init__(self, **columns):
        for name in self.__slots__:
            setattr(self, name, columns[name])

    def __len__(self) -> int:
        return len(self.deal)

    def __getitem__(self, i: int) -> str:
        return self.take([i])[0]

    def __iter__(self):
        for start in range(0, len(self), 50_000):
            yield from self.take(range(start, min(start + 50_000, len(self))))

    def take(self, indexes) -> list[str]:
        """The facts texts of column lines `indexes`, in that order, assembled from pieces computed once per
        deal, seller, split, group and component of the slice."""
        idx = np.asarray(indexes, dtype=np.int64)
        il = idx.tolist()
        fy, fx_of = self.fy, self.fx
        deal_part: dict = {}  # deal -> '{"v":…,"deal":…,"deal_type":…,'
        fx_part: dict = {}  # (deal, fx ratio) -> ',"fx":{…}'
        src_part: dict = {}  # (split, source) -> '"split":…,"source":…,'
        group_part: dict = {}  # (target incentive, quota, quota period) -> '"target_incentive":…,"months":…,'
        comp_part: dict = {}  # component -> ',"component":{…}}'
        out = []
        append = out.append
        for k, mu, b, a, q, c, cp, un, ud in zip(
                il, self.credit[idx].tolist(), self.before[idx].tolist(), self.after[idx].tolist(),
                self.quota_micro[idx].tolist(), self.cents[idx].tolist(), self.capped[idx].tolist(),
                self.uncapped[idx].tolist(), self.uncapped_den[idx].tolist(), strict=True):
            key = self.deal[k]
            dp = deal_part.get(key)
            if dp is None:
                dp = deal_part[key] = f'{{"v":{FACTS_VERSION},"deal":{_q(key)},"deal_type":{_q(self.deal_type[k])},'
            # keyed by text: equal Decimals can print differently (0.5 / 0.50)
            sk = (str(self.frac[k]), self.src[k])
            sp = src_part.get(sk)
            if sp is None:
                sp = src_part[sk] = f'"split":"{sk[0]}","source":{_q(str(sk[1]))},'
            ti = str(self.ti[k])
            qp = self.quota_period[k]
            gp_key = (ti, str(self.quota[k]), qp)
            gp = group_part.get(gp_key)
            if gp is None:
                gp = group_part[gp_key] = (f'"target_incentive":"{ti}","quota":"{gp_key[1]}","quota_period":{_q(qp)},'
                                           f'"months":{_n_months(qp, fy)},')
            fx = fx_of.get(k)
            if fx is None:
                fxs = ""
            else:
                fxs = fx_part.get((key, fx))
                if fxs is None:
                    currency, amount, r = fx
                    fxs = fx_part[(key, fx)] = (f',"fx":{{"currency":{_q(currency)},"deal_amount":"{amount}",'
                                                f'"rate":"{r.numerator}/{r.denominator}"}}')
            comp = self.comp[k]
            cj = comp_part.get(id(comp))
            if cj is None:
                cj = comp_part[id(comp)] = f',"component":{component_json(comp)}}}'
            g = gcd(mu, SCALE)
            append(f'{dp}"credit_kind":"{self.kind[k]}","credit":"{mu // g}/{SCALE // g}",{sp}{gp}'
                   f'"attainment_before":"{b}/{q}","attainment_after":"{a}/{q}","amount":"{_cents_text(c)}",'
                   f'"capped":{"true" if cp else "false"}{fxs},"uncapped":"{un}/{ud}"{cj}')
        return out


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For entries repeated `counts` times each: the entry of every repetition and its position in the entry."""
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner), dtype=np.int64) - starts[owner]


def _cents_text(c: int) -> str:
    """str(Decimal(c).scaleb(-2)) for an integer number of cents ("0.00", "-0.05", "123.45")."""
    whole, frac = divmod(abs(c), 100)
    return f"{'-' if c < 0 else ''}{whole}.{frac:02d}"
