"""The pipeline-page step of `manage.py bench`: a manager over N open deals, p95 server time.

Builds its own tenant ("bench-pipeline"): one top manager (a user, role manager) over
``sellers`` reps in teams of 100 under team managers, ``open_deals`` open deals spread over
the reps (created up to 400 days ago, closing in the next 180 days or already slipped), a
quarter of that many closed deals with stage history, a bookings quota per rep for the current
quarter and recorded close-date moves for 5 % of the open deals. Everything is written with
``spm.db.bulk.bulk_insert`` (COPY); the pipeline summaries are then rolled (timed: what the daily
roll, or an import touching every owner, costs) and one deal is updated through the service (its
owner's summary refreshed in the same transaction). The manager's pipeline page, its two htmx
panels and the metrics API are then requested in-process (the Django test client: server time, no
network) five times cold (the app cache cleared before each) and ``requests`` times warm; the page
again right after each of five deal writes; one more page request with a product filter shows the
exact path the summaries replace. The floor is one ``GROUP BY owner`` aggregate over the same open
deals — the
least a page that totals them must read.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from performance.models import Opportunity, OpportunityHistory, PipelineStage, StageChange
from planning.models import Quota, Seller
from spm.db.bulk import bulk_insert
from spm.fiscal import quarter_key
from spm.roles import Role
from spm.services import membership_set, tenant_create_or_update
from spm.tenancy.db import owner_mode, tenant_atomic

STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation")
SLUG = "bench-pipeline"


def build(*, sellers: int, open_deals: int, seed: int, today: dt.date, wipe) -> tuple:
    """Create (or rebuild) the bench tenant; returns (tenant, manager user)."""
    rng = np.random.default_rng(seed)
    tenant = tenant_create_or_update(slug=SLUG, name="Bench Pipeline")
    user = get_user_model().objects.get_or_create(username=f"manager@{SLUG}.example",
                                                  defaults={"email": f"manager@{SLUG}.example"})[0]
    with tenant_atomic(tenant):
        wipe(tenant)
        membership_set(user=user, role=Role.MANAGER)
        bulk_insert(Seller, ["external_id", "name", "email", "role_type", "user_id", "team", "region"],
                    [("top", "Top Manager", "top@bench.example", "manager", user.pk, "", "")], tenant_id=tenant.pk)
        top = Seller.objects.get(external_id="top").pk
        n_teams = max(1, sellers // 100)
        bulk_insert(Seller, ["external_id", "name", "email", "role_type", "manager_id", "team", "region"],
                    [(f"m{t}", f"Manager {t}", f"m{t}@bench.example", "manager", top, f"Team {t}", f"R{t % 4}")
                     for t in range(n_teams)], tenant_id=tenant.pk)
        managers = dict(Seller.objects.filter(role_type="manager").exclude(pk=top).values_list("external_id", "id"))
        bulk_insert(Seller, ["external_id", "name", "email", "role_type", "manager_id", "team", "region", "segment", "hire_date"],
                    [(f"r{i}", f"Rep {i}", f"r{i}@bench.example", "AE", managers[f"m{i % n_teams}"], f"Team {i % n_teams}",
                      f"R{(i % n_teams) % 4}", ("SMB", "MM", "ENT")[i % 3], dt.date(2020, 1, 1)) for i in range(sellers)],
                    tenant_id=tenant.pk)
        reps = np.array(list(Seller.objects.filter(role_type="AE").order_by("id").values_list("id", flat=True)))
        bulk_insert(PipelineStage, ["name", "position", "probability", "is_closed", "is_won"],
                    [(s, i, Decimal("0.1") * (i + 1), False, False) for i, s in enumerate(STAGES)]
                    + [("Won", 9, Decimal(1), True, True), ("Lost", 10, Decimal(0), True, False)], tenant_id=tenant.pk)

        n_closed = open_deals // 4
        total = open_deals + n_closed
        owners = reps[rng.integers(0, len(reps), total)]
        amounts = np.round(rng.lognormal(9.5, 0.9, total), 2)
        age = rng.integers(0, 400, total)
        created = [today - dt.timedelta(days=int(a)) for a in age]
        stage_idx = rng.integers(0, len(STAGES), total)
        won = rng.random(n_closed) < 0.4
        rows = []
        for i in range(total):
            if i < open_deals:
                close = today + dt.timedelta(days=int(rng.integers(-30, 180)))
                rows.append((f"o{i}", int(owners[i]), Decimal(str(amounts[i])), "USD", STAGES[stage_idx[i]], False, False,
                             created[i], close, ("A", "B", "C")[i % 3]))
            else:
                j = i - open_deals
                close = min(today, created[i] + dt.timedelta(days=int(rng.integers(10, 120))))
                rows.append((f"o{i}", int(owners[i]), Decimal(str(amounts[i])), "USD", "Won" if won[j] else "Lost", True,
                             bool(won[j]), created[i], close, ("A", "B", "C")[i % 3]))
        bulk_insert(Opportunity, ["external_id", "owner_id", "amount", "currency", "stage", "is_closed", "is_won",
                                  "created_date", "close_date", "product"], rows, tenant_id=tenant.pk)
        ids = np.array(list(Opportunity.objects.order_by("id").values_list("id", flat=True)))
        # Stage history: every deal entered its current stage some days after creation; closed deals
        # passed through two stages first (completed stays give the stage norms).
        changes = []
        for i, pk in enumerate(ids):
            c = dt.datetime.combine(created[i], dt.time(), tzinfo=dt.UTC)
            if i < open_deals:
                changes.append((int(pk), "", STAGES[stage_idx[i]], c + dt.timedelta(days=int(age[i] // 2))))
            else:
                changes.append((int(pk), "", STAGES[0], c))
                changes.append((int(pk), STAGES[0], STAGES[2], c + dt.timedelta(days=int(rng.integers(3, 30)))))
                changes.append((int(pk), STAGES[2], rows[i][4], c + dt.timedelta(days=int(rng.integers(31, 60)))))
        bulk_insert(StageChange, ["opportunity_id", "from_stage", "to_stage", "changed_at"], changes, tenant_id=tenant.pk)
        moved = ids[: open_deals // 20]
        history = []
        for k, pk in enumerate(moved):
            r = rows[k]
            history.append((int(pk), today - dt.timedelta(days=60), r[4], r[2], "USD", r[8] - dt.timedelta(days=45), r[1],
                            "pipeline", False, False))
            history.append((int(pk), today - dt.timedelta(days=10), r[4], r[2], "USD", r[8], r[1], "pipeline", False, False))
        bulk_insert(OpportunityHistory, ["opportunity_id", "as_of", "stage", "amount", "currency", "close_date", "owner_id",
                                         "forecast_category", "is_closed", "is_won"], history, tenant_id=tenant.pk)
        q = quarter_key(today, tenant.fiscal_year_start_month)
        bulk_insert(Quota, ["seller_id", "measure", "period", "amount", "source"],
                    [(int(s), "bookings", q, Decimal("150000"), "manual") for s in reps], tenant_id=tenant.pk)
    # Fresh statistics, as autovacuum would gather them: ANALYZE must run as the tables' owner
    # (the application role is refused), so in owner mode.
    with owner_mode(), connection.cursor() as cursor:
        for table in (Seller, Opportunity, StageChange, OpportunityHistory, Quota):
            cursor.execute(f"ANALYZE {table._meta.db_table}")
    return tenant, user


def summaries_rebuild(tenant, today: dt.date) -> None:
    """What the daily roll (and an import touching every owner) does: every summary row, stage norms."""
    from performance.models import PipelineOwnerRollup, PipelinePanelSummary, PipelineSummary
    from performance.pipeline.summaries import pipeline_summaries_rebuild

    with tenant_atomic(tenant):
        pipeline_summaries_rebuild(as_of=today)
    # Fresh statistics for the rebuilt rows, as autovacuum gathers them after a roll (without them
    # the planner takes the tenant's 40,000 summary rows for a hundred and sorts instead of hashing).
    with owner_mode(), connection.cursor() as cursor:
        for model in (PipelineSummary, PipelinePanelSummary, PipelineOwnerRollup):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def one_deal_update(tenant) -> float:
    """One deal's amount changed through the service: its write, history, audit and the refresh of
    its owner's summary rows, in one transaction (seconds)."""
    from performance.services import opportunity_update

    with tenant_atomic(tenant):
        deal = Opportunity.objects.filter(is_closed=False).order_by("id").first()
        started = time.perf_counter()
        opportunity_update(opportunity=deal, amount=deal.amount + 1)
        return time.perf_counter() - started


