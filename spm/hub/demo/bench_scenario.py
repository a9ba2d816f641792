"""Bench step of `load_scenario` (issue 11 item 2): a synthetic scenario of N deals / N/100 sellers in memory.

Three timed loads into a fresh tenant: the first creates everything, the second finds everything
unchanged, the third changes 1 % of the deals (amount, and every tenth of those its stage) and 1 % of the
plan assignments (target incentive). Every seller is assigned to the one plan of the file (a realistic
file assigns everyone; until 2026-12-03 the bench file had no plan and no assignments).
Validation is included in every figure (scenario_load validates the whole file before writing); the
change feed rows are written, but the recalculation they trigger (a Celery task after commit) is not timed.
"""

from __future__ import annotations

import datetime as dt
import random

from compensation.models import PlanAssignment
from performance.models import Opportunity, OpportunitySplit, StageChange
from planning.models import Quota, Seller
from spm import changes
from spm.hub.demo import bench
from spm.hub.scenarios import scenario_load
from spm.models import AuditEvent, InputChange, Tenant
from spm.tenancy.db import tenant_atomic

KEY = "scenario-loading"
SECTION = "## Scenario loading (issue 11): load_scenario set-based"
SLUG = "bench-scenario"


def scenario_dict(*, deals: int, seed: int = 11) -> dict:
    """N deals across max(1, N // 100) sellers (one manager per 10), a quota per seller and month of 2027,
    one plan and every seller assigned to it for 2027."""
    rng = random.Random(seed)
    n_sellers = max(1, deals // 100)
    sellers = []
    for i in range(n_sellers):
        rec = {"id": f"S-{i}", "name": f"Seller {i}", "role_type": "manager" if i % 10 == 0 else "AE",
               "region": ("EMEA", "AMER", "APAC")[i % 3]}
        if i % 10:
            rec["manager"] = f"S-{i - i % 10}"
        sellers.append(rec)
    quotas = [{"seller": f"S-{i}", "period": f"2027-{m:02d}", "amount": "50000"}
              for i in range(n_sellers) for m in range(1, 13)]
    start = dt.date(2027, 1, 1)
    out = []
    for i in range(deals):
        owner = rng.randrange(n_sellers)
        won = rng.random() < 0.6
        rec = {"id": f"D-{i}", "owner": f"S-{owner}", "amount": f"{rng.randrange(1000, 200000)}.{rng.randrange(100):02d}",
               "close_date": (start + dt.timedelta(days=rng.randrange(365))).isoformat(),
               "stage": "closed_won" if won else rng.choice(["prospecting", "negotiation", "closed_lost"])}
        if i % 5 == 0 and n_sellers > 1:
            other = (owner + 1) % n_sellers
            rec["splits"] = [{"seller": f"S-{owner}", "pct": 60}, {"seller": f"S-{other}", "pct": 40}]
        out.append(rec)
    plan = {"name": "AE FY2027", "currency": "USD", "components": [{
        "name": "New business", "type": "commission", "measure": {"deal_types": ["new_logo", "expansion"]},
        "quota": {"measure": "bookings", "period": "month"}, "basis": "credit", "method": "marginal",
        "tiers": [{"upto": 1.0, "rate": "0.10"}, {"rate": "0.15"}]}]}
    assignments = [{"seller": f"S-{i}", "plan": plan["name"], "from": "2027-01-01", "to": "2027-12-31",
                    "target_incentive": "60000"} for i in range(n_sellers)]
    return {"tenant": {"name": "Bench Scenario", "currency": "USD", "fiscal_year_start_month": 1},
            "sellers": sellers, "plans": [plan], "assignments": assignments, "quotas": quotas, "deals": out}


def _wipe() -> None:
    """Delete the previous run's rows and VACUUM FULL the tables the load writes (untimed), so that every
    first load inserts into compact tables without its predecessor's dead rows."""
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is not None:
        with tenant_atomic(tenant):
            bench.wipe_tenant_rows(tenant)
    bench.vacuum_tables([Seller, PlanAssignment, Quota, Opportunity, OpportunitySplit, StageChange, InputChange, AuditEvent], full=True)


def scenario_figures(*, deals: int, log=print) -> list[bench.Figure]:
    log(f"scenario load: building {deals:,} deals / {max(1, deals // 100):,} sellers in memory…")
    data = scenario_dict(deals=deals)
    _wipe()
    rows = len(data["sellers"]) + len(data["assignments"]) + len(data["quotas"]) + deals + sum(len(d.get("splits", [])) for d in data["deals"])
    tenant = Tenant.objects.filter(slug=SLUG).first()
    figures = []

    def counts(report, kind):
        c = report.counts.get(kind, {})
        return f"{c.get('created', 0):,}/{c.get('updated', 0):,}/{c.get('unchanged', 0):,}"

    for label, mutate in (("first load (all new)", None), ("second load (all unchanged)", None),
                          ("third load (1 % of deals changed)", True)):
        if mutate:
            for i, d in enumerate(data["deals"][:: 100]):
                d["amount"] = "999.99"
                if i % 10 == 0:
                    d["stage"] = "negotiation" if d["stage"] == "closed_won" else "closed_won"
            for a in data["assignments"][:: 100]:
                a["target_incentive"] = "65000"
        log(f"scenario load: {label}…")
        listeners = list(changes._subscribers)
        changes._subscribers.clear()  # the recalculation it triggers is a Celery task after commit, not the load
        try:
            report, wall = bench.timed(scenario_load, data=data, tenant_slug=SLUG)
        finally:
            changes._subscribers.extend(listeners)
        if tenant is None:
            tenant = Tenant.objects.get(slug=SLUG)
        with tenant_atomic(tenant):
            floor = bench.copy_floor(rows)
        figures.append(bench.Figure(
            f"load_scenario {deals:,} deals: {label}", wall, bench.peak_mb(), floor,
            f"deals c/u/u {counts(report, 'deals')}, sellers {counts(report, 'sellers')}, "
            f"assignments {counts(report, 'assignments')}, quotas {counts(report, 'quotas')}; "
            f"{rows:,} rows (sellers, assignments, quotas, deals, splits); floor = COPY of as many rows"))
    _wipe()
    return figures


def write_section(path, command: str, info: dict[str, str], figures: list[bench.Figure]) -> str:
    """Replace (or add) this step's section of the benchmarks file, keeping every other section."""
    lines = [SECTION, "", f"Command: `{command}` — run on {info['date']}, {info['cpus']} CPUs, "
             f"PostgreSQL {info['postgresql']}. Target (issue 11): 10,000 sellers / 1,000,000 deals ≤ 60 s, "
             "validated, all-or-nothing, one audit record per load. Counts are created/updated/unchanged. "
             "Validation and the change-feed rows are included; the recalculation they trigger (a Celery task) is not.", "",
             "| step | wall | peak memory | floor | ratio | detail |", "|---|---:|---:|---:|---:|---|"]
    for f in figures:
        floor = f"{f.floor:.2f} s" if f.floor else "–"
        lines.append(f"| {f.name} | {f.wall:.2f} s | {f.peak_mb:.0f} MB | {floor} | {f.ratio} | {f.detail} |")
    section = "\n".join(lines) + "\n"
    bench.replace_section(path, KEY, section, legacy_heading=SECTION)
    return section
