"""Bench step of the Pay calculation at full size (issue 11 items 1 and 6): the floor of a year measured in the
same run, and a straightforward per-row ORM implementation of the same rules on a 1 % sample of sellers.

* `year_floor` — the least any calculation of this tenant's year can do (PERFORMANCE.md): COPY the credited
  deals and splits out, add one roll-up credit per manager above each recipient, rate every credit with
  marginal tiers per (recipient, quarter) vectorised (repeated to as many lines as the calculation wrote),
  COPY one line per credit and one summary per
  (recipient, month) into bare tables (temporary: no index, no key, no RLS, no WAL — the tenant's database
  role may not create tables), commit.
* `per_row_baseline` — what a plain ORM engine of the same rules does: `values_list` per seller, a `Decimal`
  loop over each credit (the payout before and after it, tiers, cap, FX), one `EarningLine` per line,
  `bulk_create(batch_size=1000)`; timed on every 100th seller (bar a manager of more than 100 people: with
  the head of sales in, the sample would be the whole year), rolled back. Simplified: commission components
  with a quota (direct, split and roll-up credits); SPIFs, clawbacks and draws are left out, so it does less
  than the product's engine.
"""

from __future__ import annotations

import io
import time
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection, transaction

from compensation.engine import CommissionComponent, parse_plan_document
from compensation.engine.payout import bands, payout, round_cents
from compensation.models import CompPlan, EarningLine, PlanAssignment, Statement
from performance.models import Opportunity, OpportunitySplit
from planning.models import Quota, Seller
from spm.fiscal import month_key, month_start, months_in_period, parse_period_key, quota_period_key, shift_month
from spm.hub.demo import bench
from spm.models import FxRate
from spm.tenancy.db import tenant_atomic

KEY = "engine"
SECTION = "## Pay calculation at full size (issue 11): calculation against its floor and a per-row ORM engine"


def _copy_out(cursor, sql: str, params, names: list[str]) -> pd.DataFrame:
    """`sql` (with `params` bound by psycopg on the client) COPYed out as CSV into a frame of `names`."""
    from psycopg import sql as psql

    buf = io.BytesIO()
    query = psql.SQL(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)".replace("%s", "{}")).format(
        *map(psql.Literal, params))
    with cursor.copy(query) as copy:
        for data in copy:
            buf.write(data)
    buf.seek(0)
    if not buf.getbuffer().nbytes:
        return pd.DataFrame({n: np.zeros(0, dtype=np.int64) for n in names})
    return pd.read_csv(buf, header=None, names=names)


def _copy_in(cursor, table: str, columns: list) -> None:
    """Columns (numpy arrays of integers) COPYed into `table` with psycopg's `write_row` (its C implementation is
    faster than formatting the text in Python)."""
    with cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in zip(*(c.tolist() for c in columns), strict=True):
            copy.write_row(row)