def floor_seconds(tenant, repeat: int = 5) -> float:
    """Best of ``repeat`` runs of one GROUP BY owner over the tenant's open deals."""
    best = float("inf")
    with tenant_atomic(tenant), connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(f"SELECT owner_id, count(*), sum(amount) FROM {Opportunity._meta.db_table} "
                           "WHERE tenant_id = %s AND NOT is_closed GROUP BY owner_id", [tenant.pk])
            cursor.fetchall()
            best = min(best, time.perf_counter() - started)
    return best


def measure(*, tenant, user, requests: int, today: dt.date, cold_requests: int = 5) -> list[dict]:
    """Server time of the page, its panels and the metrics API: p95 of ``cold_requests`` cold
    requests (app cache cleared before each), then p50/p95 of ``requests`` warm ones; the most
    queries a cold request ran."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    query = f"?as_of={today.isoformat()}"
    targets = [
        ("pipeline page (manager)", reverse("performance:pipeline", kwargs={"tenant": tenant.slug}) + query),
        ("pipeline flow panel", reverse("performance:pipeline_flow", kwargs={"tenant": tenant.slug}) + query),
        ("pipeline risks panel", reverse("performance:pipeline_risks", kwargs={"tenant": tenant.slug}) + query),
        ("pipeline metrics API", f"/api/v1/t/{tenant.slug}/pipeline/metrics/{query}"),
    ]
    # A served process has its URLconf, templates, plotly and Babel loaded: warm those (not the
    # data) with one page narrowed to one team — another view, computed and cached under another
    # key — so "cold" measures reading and computing the figures, not a process's first imports.
    client.get(targets[0][1] + "&team=Team%200")
    out = []
    for name, url in targets:
        colds, n_queries = [], 0
        for _ in range(cold_requests):
            cache.clear()  # cold: nothing cached by an earlier request
            queries: list[str] = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            started = time.perf_counter()
            with connection.execute_wrapper(count):
                first = client.get(url)
            colds.append(time.perf_counter() - started)  # computes (and, for a large tenant, fills the cache)
            n_queries = max(n_queries, len(queries))
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        out.append({"name": name, "status": response.status_code, "first_status": first.status_code,
                    "cold": float(np.percentile(colds, 95)), "cold_p50": float(np.median(colds)), "colds": len(colds),
                    "p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95)),
                    "queries": n_queries, "requests": requests})
    return out


def exact_path_seconds(*, tenant, user, today: dt.date) -> float:
    """One page request the summaries do not serve (a product filter: the exact path over the
    deals, as on the first read of a day before its roll), app cache cleared."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    cache.clear()
    started = time.perf_counter()
    client.get(reverse("performance:pipeline", kwargs={"tenant": tenant.slug}) + f"?as_of={today.isoformat()}&product=A")
    return time.perf_counter() - started


