"""Import the public Maven Analytics CRM export (shared/data/crm-maven) as a tenant.

The export is a real-looking mess; every quirk is handled on purpose and reported (see the
README next to the CSVs):

* product "GTXPro" in the pipeline is "GTX Pro" in products.csv → matched ignoring spaces/case;
* lost deals carry close_value 0 → valued at the product's list price (what was lost);
* Engaging deals have no close date or value → stage ``proposal`` at list price, expected close =
  engage date + the median won cycle, moved to the end of the current quarter when already past;
* Prospecting deals have no dates and no value → stage ``prospecting`` at list price, no dates;
* 1,425 open deals have no account → imported without one;
* sector "technolgy" and country "Philipines" are misspelt → corrected;
* no stage history → the two transitions the export implies (engaged, closed) are recorded;
* no deal type → an account's first won deal is ``new_logo``, later deals with it ``expansion``.

Dates are from 2016–2017: all are shifted by whole years (default: so that the latest close
date falls in the current year) so the demo looks current.

Layering: performance may import planning and spm, not compensation. The comp plan for the
imported reps is a plain document here (:func:`rep_plan_document`); the compensation layer
(``demo_setup``) creates and assigns it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from performance.models import Opportunity, StageChange
from planning.models import Account, Quota, Seller
from spm.db.bulk import bulk_insert, id_map
from spm.models import Tenant
from spm.tenancy.db import tenant_atomic

SECTOR_FIXES = {"technolgy": "technology"}
COUNTRY_FIXES = {"Philipines": "Philippines"}
COUNTRY_INFO = {  # region, latitude, longitude (country centroid)
    "United States": ("North America", 39.8, -98.6), "Panama": ("LATAM", 8.5, -80.8), "Brazil": ("LATAM", -14.2, -51.9),
    "Belgium": ("EMEA", 50.5, 4.5), "Germany": ("EMEA", 51.2, 10.4), "Italy": ("EMEA", 41.9, 12.6),
    "Norway": ("EMEA", 60.5, 8.5), "Poland": ("EMEA", 51.9, 19.1), "Romania": ("EMEA", 45.9, 25.0),
    "Kenya": ("EMEA", -0.02, 37.9), "Jordan": ("EMEA", 30.6, 36.2), "China": ("APAC", 35.9, 104.2),
    "Japan": ("APAC", 36.2, 138.3), "Korea": ("APAC", 35.9, 127.8), "Philippines": ("APAC", 12.9, 121.8),
}
HEAD_OF_SALES = ("GLX-HEAD", "Morgan Hale")


@dataclass
class ImportReport:
    tenant: Tenant
    shift_years: int
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    rep_ids: list[str] = field(default_factory=list)
    manager_ids: list[str] = field(default_factory=list)
    first_month: str = ""


def default_data_dir() -> Path:
    from django.conf import settings

    return Path(settings.BASE_DIR).parent / "shared" / "data" / "crm-maven"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _shift(d: dt.date | None, years: int) -> dt.date | None:
    if d is None:
        return None
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February into a common year
        return d.replace(year=d.year + years, day=28)


def _quarter_end(d: dt.date) -> dt.date:
    q_last = 3 * ((d.month - 1) // 3) + 3
    return (dt.date(d.year + (q_last == 12), 1 if q_last == 12 else q_last + 1, 1)) - dt.timedelta(days=1)


def _quarter_key(d: dt.date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def rep_plan_document() -> dict:
    """The Globex rep plan (DESIGN.md format, USD): quarterly marginal tiers with accelerators."""
    return {
        "name": "Globex Rep Plan", "currency": "USD",
        "components": [
            {"name": "Bookings commission", "type": "commission", "measure": {},
             "quota": {"measure": "bookings", "period": "quarter"}, "basis": "credit", "method": "marginal",
             "tiers": [{"upto": 1.0, "rate": "0.05"}, {"upto": 1.5, "rate": "0.08"}, {"rate": "0.10"}]},
            {"name": "GTK 500 SPIF", "type": "spif", "amount": "500", "when": {"min_amount": "20000"}},
        ],
        "clawback": {"window_days": 90, "method": "full"},
    }


def manager_plan_document() -> dict:
    return {
        "name": "Globex Manager Plan", "currency": "USD",
        "components": [
            {"name": "Team override", "type": "commission", "measure": {}, "rollup": True,
             "quota": {"measure": "bookings", "period": "quarter"}, "basis": "credit", "method": "marginal",
             "tiers": [{"upto": 1.0, "rate": "0.01"}, {"rate": "0.02"}]},
        ],
    }


def import_crm_maven(*, tenant: Tenant, data_dir: Path, shift_years: int | None = None,
                     today: dt.date | None = None) -> ImportReport:
    """Import the four CSVs into `tenant` (which must hold no sellers yet), in one transaction.

    Raises ValueError when the tenant already has sellers; FileNotFoundError when a file is absent.
    """
    today = today or dt.date.today()
    teams = _read(data_dir / "sales_teams.csv")
    accounts = _read(data_dir / "accounts.csv")
    products = _read(data_dir / "products.csv")
    pipeline = _read(data_dir / "sales_pipeline.csv")

    closes = [dt.date.fromisoformat(r["close_date"]) for r in pipeline if r["close_date"]]
    if shift_years is None:
        shift_years = today.year - max(closes).year
    report = ImportReport(tenant=tenant, shift_years=shift_years)
    c = report.counts
    notes = report.notes
    engaged = [dt.date.fromisoformat(r["engage_date"]) for r in pipeline if r["engage_date"]]
    notes.append(f"dates shifted by {shift_years:+d} years (export covers {min(engaged)}–{max(closes)}; "
                 f"latest close now {_shift(max(closes), shift_years)})")

    with tenant_atomic(tenant):
        if Seller.objects.exists():
            raise ValueError(f"tenant {tenant.slug!r} already has sellers: import into an empty tenant")

        # --- sellers: a head of sales → managers (region = regional office) → agents ------------
        first_engage: dict[str, dt.date] = {}
        for r in pipeline:
            if r["engage_date"]:
                d = _shift(dt.date.fromisoformat(r["engage_date"]), shift_years)
                first_engage[r["sales_agent"]] = min(d, first_engage.get(r["sales_agent"], d))
        earliest = min(first_engage.values())
        managers = {}
        for r in teams:
            managers.setdefault(r["manager"], r["regional_office"])
        head_ext, head_name = HEAD_OF_SALES
        bulk_insert(Seller, ["external_id", "name", "email", "role_type", "title", "region", "manager_id", "hire_date"],
                    [(head_ext, head_name, "morgan.hale@globex.example", "manager", "Head of Sales (added: the export "
                      "has no one above the managers)", "", None, earliest - dt.timedelta(days=365))],
                    tenant_id=tenant.pk)
        ids = id_map(Seller)
        bulk_insert(Seller, ["external_id", "name", "email", "role_type", "title", "region", "manager_id", "hire_date"],
                    [(f"GLX-{_slug(m)}", m, f"{_slug(m).replace('-', '.')}@globex.example", "manager",
                      f"Sales Manager, {office}", office, ids[head_ext], earliest - dt.timedelta(days=180))
                     for m, office in managers.items()], tenant_id=tenant.pk)
        ids = id_map(Seller)
        agent_rows = []
        for r in teams:
            agent = r["sales_agent"]
            hire = first_engage.get(agent)
            if hire is None:
                c["agents without any deal"] += 1
                hire = earliest
            agent_rows.append((f"GLX-{_slug(agent)}", agent, f"{_slug(agent).replace('-', '.')}@globex.example", "AE",
                               "Sales Agent", r["regional_office"], ids[f"GLX-{_slug(r['manager'])}"],
                               hire - dt.timedelta(days=30)))
        bulk_insert(Seller, ["external_id", "name", "email", "role_type", "title", "region", "manager_id", "hire_date"],
                    agent_rows, tenant_id=tenant.pk)
        ids = id_map(Seller)
        agent_ext = {r["sales_agent"]: f"GLX-{_slug(r['sales_agent'])}" for r in teams}
        report.rep_ids = [row[0] for row in agent_rows]
        report.manager_ids = [head_ext] + [f"GLX-{_slug(m)}" for m in managers]
        c["sellers"] = len(ids)
        notes.append(f"sellers: {len(agent_rows)} agents under {len(managers)} managers in "
                     f"{len(set(managers.values()))} regional offices, plus one head of sales")
        if c["agents without any deal"]:
            notes.append(f"{c['agents without any deal']} agents have no deal in the pipeline: hire date set to the "
                         "first engage date of the export")

        # --- accounts ------------------------------------------------------------------------
        acc_rows = []
        for i, r in enumerate(accounts):
            sector, country = r["sector"], r["office_location"]
            if sector in SECTOR_FIXES:
                sector = SECTOR_FIXES[sector]
                c["accounts: sector 'technolgy' corrected"] += 1
            if country in COUNTRY_FIXES:
                country = COUNTRY_FIXES[country]
                c["accounts: country 'Philipines' corrected"] += 1
            region, lat, lon = COUNTRY_INFO.get(country, ("", None, None))
            acc_rows.append((f"GLX-A{i + 1:03d}", r["account"], sector, country, region, int(r["employees"]),
                             (Decimal(r["revenue"]) * 1_000_000).quantize(Decimal("1")),
                             None if lat is None else Decimal(str(lat)), None if lon is None else Decimal(str(lon))))
        bulk_insert(Account, ["external_id", "name", "industry", "country", "region", "employees", "annual_revenue",
                              "latitude", "longitude"], acc_rows, tenant_id=tenant.pk)
        acc_ids = dict(Account.objects.values_list("name", "id"))
        c["accounts"] = len(acc_rows)

        # --- opportunities -------------------------------------------------------------------
        price = {_key(p["product"]): (p["product"], Decimal(p["sales_price"])) for p in products}
        cycles = [(dt.date.fromisoformat(r["close_date"]) - dt.date.fromisoformat(r["engage_date"])).days
                  for r in pipeline if r["deal_stage"] == "Won"]
        median_cycle = int(statistics.median(cycles))
        seen_account_won: set[str] = set()
        opp_rows, changes = [], []
        stage_map = {"Won": "closed_won", "Lost": "closed_lost", "Engaging": "proposal", "Prospecting": "prospecting"}
        category = {"closed_won": "closed", "closed_lost": "omitted", "proposal": "best_case", "prospecting": "pipeline"}
        now = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
        for r in sorted(pipeline, key=lambda r: (r["close_date"] or "9999", r["engage_date"] or "9999", r["opportunity_id"])):
            stage = stage_map.get(r["deal_stage"])
            if stage is None:
                c[f"skipped: unknown stage {r['deal_stage']!r}"] += 1
                continue
            if r["sales_agent"] not in agent_ext:
                c["skipped: agent not in sales_teams"] += 1
                continue
            product = r["product"]
            if _key(product) not in price:
                c[f"skipped: unknown product {product!r}"] += 1
                continue
            canonical, list_price = price[_key(product)]
            if canonical != product:
                c[f"product {product!r} matched to {canonical!r}"] += 1
            engage = _shift(dt.date.fromisoformat(r["engage_date"]), shift_years) if r["engage_date"] else None
            close = _shift(dt.date.fromisoformat(r["close_date"]), shift_years) if r["close_date"] else None
            value = Decimal(r["close_value"]) if r["close_value"] else None
            if stage == "closed_lost" and not value:
                value = list_price
                c["lost deals with close_value 0: valued at the product list price"] += 1
            elif stage == "proposal":
                value = list_price
                close = engage + dt.timedelta(days=median_cycle)
                if close <= today:
                    close = _quarter_end(today)
                    c["engaging deals whose expected close (engage + median cycle) is past: due end of this quarter"] += 1
                c["engaging deals: value = list price, expected close = engage date + median won cycle"] += 1
            elif stage == "prospecting":
                value = list_price
                c["prospecting deals without dates or value: list price, no dates"] += 1
            if value is None:
                c["skipped: won deal without a value"] += 1
                continue
            account = r["account"] or None
            if account is None:
                c["deals without an account: imported without one"] += 1
            elif account not in acc_ids:
                c["deals with an unknown account: imported without one"] += 1
                account = None
            deal_type = "new_logo"
            if account and account in seen_account_won:
                deal_type = "expansion"
            if account and stage == "closed_won":
                seen_account_won.add(account)
            forecast = category[stage]
            if stage.startswith("closed") and close and close > today:
                # The shift put this close in the future: it has not happened yet, so it is open
                # pipeline due then (the export's outcome becomes the rep's forecast call).
                c["closed deals dated after today by the shift: open pipeline due on that date"] += 1
                stage, forecast = ("negotiation", "commit") if stage == "closed_won" else ("proposal", "best_case")
            ext = r["opportunity_id"]
            opp_rows.append((ext, f"{account or 'No account'} – {canonical}", acc_ids.get(account) if account else None,
                             ids[agent_ext[r["sales_agent"]]], value, "USD", stage, forecast, deal_type,
                             engage, close))
            if stage == "prospecting":
                changes.append((ext, "", "prospecting", now))
            else:
                changes.append((ext, "", "proposal", dt.datetime.combine(engage, dt.time(10), tzinfo=dt.UTC)))
                if stage.startswith("closed"):
                    changes.append((ext, "proposal", stage, dt.datetime.combine(close, dt.time(17), tzinfo=dt.UTC)))
        bulk_insert(Opportunity, ["external_id", "name", "account_id", "owner_id", "amount", "currency", "stage",
                                  "forecast_category", "deal_type", "created_date", "close_date"], opp_rows,
                    tenant_id=tenant.pk)
        opp_ids = id_map(Opportunity)
        c["opportunities"] = len(opp_rows)
        c["stage changes"] = bulk_insert(StageChange, ["opportunity_id", "from_stage", "to_stage", "changed_at"],
                                         [(opp_ids[e], f, t, at) for e, f, t, at in changes], tenant_id=tenant.pk)
        notes.append("no stage history in the export: recorded the implied transitions (engaged → proposal, closed)")
        notes.append("no deal type in the export: an account's first won deal is new_logo, later ones expansion")

        # --- quotas: per rep per quarter = average won bookings per quarter × 1.1, rounded -------
        won_by_agent: dict[str, Decimal] = defaultdict(Decimal)
        months = set()
        for row in opp_rows:
            if row[6] == "closed_won":
                won_by_agent[row[3]] += row[4]
                months.add((row[10].year, row[10].month))
        quarters = sorted({_quarter_key(dt.date(y, m, 1)) for y, m in months})
        per_quarter = Decimal(3) / Decimal(len(months))
        quota_rows: dict[tuple[int, str], Decimal] = {}
        manager_of = dict(Seller.objects.values_list("id", "manager_id"))
        for ext in report.rep_ids:
            sid = ids[ext]
            raw = won_by_agent.get(sid, Decimal(0)) * per_quarter * Decimal("1.1")
            amount = Decimal(int((raw / 1000).quantize(Decimal(1))) * 1000)
            if amount <= 0:
                continue
            for q in quarters:
                node = sid
                while node:
                    quota_rows[(node, q)] = quota_rows.get((node, q), Decimal(0)) + amount
                    quota_rows[(node, q[:4])] = quota_rows.get((node, q[:4]), Decimal(0)) + amount
                    node = manager_of.get(node)
        c["quotas"] = bulk_insert(Quota, ["seller_id", "measure", "period", "amount", "source"],
                                  [(s, "bookings", k, a, "manual") for (s, k), a in sorted(quota_rows.items())],
                                  tenant_id=tenant.pk)
        notes.append(f"quotas: per rep per quarter ({', '.join(quarters)}) = average won bookings per quarter "
                     "(over the months with closes) × 1.1, rounded to 1,000; managers carry their team's sum")
        won_months = sorted(months)
        report.first_month = f"{won_months[0][0]}-{won_months[0][1]:02d}"
    return report
