"""A deterministic, realistic demo company, generated in numpy and written in bulk.

Shape (for ``sellers=N``): one VP of Sales → four regional managers (NA East, NA West, EMEA,
APAC) → ~N/8 team managers (each owning one region × segment territory) → AEs, SDRs and CSMs.
Accounts spread over regions, countries and industries; opportunities over the five fiscal
quarters before the current one, the current one and the next (open pipeline), each with a stage
history; quarterly and yearly bookings quotas derived from what the segment actually books (so
attainment is realistic, ~70–130 %); an AE plan and a manager (roll-up) plan with assignments.

Everything random comes from one ``numpy.random.Generator(seed)`` and the reference date, so a
seed gives the same company every time. No per-row query: rows are built as tuples and written
with :func:`spm.db.bulk.bulk_insert` (COPY on PostgreSQL) — it scales to 10,000
sellers and 1,000,000 opportunities.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from performance.activities.models import Activity
from performance.forecasting.models import ForecastOverride, ForecastSubmission
from performance.models import (
    Opportunity,
    OpportunityEvent,
    OpportunityHistory,
    OpportunitySplit,
    PipelineStage,
    StageChange,
)
from performance.pipeline.summaries import pipeline_summaries_rebuild
from planning.models import Account, Quota, Seller, Territory, TerritoryPlan
from spm.db.bulk import bulk_insert, id_map
from spm.fiscal import quarter_bounds, quarter_key, shift_month
from spm.hub.demo.forecast_calls import forecast_calls
from spm.models import FxRate, Tenant
from spm.tenancy.db import tenant_atomic

REGIONS = ["NA East", "NA West", "EMEA", "APAC"]
REGION_WEIGHTS = np.array([0.30, 0.25, 0.30, 0.15])
SEGMENTS = ["SMB", "Mid-Market", "Enterprise"]
SEGMENT_WEIGHTS = np.array([0.50, 0.32, 0.18])
# (country, city, latitude, longitude) per region.
CITIES = {
    "NA East": [("United States", "New York", 40.71, -74.01), ("United States", "Boston", 42.36, -71.06),
                ("United States", "Atlanta", 33.75, -84.39), ("United States", "Chicago", 41.88, -87.63),
                ("United States", "Miami", 25.76, -80.19), ("Canada", "Toronto", 43.65, -79.38)],
    "NA West": [("United States", "San Francisco", 37.77, -122.42), ("United States", "Seattle", 47.61, -122.33),
                ("United States", "Los Angeles", 34.05, -118.24), ("United States", "Denver", 39.74, -104.99),
                ("United States", "Austin", 30.27, -97.74), ("Canada", "Vancouver", 49.28, -123.12)],
    "EMEA": [("United Kingdom", "London", 51.51, -0.13), ("United Kingdom", "Manchester", 53.48, -2.24),
             ("Germany", "Berlin", 52.52, 13.40), ("Germany", "Munich", 48.14, 11.58), ("France", "Paris", 48.86, 2.35),
             ("Netherlands", "Amsterdam", 52.37, 4.90), ("Spain", "Madrid", 40.42, -3.70),
             ("Ireland", "Dublin", 53.35, -6.26), ("Sweden", "Stockholm", 59.33, 18.07),
             ("United Arab Emirates", "Dubai", 25.20, 55.27), ("South Africa", "Johannesburg", -26.20, 28.05)],
    "APAC": [("Japan", "Tokyo", 35.68, 139.69), ("Australia", "Sydney", -33.87, 151.21),
             ("Singapore", "Singapore", 1.35, 103.82), ("India", "Bengaluru", 12.97, 77.59),
             ("South Korea", "Seoul", 37.57, 126.98), ("New Zealand", "Auckland", -36.85, 174.76)],
}
EUR_COUNTRIES = {"Germany", "France", "Netherlands", "Spain", "Ireland"}
INDUSTRIES = ["Software", "Financial services", "Healthcare", "Manufacturing", "Retail", "Logistics",
              "Telecommunications", "Energy", "Education", "Media", "Insurance", "Public sector"]
NAME_A = ["Blue", "North", "Silver", "Bright", "Iron", "Red", "Green", "Summit", "Harbor", "Pioneer", "Vertex",
          "Atlas", "Cedar", "Granite", "Falcon", "Orbit", "Nova", "Polar", "Crescent", "Evergreen", "Quantum",
          "Sterling", "Maple", "Coastal", "Golden", "Prairie", "Alpine", "Lunar", "Solar", "Crystal"]
NAME_B = ["wind", "star", "field", "stone", "bridge", "point", "gate", "ridge", "wave", "peak", "leaf", "line",
          "path", "works", "forge", "light", "brook", "crest", "vale", "port"]
NAME_C = ["Systems", "Labs", "Group", "Holdings", "Analytics", "Logistics", "Health", "Foods", "Energy",
          "Networks", "Partners", "Industries", "Capital", "Retail", "Media", "Dynamics"]
FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James", "Mia",
         "Lucas", "Amelia", "Mateo", "Harper", "Ethan", "Evelyn", "Aiden", "Aria", "Kenji", "Priya", "Arjun",
         "Chloe", "Daniel", "Fatima", "Omar", "Grace", "Hugo", "Ingrid", "Jonas", "Keiko", "Leila", "Marco",
         "Nadia", "Oscar", "Paula", "Quinn", "Rafael", "Sara", "Tomas", "Uma", "Victor", "Wen", "Yara", "Zoe",
         "Amara", "Bruno", "Carmen", "Dmitri", "Elena", "Felix", "Hana", "Ivan", "Julia", "Kofi", "Lena"]
LAST = ["Smith", "Garcia", "Chen", "Müller", "Johnson", "Okafor", "Rossi", "Tanaka", "Kowalski", "Dubois",
        "Nguyen", "Patel", "Silva", "Andersson", "Brown", "Kim", "Murphy", "Novak", "Haddad", "Schmidt",
        "Lopez", "Ivanova", "Jensen", "Costa", "Walker", "Sato", "Fischer", "Moreau", "Reyes", "O'Brien",
        "Hughes", "Lindqvist", "Bauer", "Khan", "Mendes", "Petrov", "Wright", "Yilmaz", "Zhang", "Adeyemi"]
STAGES = ["prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
CLOSED_STAGES = {"closed_won", "closed_lost"}
# The tenant's PipelineStage rows: (probability, is_closed, is_won) — they weight the pipeline.
STAGE_SETTINGS = {"prospecting": ("0.1", False, False), "qualification": ("0.2", False, False),
                  "proposal": ("0.4", False, False), "negotiation": ("0.6", False, False),
                  "closed_won": ("1", True, True), "closed_lost": ("0", True, False)}
# The forecast category a deal carries in a stage (its history rows before the latest).
STAGE_CATEGORY = {"prospecting": "pipeline", "qualification": "pipeline", "proposal": "best_case",
                  "negotiation": "commit", "closed_won": "closed", "closed_lost": "omitted"}
# Problems for the Perform pillar to find (issue 14): a region whose win rate stays low (so it
# stays under plan), a sandbagging rep, a deal stuck in one stage for months.
UNDER_PLAN_REGION = "NA West"
UNDER_PLAN_WIN_FACTOR = 0.6
SLIPPED_SHARE = 0.15  # deals whose expected close date was pushed out 2–8 weeks once
SHRUNK_SHARE = 0.06  # deals whose amount was cut once
AMOUNT_MEDIAN = {"SMB": 16000.0, "Mid-Market": 48000.0, "Enterprise": 140000.0}
CYCLE_DAYS = {"SMB": 35.0, "Mid-Market": 70.0, "Enterprise": 120.0}
TARGET_INCENTIVE = {"AE": {"SMB": 40000, "Mid-Market": 60000, "Enterprise": 90000}, "CSM": 30000,
                    "team": 50000, "region": 80000, "vp": 120000}


@dataclass
class DemoReport:
    tenant: Tenant
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    window: tuple[dt.date, dt.date] | None = None
    # The planted problems: {"sandbagger": seller external id, "stuck_deal": deal external id,
    # "under_plan_region": region}.
    problems: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{k:>16}: {v:,}" for k, v in self.counts.items()]
        out.append("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items()))
        return out


# --- calendar helpers (the demo tenants keep a January fiscal start; see spm.fiscal) -----------
def quarter_start(d: dt.date) -> dt.date:
    return quarter_bounds(d)[0]


def demo_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """First day of the quarter five quarters back, last day of the next quarter."""
    cq = quarter_start(today)
    return shift_month(cq, -15), shift_month(cq, 6) - dt.timedelta(days=1)


def _d64(d: dt.date) -> np.datetime64:
    return np.datetime64(d, "D")


def _to_dates(arr: np.ndarray) -> list[dt.date]:
    return arr.astype("datetime64[D]").astype(object).tolist()


def _quarter_end64(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[M]")
    m = months.astype(int) % 12
    q_last_month = months + (2 - m % 3)
    return (q_last_month + 1).astype("datetime64[D]") - 1


# --- the company ---------------------------------------------------------------------------
@dataclass
class _Seller:
    ext: str
    name: str
    role_type: str
    title: str
    segment: str
    region: str
    manager: str | None
    hire: dt.date
    end: dt.date | None = None
    skill: float = 1.0
    team: str = ""  # a team manager and their reports share one; the managers above them have none


def _allocate(total: int, weights: np.ndarray, minimum: int = 1) -> list[int]:
    raw = weights / weights.sum() * total
    counts = np.maximum(np.floor(raw).astype(int), minimum)
    while counts.sum() < total:
        counts[int(np.argmax(raw - counts))] += 1
    while counts.sum() > total:
        counts[int(np.argmax(counts))] -= 1
    return counts.tolist()


def build_sellers(rng: np.random.Generator, n: int, today: dt.date, start: dt.date) -> list[_Seller]:
    if n < 13:
        raise ValueError("--sellers must be at least 13 (a VP, four regional and four team managers, four ICs)")
    n_tm = max(4, round((n - 5) / 8))
    n_ic = n - 5 - n_tm
    names = [f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]}" for i in rng.permutation(n * 3)[:n]]
    seen: dict[str, int] = defaultdict(int)
    uniq = []
    for nm in names:
        seen[nm] += 1
        uniq.append(nm if seen[nm] == 1 else f"{nm} {seen[nm]}")
    names = iter(uniq)

    def days_before(d: dt.date, lo: int, hi: int) -> dt.date:
        return d - dt.timedelta(days=int(rng.integers(lo, hi)))

    out = [_Seller("S0001", next(names), "manager", "VP of Sales", "", "", None, days_before(start, 700, 1500))]
    region_mgr = {}
    for i, region in enumerate(REGIONS):
        ext = f"S{i + 2:04d}"
        region_mgr[region] = ext
        out.append(_Seller(ext, next(names), "manager", f"Regional VP {region}", "", region, "S0001",
                           days_before(start, 300, 1400)))
    teams = []
    counter = len(out)
    per_region = _allocate(n_tm, REGION_WEIGHTS)
    bases = Counter(f"{region} {SEGMENTS[j % 3]}" for region, k in zip(REGIONS, per_region, strict=True)
                    for j in range(k))
    numbered: dict[str, int] = defaultdict(int)
    for region, k in zip(REGIONS, per_region, strict=True):
        for j in range(k):
            counter += 1
            ext = f"S{counter:04d}"
            segment = SEGMENTS[j % 3]
            base = f"{region} {segment}"
            numbered[base] += 1
            team = base if bases[base] == 1 else f"{base} {numbered[base]}"
            teams.append((ext, region, segment, team))
            out.append(_Seller(ext, next(names), "manager", f"Sales Manager {region} {segment}", segment, region,
                               region_mgr[region], days_before(start, 120, 1200), team=team))
    team_of = np.arange(n_ic) % n_tm
    pos = np.arange(n_ic) // n_tm
    roles = rng.choice(["AE", "SDR", "CSM"], size=n_ic, p=[0.62, 0.20, 0.18])
    roles[pos == 0] = "AE"
    new_hire = rng.random(n_ic) < 0.12
    hire_offsets = np.where(new_hire, rng.integers(0, max(1, (today - start).days - 75), n_ic),
                            -rng.integers(30, 4 * 365, n_ic))
    leaver = (rng.random(n_ic) < 0.05) & ~new_hire & (pos > 0)
    if n_ic >= 10 and not leaver.any():
        leaver[np.flatnonzero((pos > 0) & ~new_hire)[:1]] = True
    end_offsets = rng.integers(90, max(91, (today - start).days - 30), n_ic)
    skill = rng.lognormal(0.0, 0.3, n_ic)
    order = np.argsort(team_of, kind="stable")
    for i in order:
        counter += 1
        tm_ext, region, segment, team = teams[team_of[i]]
        role = str(roles[i])
        title = {"AE": f"Account Executive, {segment}", "SDR": "Sales Development Rep",
                 "CSM": "Customer Success Manager"}[role]
        out.append(_Seller(f"S{counter:04d}", next(names), role, title, segment, region, tm_ext,
                           start + dt.timedelta(days=int(hire_offsets[i])),
                           start + dt.timedelta(days=int(end_offsets[i])) if leaver[i] else None, float(skill[i]),
                           team=team))
    return out


def _email(name: str, ext: str, domain: str) -> str:
    local = "".join(ch for ch in name.lower().replace(" ", ".") if ch.isascii() and (ch.isalnum() or ch == "."))
    return f"{local}.{ext.lower()}@{domain}"


# Contract terms in months by deal type: (terms, probabilities). Most contracts run a year; new logos and
# renewals often sign for two or three, so commission accounting (ASC 340-40) capitalises part of the
# commissions; expansions usually co-term with the current contract.
CONTRACT_TERMS = {"new_logo": ((12, 24, 36), (0.55, 0.2, 0.25)), "expansion": ((12, 24), (0.8, 0.2)),
                  "renewal": ((12, 24, 36), (0.5, 0.15, 0.35))}


def _contract_terms(rng: np.random.Generator, deal_types: list[str]) -> list[int]:
    """One term per deal. A generator of its own, so adding terms left every other generated value as it was."""
    cumulative = {k: (terms, np.cumsum(p).tolist()) for k, (terms, p) in CONTRACT_TERMS.items()}
    out = []
    for deal_type, u in zip(deal_types, rng.random(len(deal_types)).tolist(), strict=True):
        terms, upto = cumulative[deal_type]
        out.append(terms[min(bisect_right(upto, u), len(terms) - 1)])
    return out


def generate_company(*, tenant: Tenant, sellers: int = 60, accounts: int = 1200, opportunities: int = 9000,
                     seed: int = 7, today: dt.date | None = None, with_plans: bool = True) -> DemoReport:
    """Generate the whole company into `tenant` (which must hold no sellers yet), in one transaction.

    Raises ValueError when the tenant already has sellers or the sizes are too small.
    """
    today = today or dt.date.today()
    rng = np.random.default_rng(seed)
    start, end_next = demo_window(today)
    report = DemoReport(tenant=tenant, window=(start, end_next))
    domain = f"{tenant.slug}.example"
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = now - clock
        clock = now

    with tenant_atomic(tenant):
        if Seller.objects.exists():
            raise ValueError(f"tenant {tenant.slug!r} already has sellers: generate into an empty tenant")
        people = build_sellers(rng, sellers, today, start)
        by_ext = {p.ext: p for p in people}
        # Managers first, level by level, so every manager_id is known when its reports are written.
        levels: list[list[_Seller]] = [[], [], [], []]
        for p in people:
            lvl = 0 if p.manager is None else 1 if by_ext[p.manager].manager is None else (
                2 if p.role_type == "manager" else 3)
            levels[lvl].append(p)
        seller_ids: dict[str, int] = {}
        for lvl in levels:
            bulk_insert(Seller, ["external_id", "name", "email", "role_type", "title", "segment", "region", "team",
                                 "manager_id", "hire_date", "end_date"],
                        ((p.ext, p.name, _email(p.name, p.ext, domain), p.role_type, p.title, p.segment, p.region,
                          p.team, seller_ids.get(p.manager), p.hire, p.end) for p in lvl), tenant_id=tenant.pk)
            seller_ids = id_map(Seller)
        report.counts["sellers"] = len(people)
        report.counts["leavers"] = sum(1 for p in people if p.end)
        lap("sellers")

        # Territories: one per team manager (region × segment).
        teams = list(levels[2])
        terr_rows, seen_names = [], defaultdict(int)
        for tm in teams:
            base = f"{tm.region} {tm.segment}"
            seen_names[base] += 1
            terr_rows.append((f"{base} {seen_names[base]}", tm.region, seller_ids[tm.ext],
                              {"regions": [tm.region], "segments": [tm.segment]}))
        plan = TerritoryPlan.objects.create(name=f"Territories {today.year}",
                                            description="One territory per team manager (region × segment).")
        bulk_insert(Territory, ["plan_id", "name", "region", "owner_id", "rules"],
                    [(plan.pk, n, r, o, json.dumps(rules)) for n, r, o, rules in terr_rows], tenant_id=tenant.pk)
        terr_ids = id_map(Territory, "name")
        terr_by_group: dict[tuple[str, str], list[int]] = defaultdict(list)
        for (name, region, _o, rules), _tm in zip(terr_rows, teams, strict=True):
            terr_by_group[(region, rules["segments"][0])].append(terr_ids[name])
        report.counts["territories"] = len(terr_rows)

        acc = _accounts(rng, accounts, terr_by_group)
        bulk_insert(Account, ["external_id", "name", "industry", "country", "region", "employees", "annual_revenue",
                              "latitude", "longitude", "territory_id"], acc["rows"], tenant_id=tenant.pk)
        acc_ids = id_map(Account)
        report.counts["accounts"] = len(acc["rows"])
        lap("accounts")

        opp = _opportunities(rng, opportunities, people, acc, today, start, end_next)
        terms = _contract_terms(np.random.default_rng([seed, 34040]), [row[8] for row in opp["rows"]])
        bulk_insert(Opportunity, ["external_id", "name", "account_id", "owner_id", "amount", "currency", "stage",
                                  "is_closed", "is_won", "forecast_category", "deal_type", "created_date", "close_date",
                                  "contract_term_months"],
                    ((ext, name, acc_ids[a], seller_ids[o], amt, cur, st, st in CLOSED_STAGES, st == "closed_won", fc, dtp,
                      cd, cl, term)
                     for (ext, name, a, o, amt, cur, st, fc, dtp, cd, cl), term in zip(opp["rows"], terms, strict=True)),
                    tenant_id=tenant.pk)
        opp_ids = id_map(Opportunity)
        report.counts["opportunities"] = len(opp["rows"])
        lap("opportunities")
        report.counts["stage_changes"] = bulk_insert(
            StageChange, ["opportunity_id", "from_stage", "to_stage", "changed_at"],
            ((opp_ids[ext], fr, to, at) for ext, fr, to, at in opp["stage_changes"]), tenant_id=tenant.pk)
        lap("stage_changes")
        report.counts["pipeline_stages"] = bulk_insert(
            PipelineStage, ["name", "position", "probability", "is_closed", "is_won"],
            [(name, pos, Decimal(p), c, w) for pos, (name, (p, c, w)) in enumerate(STAGE_SETTINGS.items(), start=1)],
            tenant_id=tenant.pk)
        report.counts["history_rows"] = bulk_insert(
            OpportunityHistory, ["opportunity_id", "as_of", "stage", "amount", "currency", "close_date", "owner_id",
                                 "forecast_category", "is_closed", "is_won"],
            ((opp_ids[ext], d, st, amt, cur, cl, seller_ids[o], fc, c, w)
             for ext, d, st, amt, cur, cl, o, fc, c, w in opp["history"]), tenant_id=tenant.pk)
        report.problems = opp["problems"]
        lap("history")
        report.counts["splits"] = bulk_insert(
            OpportunitySplit, ["opportunity_id", "seller_id", "pct"],
            [(opp_ids[ext], seller_ids[s], pct) for ext, s, pct in opp["splits"]], tenant_id=tenant.pk)
        report.counts["activities"] = bulk_insert(
            Activity, ["owner_id", "kind", "occurred_on", "subject", "external_id", "created_at"],
            ((seller_ids[o], kind, day, subject, ext, created) for o, kind, day, subject, ext, created
             in _activities(np.random.default_rng(seed + 101), people, [row[1] for row in acc["rows"]], start, today)),
            tenant_id=tenant.pk)  # its own random stream: adding activities changed no other figure
        report.counts["churn_events"] = bulk_insert(
            OpportunityEvent, ["opportunity_id", "type", "date"],
            [(opp_ids[ext], "churn", d) for ext, d in opp["churn"]], tenant_id=tenant.pk)
        report.counts["fx_rates"] = bulk_insert(FxRate, ["currency", "rate_to_base", "effective_from"],
                                                _fx_rows(rng, start, today), tenant_id=tenant.pk)
        report.counts["multi_currency_deals"] = opp["foreign"]
        pipeline_summaries_rebuild()  # the pipeline page's summary and stage norms, as an import leaves them
        lap("pipeline_summaries")

        quotas = _quotas(people, opp["won"], start, today)
        report.counts["quotas"] = bulk_insert(Quota, ["seller_id", "measure", "period", "amount", "source"],
                                              [(seller_ids[s], "bookings", k, amt, "manual") for (s, k), amt in quotas.items()],
                                              tenant_id=tenant.pk)
        lap("quotas_fx")
        open_commit = [(o, cl, amt) for _e, _n, _a, o, amt, _c, st, fc, _d, _cd, cl in opp["rows"]
                       if st not in CLOSED_STAGES and fc == "commit"]
        submissions, overrides = forecast_calls(rng, people=people, won=opp["won"], open_commit=open_commit, start=start,
                                                today=today, fy_start_month=tenant.fiscal_year_start_month)
        report.counts["forecast_submissions"] = bulk_insert(
            ForecastSubmission, ["seller_id", "period", "commit", "best_case", "note", "submitted_at"],
            [(seller_ids[s], *rest) for s, *rest in submissions], tenant_id=tenant.pk)
        report.counts["forecast_overrides"] = bulk_insert(
            ForecastOverride, ["seller_id", "period", "commit", "best_case", "note", "created_at"],
            [(seller_ids[s], *rest) for s, *rest in overrides], tenant_id=tenant.pk)
        lap("forecast_calls")
        if with_plans:
            report.counts["plan_assignments"] = _plans(people, start, today)
            lap("plans")
    return report


def _accounts(rng, n: int, terr_by_group) -> dict:
    region_idx = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    seg_idx = rng.choice(3, size=n, p=SEGMENT_WEIGHTS)
    lo = np.array([10, 200, 2000])[seg_idx]
    hi = np.array([199, 1999, 60000])[seg_idx]
    employees = np.clip(np.exp(rng.uniform(np.log(lo), np.log(hi))), lo, hi).astype(int)
    revenue = np.round(employees * rng.lognormal(np.log(180000), 0.5, n), -3)
    industries = rng.integers(0, len(INDUSTRIES), n)
    city_pick = rng.random(n)
    jitter = rng.normal(0, 0.08, (n, 2))
    name_idx = rng.permutation(len(NAME_A) * len(NAME_B) * len(NAME_C))
    rows, meta = [], []
    group_rr: dict[tuple[str, str], int] = defaultdict(int)
    for i in range(n):
        region = REGIONS[region_idx[i]]
        segment = SEGMENTS[seg_idx[i]]
        cities = CITIES[region]
        country, _city, lat, lon = cities[int(city_pick[i] * len(cities))]
        k = int(name_idx[i % len(name_idx)])
        a, rest = divmod(k, len(NAME_B) * len(NAME_C))
        b, c = divmod(rest, len(NAME_C))
        name = f"{NAME_A[a]}{NAME_B[b]} {NAME_C[c]}" + (f" {i // len(name_idx) + 1}" if i >= len(name_idx) else "")
        terrs = terr_by_group.get((region, segment))
        terr = None
        if terrs:
            terr = terrs[group_rr[(region, segment)] % len(terrs)]
            group_rr[(region, segment)] += 1
        ext = f"A{i + 1:06d}"
        rows.append((ext, name, INDUSTRIES[industries[i]], country, region, int(employees[i]),
                     Decimal(int(revenue[i])), Decimal(f"{lat + jitter[i, 0]:.6f}"), Decimal(f"{lon + jitter[i, 1]:.6f}"), terr))
        meta.append((ext, name, region, segment, country))
    return {"rows": rows, "meta": meta}


def _opportunities(rng, n: int, people: list[_Seller], acc: dict, today: dt.date, start: dt.date,
                   end_next: dt.date) -> dict:
    owners = [p for p in people if p.role_type in ("AE", "CSM")]
    t_start, t_today, t_end = _d64(start), _d64(today), _d64(end_next)
    hire = np.array([max(_d64(p.hire) + 30, t_start) for p in owners])
    leave = np.array([_d64(p.end) if p.end else t_today for p in owners])
    weight = np.array([p.skill * (1.0 if p.role_type == "AE" else 0.7) for p in owners])
    # Active days in the window weigh how many deals an owner has.
    active = np.maximum((np.minimum(leave, t_today) - hire).astype(int), 1)
    is_open = rng.random(n) < 0.16
    p_closed = weight * active
    p_open = weight * np.array([p.end is None for p in owners])
    owner = np.where(is_open, rng.choice(len(owners), n, p=p_open / p_open.sum()),
                     rng.choice(len(owners), n, p=p_closed / p_closed.sum()))
    # Closed deals close up to yesterday (never today or later); open ones from tomorrow on.
    lo = np.where(is_open, t_today + 1, hire[owner])
    hi = np.where(is_open, t_end, np.minimum(leave[owner], t_today - 1))
    span = np.maximum((hi - lo).astype(int), 0)
    close = lo + (rng.random(n) * (span + 1)).astype(int).astype("timedelta64[D]")
    # Deals bunch up in the last three weeks of a quarter (the hockey stick) — but only where that
    # date is still in the deal's window: clamping to the window's end would pile the current
    # quarter's pushed deals onto one day.
    push = rng.random(n) < 0.3
    pushed = _quarter_end64(close) - rng.integers(0, 21, n).astype("timedelta64[D]")
    close = np.where(push & (pushed >= lo) & (pushed <= hi), pushed, close)

    role = np.array([p.role_type for p in owners])[owner]
    seg = np.array([SEGMENTS.index(p.segment) for p in owners])[owner]
    region = np.array([REGIONS.index(p.region) for p in owners])[owner]
    skill = np.array([p.skill for p in owners])[owner]
    r = rng.random(n)
    deal_type = np.where(role == "AE", np.where(r < 0.62, "new_logo", "expansion"),
                         np.where(r < 0.7, "renewal", "expansion"))
    medians = np.array([AMOUNT_MEDIAN[s] for s in SEGMENTS])[seg]
    amount = rng.lognormal(np.log(medians), 0.55) * np.where(deal_type == "renewal", 0.8, 1.0)
    amount = np.maximum(np.round(amount, -2), 500)
    base_win = np.select([deal_type == "new_logo", deal_type == "expansion"], [0.27, 0.45], 0.78)
    under_plan = np.where(region == REGIONS.index(UNDER_PLAN_REGION), UNDER_PLAN_WIN_FACTOR, 1.0)
    won = rng.random(n) < np.clip(base_win * np.sqrt(skill) * under_plan, 0.05, 0.95)
    cycle = np.array([CYCLE_DAYS[s] for s in SEGMENTS])[seg] * rng.lognormal(0, 0.35, n)
    created = close - np.maximum(cycle, 7).astype(int).astype("timedelta64[D]")
    created = np.where(is_open, np.minimum(created, t_today - 3), created)

    # Accounts of the owner's region and segment (falling back to the region, then to all).
    acc_meta = acc["meta"]
    reg_of = np.array([REGIONS.index(m[2]) for m in acc_meta])
    seg_of = np.array([SEGMENTS.index(m[3]) for m in acc_meta])
    account = np.empty(n, dtype=int)
    for ri in range(len(REGIONS)):
        for si in range(3):
            mask = (region == ri) & (seg == si)
            if not mask.any():
                continue
            pool = np.flatnonzero((reg_of == ri) & (seg_of == si))
            if pool.size == 0:
                pool = np.flatnonzero(reg_of == ri)
            if pool.size == 0:
                pool = np.arange(len(acc_meta))
            account[mask] = pool[rng.integers(0, pool.size, mask.sum())]
    country = np.array([m[4] for m in acc_meta])[account]
    fx_pick = rng.random(n) < 0.25
    currency = np.where(fx_pick & np.isin(country, list(EUR_COUNTRIES)), "EUR",
                        np.where(fx_pick & (country == "United Kingdom"), "GBP", "USD"))
    rate = np.select([currency == "EUR", currency == "GBP"], [1.10, 1.30], 1.0)
    local_amount = np.maximum(np.round(amount / rate, -2), 500)

    # Stage: closed won/lost, or the open stage reached so far.
    lost_at = rng.choice(4, n, p=[0.3, 0.3, 0.25, 0.15])
    open_at = rng.choice(4, n, p=[0.25, 0.3, 0.25, 0.2])
    stage_idx = np.where(is_open, open_at, np.where(won, 4, 5))
    omitted = rng.random(n) < 0.05
    forecast = np.where(is_open, np.select([open_at >= 3, open_at == 2], ["commit", "best_case"], "pipeline"),
                        np.where(won, "closed", "omitted"))
    forecast = np.where(is_open & omitted, "omitted", forecast)

    # The sandbagger: the active AE with the most wins keeps his large deals in proposal ("best
    # case") and moves them to negotiation ("commit") only in the quarter's last week, closing them
    # in its last five days; his large open deals in negotiation still say "best case".
    ae_active = np.array([p.role_type == "AE" and p.end is None for p in owners])
    wins_per = np.bincount(owner[won & ~is_open], minlength=len(owners)) * ae_active
    sandbagger = int(np.argmax(wins_per))
    mine = owner == sandbagger
    large = mine & (amount >= np.median(amount[mine])) if mine.any() else mine
    late_close = _quarter_end64(close) - rng.integers(0, 5, n).astype("timedelta64[D]")
    sandbag = large & ~is_open & won & (late_close <= t_today - 1) & (late_close > created + 7)
    close = np.where(sandbag, late_close, close)
    open_sandbag = large & is_open & (open_at == 3)
    forecast = np.where(open_sandbag & ~omitted, "best_case", forecast)
    # The stuck deal: the largest open deal of another active AE, created seven months ago and in
    # proposal for five (its close date already slipped once).
    cand = np.flatnonzero(is_open & ae_active[owner] & (owner != sandbagger) & ~omitted)
    stuck = int(cand[np.argmax(amount[cand])]) if cand.size else -1
    if stuck >= 0:
        open_at[stuck], stage_idx[stuck], forecast[stuck] = 2, 2, "best_case"
        created[stuck] = t_today - 210
    # Slipped deals: an earlier expected close date, pushed out 2–8 weeks around the time it came
    # (never after the deal closed, nor after yesterday); shrunk deals: a higher amount, cut once.
    last_day = np.where(is_open, t_today - 1, close)
    orig_close = close - rng.integers(14, 57, n).astype("timedelta64[D]")
    push_at = np.minimum(orig_close + rng.integers(-10, 6, n).astype("timedelta64[D]"), last_day)
    slipped = (rng.random(n) < SLIPPED_SHARE) & (orig_close > created + 7) & (push_at > created)
    if stuck >= 0:
        orig_close[stuck], push_at[stuck], slipped[stuck] = created[stuck] + 100, created[stuck] + 103, True
    shrunk = rng.random(n) < SHRUNK_SHARE
    orig_amount = np.maximum(np.round(local_amount * rng.uniform(1.15, 1.6, n), -2), local_amount + 100)
    shrink_at = created + 1 + (rng.random(n) * np.maximum((last_day - created).astype(int) - 1, 0)).astype(int)

    # Stage history: '' → prospecting at creation, intermediate steps spread over the cycle, the
    # close at 17:00 on the close date (open deals stop at the stage they are in, before today).
    created_s = created.astype("datetime64[s]") + rng.integers(8 * 3600, 11 * 3600, n).astype("timedelta64[s]")
    end_s = np.where(is_open, t_today.astype("datetime64[s]") - 3600, close.astype("datetime64[s]") + 17 * 3600)
    span_s = np.maximum((end_s - created_s).astype(int), 4)
    fracs = np.sort(rng.random((n, 3)), axis=1) * 0.95
    inter = created_s[:, None] + (fracs * span_s[:, None]).astype(int).astype("timedelta64[s]")
    last_step = np.where(is_open, open_at, np.where(won, 3, lost_at))
    neg_s = (close - rng.integers(1, 3, n).astype("timedelta64[D]")).astype("datetime64[s]") + np.timedelta64(10 * 3600, "s")
    inter[:, 2] = np.where(sandbag, np.maximum(neg_s, inter[:, 1]), inter[:, 2])
    if stuck >= 0:
        inter[stuck, 0] = created_s[stuck] + np.timedelta64(18 * 86400, "s")
        inter[stuck, 1] = created_s[stuck] + np.timedelta64(52 * 86400, "s")

    close_dates = _to_dates(close)
    created_dates = _to_dates(created)
    created_ts = created_s.astype(object)
    inter_ts = inter.astype(object)
    end_ts = end_s.astype(object)
    created_day = _to_dates(created_s)
    inter_day = inter.astype("datetime64[D]").astype(object)
    orig_close_day, push_day, shrink_day = _to_dates(orig_close), _to_dates(push_at), _to_dates(shrink_at)
    utc = dt.UTC
    label = {"new_logo": "New logo", "expansion": "Expansion", "renewal": "Renewal"}
    rows, changes, history = [], [], []
    for i in range(n):
        ext = f"OPP-{i + 1:07d}"
        a = int(account[i])
        st = STAGES[stage_idx[i]]
        rows.append((ext, f"{acc_meta[a][1]} – {label[deal_type[i]]}", acc_meta[a][0], owners[owner[i]].ext,
                     Decimal(int(local_amount[i])), str(currency[i]), st, str(forecast[i]), str(deal_type[i]),
                     created_dates[i], close_dates[i]))
        changes.append((ext, "", "prospecting", created_ts[i].replace(tzinfo=utc)))
        k = int(last_step[i])
        for j in range(1, k + 1):
            changes.append((ext, STAGES[j - 1], STAGES[j], inter_ts[i, j - 1].replace(tzinfo=utc)))
        if not is_open[i]:
            changes.append((ext, STAGES[k], st, end_ts[i].replace(tzinfo=utc)))
        history += _deal_history(
            rows[-1], [created_day[i], *inter_day[i, :k]] + ([close_dates[i]] if not is_open[i] else []),
            STAGES[: k + 1] + ([st] if not is_open[i] else []),
            push=(orig_close_day[i], push_day[i]) if slipped[i] else None,
            shrink=(Decimal(int(orig_amount[i])), shrink_day[i]) if shrunk[i] else None,
            kept_best_case=bool(open_sandbag[i]))

    # A few split deals (50/50 with a teammate AE) and one or two churned deals.
    team_aes: dict[str, list[str]] = defaultdict(list)
    for p in owners:
        if p.role_type == "AE":
            team_aes[p.manager].append(p.ext)
    splits = []
    won_new = np.flatnonzero(won & ~is_open & (deal_type == "new_logo") & (currency == "USD"))
    for i in won_new[rng.random(won_new.size) < 0.02]:
        o = owners[owner[i]]
        mates = [s for s in team_aes[o.manager] if s != o.ext]
        if mates:
            mate = mates[int(rng.integers(0, len(mates)))]
            splits += [(rows[i][0], o.ext, Decimal("50")), (rows[i][0], mate, Decimal("50"))]
    split_exts = {s[0] for s in splits}
    days_ago = (t_today - close).astype(int)
    candidates = [i for i in np.flatnonzero(won & ~is_open & (days_ago > 45) & (days_ago < 120) & (currency == "USD"))
                  if rows[i][0] not in split_exts and owners[owner[i]].end is None]
    churn = []
    for i in candidates[: 2 if n >= 1000 else 1]:
        churn.append((rows[i][0], close_dates[i] + dt.timedelta(days=int(rng.integers(20, min(85, days_ago[i] - 5))))))

    won_rows = [(owners[owner[i]].ext, close_dates[i], float(amount[i]) if currency[i] == "USD"
                 else float(local_amount[i]) * rate[i]) for i in np.flatnonzero(won & ~is_open)]
    problems = {"sandbagger": owners[sandbagger].ext, "under_plan_region": UNDER_PLAN_REGION}
    if stuck >= 0:
        problems["stuck_deal"] = rows[stuck][0]
    return {"rows": rows, "stage_changes": changes, "splits": splits, "churn": churn, "won": won_rows,
            "foreign": int((currency != "USD").sum()), "history": history, "problems": problems}


def _deal_history(row: tuple, stage_days: list[dt.date], path: list[str], *, push: tuple[dt.date, dt.date] | None,
                  shrink: tuple[Decimal, dt.date] | None, kept_best_case: bool) -> list[tuple]:
    """A deal's OpportunityHistory rows: one per day on which its stage, close date or amount changed.

    ``stage_days[j]`` is the day it entered ``path[j]``; ``push`` = (earlier expected close date, day it
    was pushed to the final one); ``shrink`` = (earlier amount, day it was cut to the final one). Each
    row is the state at the end of its day; the last one is the deal as it stands (its own forecast
    category), so the latest row on or before today reproduces the deal.
    """
    ext, _name, _acc, owner, amount, currency, final_stage, final_category, _type, _created, close = row
    days = set(stage_days)
    if push:
        days.add(push[1])
    if shrink:
        days.add(shrink[1])
    ordered = sorted(days)
    out = []
    for day in ordered:
        stage = path[bisect_right(stage_days, day) - 1]
        category = STAGE_CATEGORY[stage]
        if kept_best_case and stage == "negotiation":
            category = "best_case"
        if day == ordered[-1]:
            category = final_category
        out.append((ext, day, stage, shrink[0] if shrink and day < shrink[1] else amount, currency,
                    push[0] if push and day < push[1] else close, owner, category, stage in CLOSED_STAGES,
                    stage == "closed_won"))
    return out


#: Meetings held per working month: SDRs book first meetings all day; AEs and CSMs hold fewer.
MEETINGS_PER_MONTH = {"SDR": 14, "AE": 5, "CSM": 4}


def _activities(rng, people: list[_Seller], account_names: list[str], start: dt.date, today: dt.date):
    """Meetings (and some calls) of every rep from their hire to their last day or yesterday, weekdays
    only, more for stronger reps: what the SDR scorecard counts. Yields owner ext, kind, day, subject,
    external id and the time it was logged (the evening of that day)."""
    n = 0
    for p in people:
        per_month = MEETINGS_PER_MONTH.get(p.role_type)
        if per_month is None:
            continue
        first, last = max(p.hire, start), min(p.end or today, today - dt.timedelta(days=1))
        days = (last - first).days + 1
        if days <= 0:
            continue
        count = int(rng.poisson(per_month * p.skill * days / 30.4))
        offsets = np.sort(rng.integers(0, days, count))
        for off in offsets:
            day = first + dt.timedelta(days=int(off))
            if day.weekday() >= 5:  # nobody books a Saturday meeting: move it to the Monday before
                day -= dt.timedelta(days=day.weekday())
            day = max(day, first)
            n += 1
            kind = "meeting" if p.role_type == "SDR" or rng.random() < 0.8 else "call"
            account = account_names[int(rng.integers(0, len(account_names)))]
            subject = f"{'Discovery meeting' if p.role_type == 'SDR' else 'Meeting'} · {account}" if kind == "meeting" \
                else f"Call · {account}"
            logged = dt.datetime.combine(day, dt.time(17, int(rng.integers(0, 60))), tzinfo=dt.UTC)
            yield p.ext, kind, day, subject, f"ACT-{n:06d}", logged


def _fx_rows(rng, start: dt.date, today: dt.date) -> list[tuple]:
    rows = []
    for ccy, base in (("EUR", 1.10), ("GBP", 1.30)):
        month, level = shift_month(start, -6), base
        while month <= today:
            level *= float(np.exp(rng.normal(0, 0.012)))
            rows.append((ccy, Decimal(f"{level:.4f}"), month))
            month = shift_month(month, 1)
    return rows


def _ramp(tenure_days: int) -> float:
    return 0.25 if tenure_days < 90 else 0.5 if tenure_days < 180 else 0.75 if tenure_days < 270 else 1.0


def _quotas(people: list[_Seller], won: list[tuple], start: dt.date, today: dt.date) -> dict[tuple[str, str], Decimal]:
    """Quarterly bookings quotas from what the (role, segment) books per ramped seller-quarter, / 0.95.

    Yearly quotas are the sum of the year's quarters in the window; managers carry the sum of
    everyone below them.
    """
    by_ext = {p.ext: p for p in people}
    quarters = []
    q = start
    while q <= today:
        quarters.append(q)
        q = shift_month(q, 3)
    booked: dict[tuple[str, str], float] = defaultdict(float)
    for ext, close, amount in won:
        booked[(ext, quarter_key(close))] += amount
    last_full = quarter_start(today)
    sums: dict[tuple[str, str], list[float]] = defaultdict(list)
    carriers = [p for p in people if p.role_type in ("AE", "CSM")]
    for p in carriers:
        for qs in quarters:
            qe = shift_month(qs, 3) - dt.timedelta(days=1)
            if qs < last_full and p.hire <= qs - dt.timedelta(days=270) and (p.end is None or p.end > qe):
                sums[(p.role_type, p.segment)].append(booked[(p.ext, quarter_key(qs))])
    base = {k: max(round(float(np.mean(v)) / 0.95, -3), 5000.0) for k, v in sums.items() if v}
    fallback = max(base.values()) if base else 100000.0
    quotas: dict[tuple[str, str], Decimal] = {}
    for p in carriers:
        for qs in quarters:
            qe = shift_month(qs, 3) - dt.timedelta(days=1)
            if p.hire > qe or (p.end and p.end < qs):
                continue
            factor = _ramp((qs - p.hire).days) if p.hire < qs else 0.25 * (qe - p.hire).days / 91
            if p.end and p.end < qe:
                factor *= (p.end - qs).days / 91
            amount = max(round(base.get((p.role_type, p.segment), fallback) * factor, -3), 1000.0)
            quotas[(p.ext, quarter_key(qs))] = Decimal(int(amount))
    # Managers: the sum of everyone below them, per quarter.
    for (ext, key), amount in list(quotas.items()):
        m = by_ext[ext].manager
        while m:
            quotas[(m, key)] = quotas.get((m, key), Decimal(0)) + amount
            m = by_ext[m].manager
    for (ext, key), amount in list(quotas.items()):
        year = key[:4]
        quotas[(ext, year)] = quotas.get((ext, year), Decimal(0)) + amount
    return quotas


def ae_plan_document(today: dt.date) -> dict:
    qs = quarter_start(today)
    qe = shift_month(qs, 3) - dt.timedelta(days=1)
    return {
        "name": "AE Plan", "currency": "USD",
        "components": [
            {"name": "Bookings commission", "type": "commission", "measure": {},
             "quota": {"measure": "bookings", "period": "quarter"}, "basis": "credit", "method": "marginal",
             "tiers": [{"upto": 1.0, "rate": "0.06"}, {"upto": 1.5, "rate": "0.09"}, {"rate": "0.12"}]},
            {"name": "Annual target bonus", "type": "commission", "measure": {}, "weight": "0.3",
             "quota": {"measure": "bookings", "period": "year"}, "basis": "target_incentive", "method": "marginal",
             "tiers": [{"upto": 1.0, "rate": "1.0"}, {"rate": "2.0"}]},
            {"name": f"{quarter_key(today)[-2:]} new-logo SPIF", "type": "spif", "amount": "1000",
             "when": {"deal_types": ["new_logo"], "min_amount": "50000",
                      "closed_from": qs.isoformat(), "closed_to": qe.isoformat()}},
        ],
        "clawback": {"window_days": 90, "method": "full"},
    }


def manager_plan_document() -> dict:
    return {
        "name": "Manager Plan", "currency": "USD",
        "components": [
            {"name": "Team override", "type": "commission", "measure": {}, "rollup": True,
             "quota": {"measure": "bookings", "period": "quarter"}, "basis": "credit", "method": "marginal",
             "tiers": [{"upto": 1.0, "rate": "0.01"}, {"rate": "0.015"}]},
            {"name": "Annual team bonus", "type": "commission", "measure": {}, "rollup": True, "weight": "0.5",
             "quota": {"measure": "bookings", "period": "year"}, "basis": "target_incentive", "method": "marginal",
             "tiers": [{"upto": 1.0, "rate": "1.0"}, {"rate": "1.5"}]},
        ],
        "clawback": {"window_days": 90, "method": "full"},
    }


def _plans(people: list[_Seller], start: dt.date, today: dt.date) -> int:
    """Create and publish both plans and assign them (through the compensation services)."""
    from compensation.services import comp_plan_create, plan_assignment_upsert

    ae = comp_plan_create(document=ae_plan_document(today), effective_from=start, publish=True)
    mgr = comp_plan_create(document=manager_plan_document(), effective_from=start, publish=True)
    sellers = {s.external_id: s for s in Seller.objects.all()}
    count = 0
    for p in people:
        if p.role_type == "SDR":
            continue
        if p.role_type == "manager":
            plan = mgr
            ti = TARGET_INCENTIVE["vp" if p.manager is None else "team" if p.segment else "region"]
        else:
            plan = ae
            ti = TARGET_INCENTIVE["AE"][p.segment] if p.role_type == "AE" else TARGET_INCENTIVE["CSM"]
        plan_assignment_upsert(seller=sellers[p.ext], plan=plan, start_date=max(start, p.hire), end_date=p.end,
                               target_incentive=Decimal(ti))
        count += 1
    return count