def after_write_seconds(*, tenant, user, today: dt.date) -> list[float]:
    """The page right after a deal write (the summary refreshed, so nothing cached matches), five
    times: what a manager waits for when reloading after someone edited a deal."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = reverse("performance:pipeline", kwargs={"tenant": tenant.slug}) + f"?as_of={today.isoformat()}"
    client.get(url)
    out = []
    for _ in range(5):
        one_deal_update(tenant)
        started = time.perf_counter()
        client.get(url)
        out.append(time.perf_counter() - started)
    return out


def figures(*, open_deals: int, sellers: int, requests: int, seed: int, today: dt.date) -> list:
    """The bench figures of this step (``spm.hub.demo.bench.Figure``), floor measured in the same run."""
    from spm.hub.demo import bench

    (tenant, user), wall = bench.timed(build, sellers=sellers, open_deals=open_deals, seed=seed, today=today,
                                       wipe=bench.wipe_tenant_rows)
    out = [bench.Figure("pipeline bench data (COPY)", wall, bench.peak_mb(), None,
                        f"{sellers:,} reps, {open_deals:,} open + {open_deals // 4:,} closed deals, stage history, quotas")]
    _, rebuild = bench.timed(summaries_rebuild, tenant, today)
    floor = floor_seconds(tenant)
    out.append(bench.Figure("pipeline summaries rebuild (daily roll)", rebuild, bench.peak_mb(), floor,
                            f"every owner's summary rows and the stage norms from {open_deals + open_deals // 4:,} deals "
                            f"and their stage history; floor = one GROUP BY owner over the open deals ({floor * 1000:.0f} ms)"))
    updates = [one_deal_update(tenant) for _ in range(5)]
    out.append(bench.Figure("one deal update incl. summary refresh (p50 of 5)", float(np.median(updates)), bench.peak_mb(),
                            None, "opportunity_update of an open deal: write, stage history, audit, its owner's summary rows"))
    for m in measure(tenant=tenant, user=user, requests=requests, today=today):
        out.append(bench.Figure(
            f"{m['name']}, cold p95 of {m['colds']}", m["cold"], bench.peak_mb(), floor,
            f"HTTP {m['first_status']}; app cache cleared before each request (process warmed by another view): "
            f"p50 {m['cold_p50'] * 1000:.0f} ms, p95 {m['cold'] * 1000:.0f} ms, {m['queries']} queries; then warm "
            f"p50 {m['p50'] * 1000:.0f} ms, p95 {m['p95'] * 1000:.0f} ms over {m['requests']} requests; "
            f"{open_deals:,} open deals in the manager's subtree; floor = one GROUP BY owner over them "
            f"({floor * 1000:.0f} ms)"))
    after = after_write_seconds(tenant=tenant, user=user, today=today)
    out.append(bench.Figure("pipeline page right after a deal write (p95 of 5)", float(np.percentile(after, 95)),
                            bench.peak_mb(), floor,
                            f"p50 {np.median(after) * 1000:.0f} ms, max {max(after) * 1000:.0f} ms; each write "
                            "refreshed the owner's summary rows, so nothing cached matches"))
    exact = exact_path_seconds(tenant=tenant, user=user, today=today)
    out.append(bench.Figure("pipeline page, product filter (exact path, once)", exact, bench.peak_mb(), floor,
                            "not served by the summaries: one aggregate over the subtree's deals (a third carry product A)"))
    return out
