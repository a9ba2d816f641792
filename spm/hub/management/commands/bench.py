"""`bench [--sellers 10000] [--opportunities 1000000] [--months 12]` — PostgreSQL only; writes docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from compensation.models import CalculationRun, EarningLine, Statement
from compensation.services import calculation_request
from performance.forecasting.bench import weighted_refresh_figure
from performance.forecasting.bench import write_section as write_forecast_section
from planning.territories import bench as territory_bench
from spm.celery import app as celery_app
from spm.fiscal import shift_month
from spm.hub.demo import (
    bench,
    bench_engine,
    bench_import,
    bench_recalc,
    bench_scenario,
    pipeline_bench,
    statement_bench,
)
from spm.hub.demo.capacity import capacity_bench
from spm.hub.demo.generator import generate_company
from spm.roles import Role
from spm.services import membership_set, tenant_create_or_update
from spm.tenancy.context import tenant_scope
from spm.tenancy.db import tenant_atomic


class Command(BaseCommand):
    help = "Benchmark generation, a full-year calculation and the statement page against floors measured in the same run."

    def add_arguments(self, parser):
        parser.add_argument("--sellers", type=int, default=10_000)
        parser.add_argument("--accounts", type=int, default=None, help="default: sellers × 2, at least 1,000")
        parser.add_argument("--opportunities", type=int, default=1_000_000)
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--open-deals", type=int, default=1_000_000,
                            help="open deals of the in-memory weighted-forecast refresh step")
        parser.add_argument("--forecast-only", action="store_true",
                            help="run only the weighted-forecast refresh step; it replaces its own section of --output")
        parser.add_argument("--territory-accounts", type=int, default=50000, help="accounts of the territory step")
        parser.add_argument("--territories", type=int, default=200)
        parser.add_argument("--capacity-sellers", type=int, default=2000, help="roster of the capacity scenario step")
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "docs" / "benchmarks.md")
        parser.add_argument("--pipeline-open-deals", type=int, default=200_000, help="open deals under the manager (0: skip)")
        parser.add_argument("--pipeline-sellers", type=int, default=2000)
        parser.add_argument("--pipeline-requests", type=int, default=20)
        parser.add_argument("--only", choices=["pipeline"], default=None, help="run only this step")
        parser.add_argument("--import-rows", type=int, default=100_000,
                            help="CRM import step: deals imported new, unchanged and as updates (0: skip)")
        parser.add_argument("--import-only", action="store_true",
                            help="run only the CRM import step; its figures replace their own section of --output")
        parser.add_argument("--scenario-deals", type=int, default=0,
                            help="run only the load_scenario step: a synthetic scenario of N deals / N/100 sellers "
                                 "loaded new, unchanged and with 1 %% changed; replaces its own section of --output")
        parser.add_argument("--engine-only", action="store_true",
                            help="run only the Pay engine steps (generate, calculate, engine, recalculation on change, "
                                 "statement page); prints the figures and writes only the engine's own section of --output")
        parser.add_argument("--recalc-edits", type=int, default=100,
                            help="random deal edits through the API, each recalculated on commit, then compared with "
                                 "a full rerun (0: skip)")
        parser.add_argument("--profile", type=Path, default=None,
                            help="write a cProfile of the calculation step to this file")

        parser.add_argument("--statement-only", action="store_true",
                            help="run only the statement-page step (statements of --statement-lines lines, "
                                 "--statement-requests warm requests each); replaces its own section of --output")
        parser.add_argument("--statement-lines", default="200,1500,5000", help="comma-separated line counts")
        parser.add_argument("--statement-requests", type=int, default=20)

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("bench needs PostgreSQL: set DATABASE_URL=postgres://… (SQLite is the demo database, "
                               "not a benchmark target)")
        celery_app.conf.task_always_eager = True  # time the calculation itself, in this process
        if opts["forecast_only"]:
            wall, floor, detail = weighted_refresh_figure(n_open=opts["open_deals"], n_sellers=max(opts["sellers"], 10))
            figure = bench.Figure("weighted forecast refresh (in memory)", wall, bench.peak_mb(), floor, detail)
            row = f"| {figure.name} | {wall:.2f} s | {figure.peak_mb:.0f} MB | {floor:.3f} s | {figure.ratio} | {detail} |"
            self.stdout.write(write_forecast_section(opts["output"], command="python manage.py bench "
                                                     + " ".join(sys.argv[2:]), info=bench.machine(), row=row))
            return
        if opts["scenario_deals"]:
            figures = bench_scenario.scenario_figures(deals=opts["scenario_deals"], log=self.stdout.write)
            self.stdout.write(bench_scenario.write_section(opts["output"], "python manage.py bench " + " ".join(sys.argv[2:]),
                                                           bench.machine(), figures))
            return
        if opts["statement_only"]:
            return self._statement_page(opts)
        if opts["import_only"]:
            figures = bench_import.import_figures(rows=opts["import_rows"], log=self.stdout.write)
            text = bench_import.write_section(opts["output"], "python manage.py bench " + " ".join(sys.argv[2:]),
                                              bench.machine(), figures)
            self.stdout.write(text)
            return
        today = dt.date.today()
        figures, notes = [], []
        if opts["pipeline_open_deals"] and not opts["engine_only"]:
            self.stdout.write(f"pipeline page over {opts['pipeline_open_deals']:,} open deals…")
            figures += pipeline_bench.figures(open_deals=opts["pipeline_open_deals"], sellers=opts["pipeline_sellers"],
                                              requests=opts["pipeline_requests"], seed=opts["seed"], today=today)
        if opts["only"] == "pipeline":
            return self._write(opts, figures, notes)
        tenant = tenant_create_or_update(slug="bench", name="Bench Corp")
        with tenant_atomic(tenant):
            bench.wipe_tenant_rows(tenant)
        self.stdout.write(f"generating {opts['sellers']:,} sellers, {opts['opportunities']:,} opportunities…")
        report, wall = bench.timed(
            generate_company, tenant=tenant, sellers=opts["sellers"], opportunities=opts["opportunities"],
            accounts=opts["accounts"] or max(1000, opts["sellers"] * 2), seed=opts["seed"], today=today)
        rows = sum(v for k, v in report.counts.items() if k not in ("leavers", "multi_currency_deals"))
        with tenant_atomic(tenant):
            floor = bench.copy_floor(rows)
        figures.append(bench.Figure("generate_demo", wall, bench.peak_mb(), floor,
                                    f"{rows:,} rows; floor = COPY of as many rows; "
                                    + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())))

        first = shift_month(today.replace(day=1), -(opts["months"] - 1)).strftime("%Y-%m")
        current = today.strftime("%Y-%m")
        user = get_user_model().objects.get_or_create(username="bench-admin@bench.example",
                                                      defaults={"email": "bench-admin@bench.example"})[0]
        with tenant_atomic(tenant):
            membership_set(user=user, role=Role.ADMIN)
        self.stdout.write(f"calculating {first}..{current}…")
        load_before = bench.load_average()
        bench.reset_peak()  # the calculation's own peak, not generation's
        rss_before = bench.rss_mb()  # what the process already holds (generation's heap is not all given back)
        with tenant_scope(tenant):
            if opts["profile"]:
                import cProfile

                profiler = cProfile.Profile()
                run, wall = bench.timed(profiler.runcall, calculation_request, period_from=first,
                                        period_through=current, requested_by=user)
                profiler.dump_stats(str(opts["profile"]))
            else:
                run, wall = bench.timed(calculation_request, period_from=first, period_through=current, requested_by=user)
        calc_peak = bench.peak_since_reset()
        with tenant_atomic(tenant):
            run = CalculationRun.objects.get(pk=run.pk)
            top = (Statement.objects.filter(period__gte=first).annotate(n=Count("lines")).order_by("-n").first())
        self.stdout.write("floor of the year (COPY out, rate, COPY lines and summaries into bare tables, commit)…")
        floor = bench_engine.year_floor(tenant, period_from=first, period_through=current, lines=run.line_count)
        calc = bench.Figure(
            "calculation (calculation_request → calculation_execute)", wall, calc_peak, floor["total"],
            f"{run.status}; {run.line_count:,} lines, {run.statement_count:,} statements; floor = COPY out "
            f"{floor['read']:.2f} s + rate {floor['lines']:,} credits {floor['rate']:.2f} s + COPY "
            f"{floor['lines']:,} lines and {floor['summaries']:,} summaries, commit {floor['write']:.2f} s")
        figures.append(calc)
        self.stdout.write("per-row ORM engine on a 1 % sample of sellers…")
        base = bench_engine.per_row_baseline(tenant, period_from=first, period_through=current)
        engine_per_line = wall / max(run.line_count, 1)
        base_per_line = base["seconds"] / max(base["lines"], 1)
        baseline = bench.Figure(
            "per-row ORM engine, 1 % of sellers (values_list + Decimal loop + bulk_create)", base["seconds"],
            bench.peak_mb(), None,
            f"{base['lines']:,} lines of {base['sellers']} sellers: {base_per_line * 1e6:.0f} µs a line against the "
            f"calculation's {engine_per_line * 1e6:.1f} µs → the calculation is {base_per_line / engine_per_line:.0f}× "
            "faster per line")
        figures.append(baseline)
        self.stdout.write(bench_engine.write_section(
            opts["output"], command="python manage.py bench " + " ".join(sys.argv[2:]), info=bench.machine(),
            load=f"{load_before} before the calculation, {bench.load_average()} after the baseline",
            figures=[calc, baseline], notes=[
                "peak memory of the calculation: the process's peak resident set from just before the run to its "
                f"end (VmHWM reset through /proc/self/clear_refs), of which {rss_before:.0f} MB were held before the "
                f"run (generation's heap): the run's own growth is {calc_peak - rss_before:.0f} MB; target ≤ 1 GiB",
                f"target ≤ 3× the floor: {'met' if wall <= 3 * floor['total'] else 'not met'} "
                f"({wall / floor['total']:.1f}×); target ≥ 100× the per-row engine per line: "
                f"{'met' if base_per_line >= 100 * engine_per_line else 'not met'} "
                f"({base_per_line / engine_per_line:.0f}×)",
                "the per-row engine does less than the calculation (commission components with a quota only: no "
                "SPIFs, clawbacks, draws, corrections, statements or facts), so the ratio flatters it"]))
        figures += engine_figures(tenant, opts, self.stdout)
        if opts["recalc_edits"]:
            figures += bench_recalc.recalculation_figures(
                tenant, user, edits=opts["recalc_edits"], seed=opts["seed"], period_from=first, period_through=current,
                log=self.stdout.write)
        if top is not None:
            if opts["recalc_edits"]:
                # The edits left ~6,000 dead line rows each; a server with autovacuum on (a deployment's, not
                # always a shared test server's) would have cleaned them long before: read what it would.
                bench.vacuum_tables([EarningLine, Statement])
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            url = reverse("compensation:statement_detail", kwargs={"tenant": tenant.slug, "pk": top.pk})
            queries = []

            def count(execute, sql, params, many, context):
                queries.append(sql)
                return execute(sql, params, many, context)

            # An execute wrapper survives the connection being closed/reopened around the request.
            with connection.execute_wrapper(count):
                response, wall = bench.timed(client.get, url)
            figures.append(bench.Figure("statement page", wall, bench.peak_mb(), None,
                                        f"HTTP {response.status_code}, {len(queries)} queries, "
                                        f"{top.n} lines on the statement"))
        if opts["engine_only"]:
            info = bench.machine()
            text = bench.markdown("python manage.py bench " + " ".join(sys.argv[2:]), info, figures, notes)
            self.stdout.write(text + f"\nload average: {os.getloadavg()}\n")
            return
        self.stdout.write(f"weighted forecast refresh over {opts['open_deals']:,} open deals…")
        wall, floor, detail = weighted_refresh_figure(n_open=opts["open_deals"], n_sellers=max(opts["sellers"], 10))
        figures.append(bench.Figure("weighted forecast refresh (in memory)", wall, bench.peak_mb(), floor, detail))
        figures.extend(territory_figures(opts["territory_accounts"], opts["territories"]))
        self.stdout.write(f"capacity scenario of {opts['capacity_sellers']:,} sellers…")
        cap = capacity_bench(tenant=tenant, actor=user, sellers=opts["capacity_sellers"])
        figures.append(bench.Figure(
            "capacity scenario recompute (read + engine)", cap["recompute"], bench.peak_mb(), None,
            f"{cap['sellers']:,} sellers, 3 segments, hires, 12 % attrition replaced; budget 1 s; capacity "
            f"{cap['capacity']}"))
        figures.append(bench.Figure(
            "quota allocation by capacity (largest remainder, 12 months)", cap["allocate"], bench.peak_mb(), None,
            f"{cap['members']:,} members (sellers and hire lines), exact to the cent"))
        if opts["import_rows"]:
            figures += bench_import.import_figures(rows=opts["import_rows"], log=self.stdout.write)
        self._write(opts, figures, notes)

    def _statement_page(self, opts):
        sizes = [int(s) for s in opts["statement_lines"].split(",") if s.strip()]
        load_before = bench.load_average()
        figures = statement_bench.figures(sizes=sizes, requests=opts["statement_requests"])
        info = {**bench.machine(), "load": f"{load_before} before, {bench.load_average()} after (1/5/15 min)"}
        self.stdout.write(statement_bench.write_section(
            opts["output"], "python manage.py bench " + " ".join(sys.argv[2:]), info, figures, []))

    def _write(self, opts, figures, notes):
        info = bench.machine()
        command = "python manage.py bench " + " ".join(sys.argv[2:])
        notes.append("peak memory is the process's maximum resident set so far (resource.getrusage), so it only grows.")
        text = bench.markdown(command.strip(), info, figures, notes)
        # Only the steps this run measured: the whole-pipeline run and `--only pipeline` have sections of their own.
        key = "pipeline-only" if opts["only"] == "pipeline" else "main"
        bench.replace_section(opts["output"], key, text)
        self.stdout.write(text)
        self.stdout.write(self.style.SUCCESS(f"written to {opts['output']}"))


def engine_figures(tenant, opts, stdout) -> list:
    """Issue 11: the set-based rater against the reference (no database, a 1 % sample of the deals)."""
    from compensation.engine.benchmark import rating_comparison

    figures = []
    sample = max(2000, opts["opportunities"] // 100)
    sellers = max(20, opts["sellers"] // 100)
    stdout.write(f"engine: reference vs set-based on {sample:,} deals / {sellers:,} sellers…")
    r = rating_comparison(sellers=sellers, deals=sample)
    floor = bench.rating_floor(r["lines"], sellers)
    figures.append(bench.Figure(
        "engine: reference (Fraction, per credit)", r["reference"], bench.peak_mb(), floor,
        f"{r['lines']:,} lines from {sample:,} synthetic deals; floor = pandas rating of as many credits"))
    figures.append(bench.Figure(
        "engine: set-based (compensation.engine.frames)", r["frames"], bench.peak_mb(), floor,
        f"same lines, explanations included; identical to the reference: {r['identical']}"))
    figures.append(bench.Figure(
        "engine: set-based, no explanation text", r["frames_no_text"], bench.peak_mb(), floor,
        "amounts, attainment and rates only (the text is what a page renders)"))
    return figures


def territory_figures(accounts: int, territories: int) -> list:
    """Issue 9: rule evaluation of N accounts into T territories (≤ 5 s at 50,000 × 200) and
    balancing them (≤ 30 s). Floor: one vectorised membership test per territory over the accounts
    (the least work any rule evaluation does)."""
    result = territory_bench.run(accounts=accounts, territories=territories)
    floor = territory_bench.mask_floor(accounts, territories)
    size = f"{accounts:,} accounts into {territories:,} territories"
    return [
        bench.Figure("territory rule evaluation", result["evaluate_s"], bench.peak_mb(), floor,
                     f"{size} (target ≤ 5 s); {result['gaps']:,} gaps, {result['overlaps']:,} overlaps; "
                     "floor = one np.isin per territory"),
        bench.Figure("territory balancing", result["balance_s"], bench.peak_mb(), None,
                     f"{size} (target ≤ 30 s); {result['moves']} moves, CV of potential per seller "
                     f"{result['cv_before']:.3f} → {result['cv_after']:.3f}"),
    ]
