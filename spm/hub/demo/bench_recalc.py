"""Bench step of issue 11 item 3: random deal edits through the API, each recalculated on commit.

Each edit is one PATCH of a won deal's amount through `/api/v1/t/<tenant>/deals/<id>/`; with eager Celery
the change feed's task (compensation.tasks.recalculate_after_change) runs in the request's on_commit, so
the response returns once the affected statements are rewritten (without a broker the task goes to the
in-process pool, which the step waits for): its wall time is "edit → statements updated". After the edits the stored lines and statements are compared with a full rerun of the same
months; any difference fails the step (CommandError).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from decimal import Decimal

import numpy as np
from django.core.management.base import CommandError
from django.test import Client

from compensation.models import CalculationRun, EarningLine, Statement
from compensation.services import calculation_request
from performance.models import Opportunity
from spm import background
from spm.hub.demo import bench
from spm.tenancy.context import tenant_scope
from spm.tenancy.db import tenant_atomic

LINE_COLUMNS = ("seller_id", "period", "position", "plan_name", "component", "kind", "opportunity_id",
                "deal_external_id", "credit_kind", "credit", "quota", "quota_period", "attainment_before",
                "attainment_after", "rate", "amount", "explanation", "explain", "adjustment_id")
STATEMENT_COLUMNS = ("seller_id", "period", "currency", "total", "status", "attainment")


def stored_results(tenant) -> tuple[str, int, int]:
    """(sha256, lines, statements) of every stored line and statement of the tenant, without ids, runs or
    timestamps, read in a total order in chunks (a million lines are never held at once)."""
    digest, counts = hashlib.sha256(), []
    with tenant_atomic(tenant):
        for model, columns in ((EarningLine, LINE_COLUMNS), (Statement, STATEMENT_COLUMNS)):
            n = 0
            for row in model.objects.order_by(*columns).values_list(*columns).iterator(chunk_size=20_000):
                digest.update(repr(row).encode())
                n += 1
            digest.update(b"|")
            counts.append(n)
    return digest.hexdigest(), *counts


def recalculation_figures(tenant, user, *, edits: int, seed: int, period_from: str, period_through: str,
                          log) -> list:
    """p50/p95/p99 of `edits` random API edits → statements updated, and the equality with a full rerun."""
    rng = random.Random(seed)
    with tenant_atomic(tenant):
        ids = list(Opportunity.objects.filter(is_won=True, close_date__gte=f"{period_from}-01")
                   .order_by("id").values_list("id", flat=True))
        first_run = CalculationRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if not ids:
        return []
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    log(f"recalculation: {edits} random deal edits through the API…")
    walls = []
    load_before = bench.load_average()
    for deal_id in (rng.choice(ids) for _ in range(edits)):
        with tenant_atomic(tenant):
            amount = Opportunity.objects.filter(pk=deal_id).values_list("amount", flat=True).get()
        delta = Decimal(rng.randint(-500_000, 500_000)).scaleb(-2)
        body = json.dumps({"amount": str(max(Decimal("0.01"), amount + delta))})
        started = time.perf_counter()
        response = client.patch(f"/api/v1/t/{tenant.slug}/deals/{deal_id}/", body, content_type="application/json")
        background.wait_idle()  # without a broker the request hands the task to the in-process pool
        walls.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise CommandError(f"deal edit answered {response.status_code}: {response.content[:300]!r}")
    load_after = bench.load_average()
    with tenant_atomic(tenant):
        recalcs = list(CalculationRun.objects.filter(pk__gt=first_run).values_list("status", "line_count",
                                                                                   "statement_count"))
    failed = [r for r in recalcs if r[0] != CalculationRun.Status.SUCCEEDED]
    if len(recalcs) != edits or failed:
        raise CommandError(f"{edits} edits made {len(recalcs)} recalculation runs, {len(failed)} not succeeded")
    incremental = stored_results(tenant)
    log("recalculation: full rerun to compare…")
    with tenant_scope(tenant):
        run, rerun_wall = bench.timed(calculation_request, period_from=period_from, period_through=period_through,
                                      requested_by=user)
    full = stored_results(tenant)
    if incremental != full:
        raise CommandError(f"after {edits} edits the stored results differ from a full rerun: {incremental[1]:,} "
                           f"lines / {incremental[2]:,} statements vs {full[1]:,} / {full[2]:,}, digests differ")
    walls.sort()
    # nearest rank (numpy's "inverted_cdf"): each figure is one of the measured edits
    p50, p95, p99 = np.percentile(walls, [50, 95, 99], method="inverted_cdf").tolist()
    lines = sorted(r[1] for r in recalcs)
    detail = (f"{edits} random amount edits (PATCH /api/v1/…/deals/<id>/), recalculation on commit (eager Celery); "
              f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {walls[-1] * 1000:.0f} ms "
              f"(target p95 ≤ 100 ms, p99 ≤ 300 ms); lines rewritten per edit median {lines[len(lines) // 2]:,}, "
              f"max {lines[-1]:,}; equal to a full rerun ({full[1]:,} lines, {full[2]:,} statements, sha256 of both, "
              f"rerun {rerun_wall:.2f} s): True; load {load_before} → {load_after}")
    return [bench.Figure("one deal edited through the API → statements updated (p95)", p95, bench.peak_mb(), None,
                         detail)]