def year_floor(tenant, *, period_from: str, period_through: str, lines: int | None = None) -> dict:
    """Seconds to read, rate and write this tenant's year at the floor (see the module docstring); with `lines`,
    the credits are repeated (as a second component would) until as many lines are rated and written."""
    lo = f"{period_from}-01"
    hi = shift_month(month_start(period_through), 1).isoformat()  # the day after the last month
    out: dict = {}
    with tenant_atomic(tenant), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _bench_floor_lines, _bench_floor_summaries")
        cursor.execute("CREATE TEMP TABLE _bench_floor_lines (seller bigint, period int, deal bigint, credit bigint, "
                       "amount bigint, kind smallint)")
        cursor.execute("CREATE TEMP TABLE _bench_floor_summaries (seller bigint, period int, total bigint)")
    started = time.perf_counter()
    with tenant_atomic(tenant), connection.cursor() as cursor:
        t = time.perf_counter()
        opp, split = Opportunity._meta.db_table, OpportunitySplit._meta.db_table
        credits = _copy_out(cursor, (
            f"SELECT o.id, COALESCE(s.seller_id, o.owner_id), round(o.amount * COALESCE(s.pct, 100))::bigint, "
            f"o.close_date - DATE '2000-01-01' FROM {opp} o LEFT JOIN {split} s ON s.opportunity_id = o.id "
            f"WHERE o.tenant_id = %s AND o.is_won AND o.close_date >= %s AND o.close_date < %s"),
            [tenant.pk, lo, hi], ["deal", "seller", "credit", "day"])
        sellers = _copy_out(cursor, f"SELECT id, COALESCE(manager_id, 0) FROM {Seller._meta.db_table} "
                            "WHERE tenant_id = %s", [tenant.pk], ["id", "manager"])
        quotas = _copy_out(cursor, f"SELECT seller_id, round(sum(amount) * 100)::bigint FROM {Quota._meta.db_table} "
                           "WHERE tenant_id = %s GROUP BY seller_id", [tenant.pk], ["seller", "cents"])
        out["read"] = time.perf_counter() - t

        t = time.perf_counter()
        size = int(max(sellers["id"].max(), 1)) + 1
        manager = np.zeros(size, dtype=np.int64)
        manager[sellers["id"].to_numpy()] = sellers["manager"].to_numpy()
        quota = np.full(size, 100_000_00 * 4, dtype=np.int64)  # cents a year; a seller without one: $400k
        quota[quotas["seller"].to_numpy()] = np.maximum(quotas["cents"].to_numpy(), 100)
        who = credits["seller"].to_numpy()
        recipients, kinds, rows = [who], [np.zeros(len(who), dtype=np.int64)], [np.arange(len(who))]
        up, idx = manager[who], np.arange(len(who))
        while len(idx):  # one roll-up credit per manager above the recipient
            has = up != 0
            up, idx = up[has], idx[has]
            recipients.append(up)
            kinds.append(np.ones(len(up), dtype=np.int64))
            rows.append(idx)
            up = manager[up]
        row = np.concatenate(rows)
        if lines and len(row):  # as many lines as the calculation wrote (a credit gives a line per component)
            row = np.resize(row, lines)
        seller = np.resize(np.concatenate(recipients), len(row))
        kind = np.resize(np.concatenate(kinds), len(row))
        credit = credits["credit"].to_numpy()[row]  # cents × 100 (amount × percent)
        day = credits["day"].to_numpy()[row]
        deal = credits["deal"].to_numpy()[row]
        dates = np.datetime64("2000-01-01") + day.astype("timedelta64[D]")
        months = dates.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        quarter = months // 3
        order = np.lexsort((deal, day, quarter, seller))
        seller, quarter, credit, deal, kind, months = (x[order] for x in (seller, quarter, credit, deal, kind, months))
        start = np.ones(len(seller), dtype=bool)
        start[1:] = (seller[1:] != seller[:-1]) | (quarter[1:] != quarter[:-1])
        cum = np.cumsum(credit)
        base = np.maximum.accumulate(np.where(start, cum - credit, 0))
        after = cum - base
        q = quota[seller].astype(np.float64) * 100 / 4  # a quarter's quota, in the credit's units
        xs = np.array([0.0, 1.0, 1.5, 1e9])
        fs = np.concatenate([[0.0], np.cumsum(np.diff(xs) * np.array([0.06, 0.09, 0.12]))])
        amount = np.rint((np.interp(after / q, xs, fs) - np.interp((after - credit) / q, xs, fs)) * q / 100)
        amount = amount.astype(np.int64)
        key = seller * 100_000 + months
        uniq, inverse = np.unique(key, return_inverse=True)
        totals = np.bincount(inverse, weights=amount).astype(np.int64)
        out["rate"] = time.perf_counter() - t

        t = time.perf_counter()
        _copy_in(cursor, "_bench_floor_lines", [seller, months, deal, credit, amount, kind])
        _copy_in(cursor, "_bench_floor_summaries", [uniq // 100_000, uniq % 100_000, totals])
    out["write"] = time.perf_counter() - t  # including the commit
    out["total"] = time.perf_counter() - started
    out["lines"], out["summaries"] = len(seller), len(uniq)
    with tenant_atomic(tenant), connection.cursor() as cursor:
        cursor.execute("DROP TABLE _bench_floor_lines, _bench_floor_summaries")
    return out


def per_row_baseline(tenant, *, period_from: str, period_through: str, every: int = 100) -> dict:
    """Seconds and lines of the per-row ORM engine (module docstring) over every `every`-th seller; rolled back."""
    started = time.perf_counter()
    lines_made = 0
    sample = []
    with tenant_atomic(tenant):
        sid = transaction.savepoint()
        children = defaultdict(list)
        for pk, mgr in Seller.objects.values_list("id", "manager_id"):
            if mgr:
                children[mgr].append(pk)
        ids = list(Seller.objects.order_by("id").values_list("id", flat=True))
        sample = [s for s in ids[::every] if _team_size(children, s) <= every]  # not a 1 % sample with the CEO in
        fx = defaultdict(list)
        for ccy, rate, since in FxRate.objects.order_by("effective_from").values_list(
                "currency", "rate_to_base", "effective_from"):
            fx[ccy].append((since, rate))
        fy = tenant.fiscal_year_start_month
        plans = {pk: (parse_plan_document(doc), ccy)
                 for pk, doc, ccy in CompPlan.objects.values_list("id", "document", "currency")}

        def to_base(ccy, d):
            rate = Decimal(1)
            for since, r in fx.get(ccy, ()):
                if since <= d:
                    rate = r
            return rate

        for s in sample:
            assignment = PlanAssignment.objects.filter(seller_id=s).order_by("-start_date").values_list(
                "plan_id", "target_incentive").first()
            if assignment is None:
                continue
            plan, plan_ccy = plans[assignment[0]]
            quota_of = {(m, p): a for m, p, a in Quota.objects.filter(seller_id=s).values_list("measure", "period", "amount")}
            team, stack = [], list(children.get(s, ()))
            while stack:
                x = stack.pop()
                team.append(x)
                stack.extend(children.get(x, ()))
            credits = []  # (close date, deal id, deal external id, credit in deal currency, currency, deal type, kind)
            won = Opportunity.objects.filter(is_won=True, close_date__gte=f"{period_from}-01")
            for who, kind in [(s, "direct"), *((m, "rollup") for m in team)]:
                for pk, ext, amount, ccy, d, dt_ in won.filter(owner_id=who, splits__isnull=True).values_list(
                        "id", "external_id", "amount", "currency", "close_date", "deal_type"):
                    credits.append((d, pk, ext, amount, ccy, dt_, kind))
                for pk, ext, amount, ccy, d, dt_, pct in won.filter(splits__seller_id=who).values_list(
                        "id", "external_id", "amount", "currency", "close_date", "deal_type", "splits__pct"):
                    credits.append((d, pk, ext, amount * pct / 100, ccy, dt_, "split" if kind == "direct" else kind))
            credits.sort(key=lambda c: (c[0], c[2]))
            statements = dict(Statement.objects.filter(seller_id=s).values_list("period", "id"))
            lines = []
            for comp in plan.components:
                if not isinstance(comp, CommissionComponent) or comp.quota is None:
                    continue
                bs = bands(comp.tiers)
                cum: dict = defaultdict(Decimal)
                for d, pk, ext, amount, ccy, dt_, kind in credits:
                    if (kind == "rollup" and not comp.rollup) or not comp.measure.matches(dt_):
                        continue
                    credit = amount * to_base(ccy, d) / to_base(plan_ccy, d)
                    qp = quota_period_key(d, comp.quota.period, fy)
                    quota = _quota(quota_of, comp.quota.measure, qp, fy)
                    if not quota:
                        continue
                    base = quota if comp.basis == "credit" else assignment[1] * comp.weight
                    cap = comp.cap.amount if comp.cap is not None else None
                    before = cum[qp]
                    cum[qp] = before + credit
                    paid = payout(bs, comp.method, base, before / quota, cap)
                    amount_line = round_cents(payout(bs, comp.method, base, cum[qp] / quota, cap) - paid)
                    period = month_key(d)
                    if period < period_from or period > period_through or period not in statements:
                        continue
                    lines.append(EarningLine(
                        tenant=tenant, statement_id=statements[period], seller_id=s, period=period, position=0,
                        plan_name=plan.name, component=comp.name, kind="commission", opportunity_id=pk,
                        deal_external_id=ext, credit_kind=kind, credit=credit.quantize(Decimal("0.000001")),
                        quota=quota, quota_period=qp, attainment_before=(before / quota).quantize(Decimal("0.000001")),
                        attainment_after=(cum[qp] / quota).quantize(Decimal("0.000001")), rate=None, amount=amount_line))
            EarningLine.objects.bulk_create(lines, batch_size=1000)
            lines_made += len(lines)
        transaction.savepoint_rollback(sid)
    return {"seconds": time.perf_counter() - started, "lines": lines_made, "sellers": len(sample)}


def _team_size(children: dict, seller: int) -> int:
    stack, n = list(children.get(seller, ())), 0
    while stack:
        n += 1
        stack.extend(children.get(stack.pop(), ()))
    return n


def _quota(quota_of: dict, measure: str, key: str, fy: int) -> Decimal | None:
    """The quota of a period: its own row, else the sum of its quarters (a year) or of its months."""
    if (measure, key) in quota_of:
        return quota_of[(measure, key)]
    kind = parse_period_key(key, fy)[2]
    for keys in ([f"{key}-Q{i}" for i in range(1, 5)] if kind == "year" else [], months_in_period(key, fy)):
        if keys and all((measure, k) in quota_of for k in keys):
            return sum((quota_of[(measure, k)] for k in keys), Decimal(0))
    return None


def write_section(path, *, command: str, info: dict, load: str, figures: list[bench.Figure], notes: list[str]) -> str:
    """Replace (or add) this step's `<!-- bench:engine -->` section of the benchmarks file."""
    text = f"{SECTION}\n\n" + bench.markdown(command, info, figures, [f"load average (1/5/15 min): {load}", *notes])
    bench.replace_section(path, KEY, text)
    return text
