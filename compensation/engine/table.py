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
    PREC,
    CommissionComponent,
    EngineInput,
    EngineResult,
    Line,
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

__all__ = ["LineTable", "calculate_table"]

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
    c_facts: list
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
        """Credit rows (one tuple each, transposed to columns at the end) and their group numbers."""
        ctx, inp = self.ctx, self.inp
        only = inp.only_sellers
        plans, fy = inp.plans, ctx.fy
        recipients: dict = {}  # (seller, credit kind) -> [(recipient, credit kind)]
        assigned: dict = {}  # (recipient, close date) -> assignment in force
        comps_for: dict = {}  # (plan, deal type, rollup) -> ((component index, component), ...)
        fx_cache: dict = {}  # (deal currency, plan currency, close date) -> the exact rate ratio
        qkeys: dict = {}  # (close date, quota period kind) -> quota period key
        gid_of: dict = {}  # (seller, plan, component, quota period) -> group number
        rows: list = []
        self.flat: list[_Credit] = []
        for di, deal in enumerate(deals):
            amount = _dec(deal.amount)
            ccy = deal.currency.upper()
            d = deal.close_date
            for seller, frac, kind in _parties(deal):
                chain = recipients.get((seller, kind))
                if chain is None:
                    chain = recipients[(seller, kind)] = [
                        (who, ck) for who, ck in [(seller, kind)] + [(m, "rollup") for m in ancestors(inp.managers, seller)]
                        if only is None or who in only]
                # exact: the same Decimal product the reference converts (at the 40-digit context)
                an, ad = (amount * frac).as_integer_ratio()
                converted: dict = {}  # plan currency -> (num, den, fx ratio or None)
                for who, ckind in chain:
                    a = assigned.get((who, d), False)
                    if a is False:
                        a = assigned[(who, d)] = ctx.assignment_on(who, d)
                    if a is None:
                        continue
                    ck = (a.plan, deal.deal_type, ckind == "rollup")
                    comps = comps_for.get(ck)
                    if comps is None:
                        comps = comps_for[ck] = tuple(
                            (ci, c) for ci, c in enumerate(plans[a.plan].components)
                            if isinstance(c, CommissionComponent) and c.measure.matches(deal.deal_type)
                            and (ckind != "rollup" or c.rollup))
                    if not comps:
                        continue
                    pccy = plans[a.plan].currency
                    conv = converted.get(pccy)
                    if conv is None:
                        if ccy == pccy:
                            conv = (an, ad, None)
                        else:
                            fk = (ccy, pccy, d)
                            r = fx_cache.get(fk)
                            if r is None:
                                r = fx_cache[fk] = (exact(ctx.rate_to_base(ccy, d)) / exact(ctx.rate_to_base(pccy, d)))
                            conv = (an * r.numerator, ad * r.denominator, r)
                        converted[pccy] = conv
                    for ci, comp in comps:
                        if comp.quota is None:
                            self.flat.append(_Credit(who, a.plan, comp, ci, deal, ckind, seller, frac,
                                                     Fraction(conv[0], conv[1]), conv[2], a))
                            continue
                        qk = qkeys.get((d, comp.quota.period))
                        if qk is None:
                            qk = qkeys[(d, comp.quota.period)] = quota_period_key(d, comp.quota.period, fy)
                        gkey = (who, a.plan, comp.name, qk)
                        g = gid_of.get(gkey)
                        if g is None:
                            g = gid_of[gkey] = len(gid_of)
                        rows.append((di, who, a, ci, ckind, seller, frac, conv[0], conv[1], conv[2], g))
            # 6. SPIFs (direct and split credits only), as the reference
            _spifs(ctx, deal, amount, ccy)
        cols = list(zip(*rows, strict=True)) if rows else [()] * 11
        (self.r_deal, self.r_who, self.r_asg, self.r_ci, self.r_kind, self.r_src, self.r_frac, self.r_num, self.r_den,
         self.fx_of) = cols[:10]
        self.r_gid = np.asarray(cols[10], dtype=np.int64)
        self.gkeys = list(gid_of)

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
        # ranks of every seller a line can name (recipients, sources, assignees, adjustments, SPIF parties)
        seller_names = sorted({*self.r_who, *self.r_src, *ctx.by_seller, *(a.seller for a in inp.adjustments),
                               *(x[1].seller for x in ctx.out)}, key=_skey)
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
        res = {"before": np.empty(m, dtype=object), "after": np.empty(m, dtype=object),
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
        facts = self.facts(keep, kl, c_comp, c_gk, c_quota, before_k, after_k, quota_k, cents_v[keep_a],
                           res["capped"][keep_a], res["uncapped"][keep_a], res["uncapped_den"][keep_a], micro_v)
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
            c_deal=[deals[k].key for k in c_deal_i], c_credit_kind=[self.r_kind[i] for i in kl],
            c_credit=credit_v[keep_a], c_before=before_k, c_after=after_k, c_quota_micro=quota_k,
            c_cents=cents_v[keep_a], c_quota=c_quota, c_quota_period=[g[3] for g in c_gk], c_rate=c_rate,
            c_facts=facts, objs=objs, order=order, attainment=attainment)

    def facts(self, keep, kl, c_comp, c_gk, c_quota, before, after, quota_micro, cents, capped, uncapped,
              uncapped_den, micro_v) -> list[str]:
        """Each column line's structured facts: the same JSON text as `explain.commission_facts`, assembled from
        pieces computed once per deal, seller, split, group and component."""
        deals = self.deals
        fy = self.ctx.fy
        deal_part: dict = {}  # deal index -> '{"v":…,"deal":…,"deal_type":…,'
        fx_part: dict = {}  # (deal index, fx ratio) -> ',"fx":{…}'
        src_part: dict = {}  # (split, source) -> '"split":…,"source":…,'
        group_part: dict = {}  # (target incentive, quota, quota period) -> '"target_incentive":…,"months":…,'
        comp_part: dict = {}  # component -> ',"component":{…}}'
        out = []
        append = out.append
        for j, i, comp, gk, quota, b, a, q, c, cp, un, ud in zip(
                keep, kl, c_comp, c_gk, c_quota, before.tolist(), after.tolist(), quota_micro.tolist(), cents.tolist(),
                capped.tolist(), uncapped.tolist(), uncapped_den.tolist(), strict=True):
            di = self.r_deal[i]
            dp = deal_part.get(di)
            if dp is None:
                deal = deals[di]
                dp = deal_part[di] = f'{{"v":{FACTS_VERSION},"deal":{_q(deal.key)},"deal_type":{_q(deal.deal_type)},'
            # keyed by text: equal Decimals can print differently (0.5 / 0.50)
            sk = (str(self.r_frac[i]), self.r_src[i])
            sp = src_part.get(sk)
            if sp is None:
                sp = src_part[sk] = f'"split":"{sk[0]}","source":{_q(str(sk[1]))},'
            ti = str(self.r_asg[i].target_incentive)
            gp_key = (ti, str(quota), gk[3])
            gp = group_part.get(gp_key)
            if gp is None:
                gp = group_part[gp_key] = (f'"target_incentive":"{ti}","quota":"{gp_key[1]}","quota_period":{_q(gk[3])},'
                                           f'"months":{_n_months(gk[3], fy)},')
            fx = self.fx_of[i]
            if fx is None:
                fxs = ""
            else:
                fxs = fx_part.get((di, fx))
                if fxs is None:
                    deal = deals[di]
                    fxs = fx_part[(di, fx)] = (f',"fx":{{"currency":{_q(deal.currency)},"deal_amount":"{deal.amount}",'
                                               f'"rate":"{fx.numerator}/{fx.denominator}"}}')
            cj = comp_part.get(id(comp))
            if cj is None:
                cj = comp_part[id(comp)] = f',"component":{component_json(comp)}}}'
            mu = micro_v[j]
            g = gcd(mu, SCALE)
            append(f'{dp}"credit_kind":"{self.r_kind[i]}","credit":"{mu // g}/{SCALE // g}",{sp}{gp}'
                   f'"attainment_before":"{b}/{q}","attainment_after":"{a}/{q}","amount":"{_cents_text(c)}",'
                   f'"capped":{"true" if cp else "false"}{fxs},"uncapped":"{un}/{ud}"{cj}')
        return out


def _cents_text(c: int) -> str:
    """str(Decimal(c).scaleb(-2)) for an integer number of cents ("0.00", "-0.05", "123.45")."""
    whole, frac = divmod(abs(c), 100)
    return f"{'-' if c < 0 else ''}{whole}.{frac:02d}"
