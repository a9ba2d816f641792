"""The public Maven Analytics CRM export (shared/data/crm-maven) as a tenant: a thin adapter onto the
generic import path (`spm.hub.imports`).

read (`read_export`, pure): the four CSVs as `RawTable`s; a folder without them is an error.
clean (`clean_export`, pure): the export's quirks fixed on purpose and reported (see the README next
to the CSVs), the data converted in memory to the canonical seller and opportunity columns, and every
row checked by the same column tables as any other import (an unknown sales agent, a bad date or
value, a duplicate id → errors naming the export's file, line and column; nothing is written):

* product "GTXPro" in the pipeline is "GTX Pro" in products.csv → matched ignoring spaces/case;
* lost deals carry close_value 0 → valued at the product's list price (what was lost);
* Engaging deals have no close date or value → list price, expected close = engage date + the median
  won cycle, moved to the end of the current quarter when already past;
* Prospecting deals have no dates and no value → list price, no dates;
* 1,425 open deals have no account → imported without one;
* sector "technolgy" and country "Philipines" are misspelt → corrected;
* no stage history → rebuilt as weekly snapshots from the export's dates (a deal appears, Engaging,
  in the week of its engage date with the expected close; it closes in the week of its close date),
  each imported through the generic path dated that week, so the deal history is real history;
* no deal type → an account's first won deal is ``new_logo``, later deals with it ``expansion``.

Dates are from 2016–2017: all are shifted by whole years (default: so that the latest close date
falls in the current year). A close the shift puts after today has not happened yet: that deal is
open pipeline due then (commit when the export says won, best case when lost); an engage date it puts after
today is today (the deal is created today, never in the future).

load (`import_crm_maven`): in one transaction — sellers, accounts, the weekly snapshots, quotas.
The comp plans are plain documents here (`rep_plan_document`); the demo setup creates them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from performance.importers.opportunities import clean_opportunities
from planning.importers.sellers import clean_sellers
from planning.models import Account, Quota, Seller
from spm.db.bulk import bulk_insert
from spm.errors import DomainError
from spm.hub.imports import import_opportunities, import_sellers
from spm.imports import RawTable, RowError, read_csv
from spm.models import Tenant
from spm.tenancy.context import current_tenant
from spm.tenancy.db import tenant_atomic

FILES = ("sales_teams.csv", "accounts.csv", "products.csv", "sales_pipeline.csv")
SECTOR_FIXES = {"technolgy": "technology"}
COUNTRY_FIXES = {"Philipines": "Philippines"}
COUNTRY_INFO = {  # region, latitude, longitude (country centroid)
    "United States": ("North America", 39.8, -98.6), "Panama": ("LATAM", 8.5, -80.8), "Brazil": ("LATAM", -14.2, -51.9),
    "Belgium": ("EMEA", 50.5, 4.5), "Germany": ("EMEA", 51.2, 10.4), "Italy": ("EMEA", 41.9, 12.6),
    "Norway": ("EMEA", 60.5, 8.5), "Poland": ("EMEA", 51.9, 19.1), "Romania": ("EMEA", 45.9, 25.0),
    "Kenya": ("EMEA", -0.02, 37.9), "Jordan": ("EMEA", 30.6, 36.2), "China": ("APAC", 35.9, 104.2),
    "Japan": ("APAC", 36.2, 138.3), "Korea": ("APAC", 35.9, 127.8), "Philippines": ("APAC", 12.9, 121.8),
}
HEAD_OF_SALES = ("morgan.hale@globex.example", "Morgan Hale")
DOMAIN = "globex.example"
STAGES = {"Won": (True, True), "Lost": (True, False), "Engaging": (False, False), "Prospecting": (False, False)}
OPEN_STAGE = "Engaging"
# Canonical opportunity column → the export's column it comes from (so errors name the export's column).
SOURCE_COLUMN = {"external_id": "opportunity_id", "owner_email": "sales_agent", "stage": "deal_stage",
                 "amount": "close_value", "created_date": "engage_date", "close_date": "close_date",
                 "account": "account", "product": "product"}
OPP_HEADER = ["external_id", "account", "owner_email", "stage", "amount", "currency", "created_date", "close_date",
              "is_won", "is_closed", "product", "forecast_category", "name", "deal_type"]


class CrmExportError(DomainError):
    """The export cannot be imported: `errors` name file, line, column, value and rule."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(f"{len(errors)} error(s) in the CRM export; nothing was imported. First: {first}",
                         code="invalid_import")


@dataclass
class CrmMavenReport:
    tenant: Tenant | None
    shift_years: int
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    rep_ids: list[str] = field(default_factory=list)
    manager_ids: list[str] = field(default_factory=list)
    first_month: str = ""


@dataclass
class Export:
    teams: RawTable
    accounts: RawTable
    products: RawTable
    pipeline: RawTable


@dataclass
class Deal:
    """One deal of the export, cleaned: its final state and the dates of its story."""

    ext: str
    line: int
    owner: str
    account: str
    product: str
    stage: str
    won: bool
    closed: bool
    list_price: Decimal
    amount: Decimal
    engage: dt.date | None
    close: dt.date | None
    expected_close: dt.date | None
    forecast: str
    deal_type: str = "new_logo"


@dataclass
class Canonical:
    """The export in canonical columns: seller rows, account rows, deals, and the weekly snapshots."""

    sellers: RawTable
    accounts: list[tuple]
    deals: list[Deal]
    snapshots: list[tuple[dt.date, RawTable]]
    rep_emails: list[str]
    manager_emails: list[str]
    shift_years: int
    counts: Counter
    notes: list[str]


def default_data_dir() -> Path:
    from django.conf import settings

    override = os.environ.get("CRM_MAVEN_DIR")
    return Path(override) if override else Path(settings.BASE_DIR).parent / "shared" / "data" / "crm-maven"


# --- read ---------------------------------------------------------------------------------------


def read_export(data_dir: Path, *, encoding: str | None = None) -> Export:
    """The four CSVs (UTF-8 unless `encoding` says otherwise); raises CrmExportError when any is missing or
    unreadable (a folder with no export)."""
    data_dir = Path(data_dir)
    missing = [name for name in FILES if not (data_dir / name).is_file()]
    if missing:
        raise CrmExportError([RowError(line=0, column="", value=str(data_dir / name), file=str(data_dir / name),
                                       message="file not found: the folder must hold the CRM export "
                                               f"({', '.join(FILES)})") for name in missing])
    tables, errors = {}, []
    for name in FILES:
        table, errs = read_csv((data_dir / name).read_bytes(), file=name, encoding=encoding)
        errors += errs
        tables[name] = table
    if errors:
        raise CrmExportError(errors)
    return Export(teams=tables["sales_teams.csv"], accounts=tables["accounts.csv"],
                  products=tables["products.csv"], pipeline=tables["sales_pipeline.csv"])


# --- clean (pure) -------------------------------------------------------------------------------


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _email(name: str) -> str:
    return f"{_slug(name).replace('-', '.')}@{DOMAIN}"


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


def _rows(table: RawTable) -> list[tuple[int, dict[str, str]]]:
    return [(line, dict(zip(table.header, row, strict=False))) for line, row in zip(table.lines, table.rows, strict=True)]


def _date(value: str, *, file: str, line: int, column: str, errors: list[RowError]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(RowError(line=line, column=column, value=value, file=file, message="not a date: use YYYY-MM-DD"))
        return None


def _table(file: str, header: list[str], rows: list[list[str]], lines: list[int]) -> RawTable:
    return RawTable(file=file, header=header, rows=rows, lines=lines)


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def clean_export(export: Export, *, today: dt.date, shift_years: int | None = None) -> Canonical:
    """Fix the quirks, convert to canonical columns, build the weekly snapshots; raise CrmExportError."""
    errors: list[RowError] = []
    c: Counter = Counter()
    notes: list[str] = []
    pipeline = _rows(export.pipeline)
    pf = export.pipeline.file

    # Dates first (everything else is relative to them).
    engage_raw, close_raw = {}, {}
    for line, r in pipeline:
        engage_raw[line] = _date(r.get("engage_date", ""), file=pf, line=line, column="engage_date", errors=errors)
        close_raw[line] = _date(r.get("close_date", ""), file=pf, line=line, column="close_date", errors=errors)
    closes = [d for d in close_raw.values() if d]
    engaged = [d for d in engage_raw.values() if d]
    if not closes or not engaged:
        errors.append(RowError(line=1, column="close_date", value="", file=pf,
                               message="no deal has an engage and a close date: nothing to date the export by"))
        raise CrmExportError(errors)
    if shift_years is None:
        shift_years = today.year - max(closes).year
    notes.append(f"dates shifted by {shift_years:+d} years (export covers {min(engaged)}–{max(closes)}; "
                 f"latest close now {_shift(max(closes), shift_years)})")

    # --- sellers: a head of sales → managers (region = regional office) → agents ---------------
    first_engage: dict[str, dt.date] = {}
    for line, r in pipeline:
        if engage_raw[line]:
            d = _shift(engage_raw[line], shift_years)
            agent = r.get("sales_agent", "")
            first_engage[agent] = min(d, first_engage.get(agent, d))
    earliest = min(first_engage.values())
    managers: dict[str, str] = {}
    agents: dict[str, tuple[str, str]] = {}
    for line, r in _rows(export.teams):
        agent, manager, office = r.get("sales_agent", ""), r.get("manager", ""), r.get("regional_office", "")
        if not agent or not manager:
            errors.append(RowError(line=line, column="sales_agent" if not agent else "manager", value="",
                                   file=export.teams.file, message="a value is required"))
            continue
        managers.setdefault(manager, office)
        agents[agent] = (manager, office)
    head_email, head_name = HEAD_OF_SALES
    seller_rows = [[head_email, head_name, "manager", "", "", "Sales leadership",
                    (earliest - dt.timedelta(days=365)).isoformat()]]
    for m, office in managers.items():
        seller_rows.append([_email(m), m, "manager", head_email, office, f"{m} team",
                            (earliest - dt.timedelta(days=180)).isoformat()])
    for agent, (manager, office) in agents.items():
        hire = first_engage.get(agent)
        if hire is None:
            c["agents without any deal"] += 1
            hire = earliest
        seller_rows.append([_email(agent), agent, "rep", _email(manager), office, f"{manager} team",
                            (hire - dt.timedelta(days=30)).isoformat()])
    sellers = _table("sales_teams.csv", ["email", "name", "role", "manager_email", "region", "team", "hire_date"],
                     seller_rows, list(range(1, len(seller_rows) + 1)))
    notes.append(f"sellers: {len(agents)} agents under {len(managers)} managers in "
                 f"{len(set(managers.values()))} regional offices, plus one head of sales")
    if c["agents without any deal"]:
        notes.append(f"{c['agents without any deal']} agents have no deal in the pipeline: hire date set to the "
                     "first engage date of the export")

    # --- accounts --------------------------------------------------------------------------
    account_rows = []
    for i, (line, r) in enumerate(_rows(export.accounts)):
        sector, country = r.get("sector", ""), r.get("office_location", "")
        if sector in SECTOR_FIXES:
            sector = SECTOR_FIXES[sector]
            c["accounts: sector 'technolgy' corrected"] += 1
        if country in COUNTRY_FIXES:
            country = COUNTRY_FIXES[country]
            c["accounts: country 'Philipines' corrected"] += 1
        region, lat, lon = COUNTRY_INFO.get(country, ("", None, None))
        try:
            employees = int(r.get("employees") or 0) or None
            revenue = (Decimal(r["revenue"]) * 1_000_000).quantize(Decimal("1")) if r.get("revenue") else None
        except (ValueError, ArithmeticError):
            errors.append(RowError(line=line, column="revenue", value=r.get("revenue", ""), file=export.accounts.file,
                                   message="not a number"))
            continue
        account_rows.append((f"GLX-A{i + 1:03d}", r.get("account", ""), sector, country, region, employees, revenue,
                             None if lat is None else Decimal(str(lat)), None if lon is None else Decimal(str(lon))))
    account_names = {row[1] for row in account_rows}

    # --- deals -----------------------------------------------------------------------------
    price: dict[str, tuple[str, Decimal]] = {}
    for line, p in _rows(export.products):
        try:
            price[_key(p.get("product", ""))] = (p.get("product", ""), Decimal(p.get("sales_price", "")))
        except ArithmeticError:
            errors.append(RowError(line=line, column="sales_price", value=p.get("sales_price", ""),
                                   file=export.products.file, message="not a number"))
    cycles = [(close_raw[line] - engage_raw[line]).days for line, r in pipeline
              if r.get("deal_stage") == "Won" and close_raw[line] and engage_raw[line]]
    median_cycle = int(statistics.median(cycles)) if cycles else 90
    deals: list[Deal] = []
    for line, r in pipeline:
        stage = r.get("deal_stage", "")
        if stage not in STAGES:
            errors.append(RowError(line=line, column="deal_stage", value=stage, file=pf,
                                   message=f"unknown stage: the export's stages are {', '.join(STAGES)}"))
            continue
        product = r.get("product", "")
        if _key(product) not in price:
            errors.append(RowError(line=line, column="product", value=product, file=pf,
                                   message="unknown product: not in products.csv"))
            continue
        canonical, list_price = price[_key(product)]
        if canonical != product:
            c[f"product {product!r} matched to {canonical!r}"] += 1
        closed, won = STAGES[stage]
        engage, close = _shift(engage_raw[line], shift_years), _shift(close_raw[line], shift_years)
        if engage is not None and engage > today:
            # Not engaged yet by today: a deal created in the future would be open pipeline on the
            # scorecards and the forecast but not on the pipeline page (open = created by the day).
            engage = today
            c["deals engaged after today by the shift: created today"] += 1
        raw_value = r.get("close_value", "")
        forecast = ""
        if closed:
            if close is None:
                if not r.get("close_date", "").strip():  # else _date named the bad date already
                    errors.append(RowError(line=line, column="close_date", value="", file=pf,
                                           message="a won or lost deal needs its close date"))
                continue
            if not raw_value:
                errors.append(RowError(line=line, column="close_value", value="", file=pf,
                                       message="a won or lost deal needs its close value"))
                continue
            amount = raw_value  # checked by the generic amount column below
            if not won and _is_zero(raw_value):
                amount = str(list_price)
                c["lost deals with close_value 0: valued at the product list price"] += 1
            expected = (engage + dt.timedelta(days=median_cycle)) if engage else close
        elif stage == "Engaging":
            amount = str(list_price)
            if engage is None:
                errors.append(RowError(line=line, column="engage_date", value="", file=pf,
                                       message="an engaging deal needs its engage date"))
                continue
            close = engage + dt.timedelta(days=median_cycle)
            if close <= today:
                close = _quarter_end(today)
                c["engaging deals whose expected close (engage + median cycle) is past: due end of this quarter"] += 1
            c["engaging deals: value = list price, expected close = engage date + median won cycle"] += 1
            expected, forecast = close, "best_case"
        else:
            amount, expected = str(list_price), None
            c["prospecting deals without dates or value: list price, no dates"] += 1
        account = r.get("account", "")
        if not account:
            c["deals without an account: imported without one"] += 1
        elif account not in account_names:
            c["deals with an unknown account: imported without one"] += 1
            account = ""
        if closed and close > today:
            # The shift put this close in the future: not happened yet, so open pipeline due then.
            c["closed deals dated after today by the shift: open pipeline due on that date"] += 1
            closed, won, forecast = False, False, "commit" if won else "best_case"
            stage, amount, expected = OPEN_STAGE, str(list_price), close
        deals.append(Deal(ext=r.get("opportunity_id", ""), line=line, owner=r.get("sales_agent", ""),
                          account=account, product=canonical, stage=stage, won=won, closed=closed,
                          list_price=list_price, amount=amount, engage=engage, close=close,
                          expected_close=expected, forecast=forecast))

    # Every value through the generic column table and row rules (the final state of each deal).
    owner_ids = {_email(a): i + 1 for i, a in enumerate(agents)}
    final = _table(pf, OPP_HEADER, [_opp_row(d, None, agents) for d in deals], [d.line for d in deals])
    clean, opp_errors = clean_opportunities(final, owner_ids=owner_ids)
    # The export names agents, not e-mails: an unknown owner is an agent missing from sales_teams.csv.
    unknown_agent = "unknown sales agent: not in sales_teams.csv"
    errors += [RowError(line=e.line, column=SOURCE_COLUMN.get(e.column, e.column), file=pf, value=e.value,
                        message=unknown_agent if e.message.startswith("unknown owner") else e.message)
               for e in opp_errors]
    _, seller_errors = clean_sellers(sellers, existing_managers={})
    errors += seller_errors
    if errors:
        errors.sort(key=lambda e: (e.file, e.line, e.column))
        raise CrmExportError(errors)
    for d, amount in zip(deals, clean.values["amount"], strict=True):
        d.amount = amount

    # No deal type in the export: an account's first won deal is new_logo, later ones expansion.
    seen_won: set[str] = set()
    for d in sorted(deals, key=lambda d: (d.close or dt.date.max, d.ext)):
        if d.account and d.account in seen_won:
            d.deal_type = "expansion"
        if d.account and d.won:
            seen_won.add(d.account)
    notes.append("no deal type in the export: an account's first won deal is new_logo, later ones expansion")

    snapshots = _weekly_snapshots(deals, today=today, agents=agents)
    notes.append(f"no stage history in the export: rebuilt as {len(snapshots)} weekly snapshots from the export's "
                 "dates (engaged → open at list price with the expected close; closed → won or lost), each imported "
                 "dated its week")
    return Canonical(sellers=sellers, accounts=account_rows, deals=deals, snapshots=snapshots,
                     rep_emails=[_email(a) for a in agents], manager_emails=[head_email] + [_email(m) for m in managers],
                     shift_years=shift_years, counts=c, notes=notes)


def _is_zero(value: str) -> bool:
    try:
        return Decimal(value) == 0
    except ArithmeticError:
        return False


def _opp_row(d: Deal, at: dt.date | None, agents: dict) -> list[str]:
    """The canonical row of deal `d` in the week ending `at` (None: its final state)."""
    if d.closed and (at is None or d.close <= at):
        stage, won, closed, amount, close, forecast = d.stage, d.won, True, d.amount, d.close, ""
    elif d.closed:  # engaged, not closed yet: open at list price with the expected close
        stage, won, closed, amount, close, forecast = OPEN_STAGE, False, False, d.list_price, d.expected_close, "best_case"
    else:
        stage, won, closed, amount, close, forecast = d.stage, False, False, d.amount, d.expected_close, d.forecast
    owner = _email(d.owner) if d.owner in agents else d.owner
    return [d.ext, d.account, owner, stage, _csv_text(amount), "USD", _csv_text(d.engage), _csv_text(close),
            _csv_text(won), _csv_text(closed), d.product, forecast, f"{d.account or 'No account'} – {d.product}",
            d.deal_type]


def _weekly_snapshots(deals: list[Deal], *, today: dt.date, agents: dict) -> list[tuple[dt.date, RawTable]]:
    """One table per week (dated its Sunday, the last one today) with the deals that appeared or closed in it."""
    events: dict[dt.date, dict[str, Deal]] = defaultdict(dict)

    def week_end(d: dt.date) -> dt.date:
        end = d + dt.timedelta(days=6 - d.weekday())
        return min(end, today)

    for d in deals:
        appear = week_end(d.engage) if d.engage else today
        events[appear][d.ext] = d
        if d.closed and d.close:
            events[week_end(d.close)][d.ext] = d
    out = []
    for at in sorted(events):
        chosen = sorted(events[at].values(), key=lambda d: d.line)
        rows = [_opp_row(d, at, agents) for d in chosen]
        out.append((at, _table("sales_pipeline.csv", OPP_HEADER, rows, [d.line for d in chosen])))
    return out


# --- load ---------------------------------------------------------------------------------------


def import_crm_maven(*, tenant: Tenant | None = None, data_dir: Path, shift_years: int | None = None,
                     today: dt.date | None = None, tenant_slug: str | None = None, tenant_name: str | None = None,
                     actor=None, encoding: str | None = None) -> CrmMavenReport:
    """Import the export into the tenant (created when absent, only once the export is clean), in one
    transaction. Raises CrmExportError (nothing written) when the folder holds no export or any row is bad;
    DomainError when the tenant already has sellers."""
    from spm.services import tenant_create_or_update

    today = today or dt.date.today()
    canonical = clean_export(read_export(data_dir, encoding=encoding), today=today, shift_years=shift_years)
    slug = tenant.slug if tenant is not None else tenant_slug
    report = CrmMavenReport(tenant=None, shift_years=canonical.shift_years, counts=canonical.counts,
                            notes=list(canonical.notes))
    c = report.counts
    with transaction.atomic():
        tenant = tenant or Tenant.objects.filter(slug=slug).first() or tenant_create_or_update(
            slug=slug, name=tenant_name or slug.title())
        report.tenant = tenant
        with tenant_atomic(tenant):
            if Seller.objects.exists():
                raise DomainError(f"tenant {tenant.slug!r} already has sellers: import into an empty tenant",
                                  code="conflict")
        outcome = import_sellers(table=canonical.sellers, tenant_slug=tenant.slug, actor=actor)
        _raise_if_failed(outcome)
        c["sellers"] = outcome.report.created
        with tenant_atomic(tenant):
            bulk_insert(Account, ["external_id", "name", "industry", "country", "region", "employees", "annual_revenue",
                                  "latitude", "longitude"], canonical.accounts, tenant_id=tenant.pk)
            external = dict(Seller.objects.values_list("email", "external_id"))
        c["accounts"] = len(canonical.accounts)
        for at, table in canonical.snapshots:
            outcome = import_opportunities(table=table, tenant_slug=tenant.slug, as_of=at, actor=actor)
            _raise_if_failed(outcome)
            c["history rows"] += outcome.report.created + outcome.report.updated
        with tenant_atomic(tenant):
            c["opportunities"] = len(canonical.deals)
            report.first_month = _quotas(canonical, report)
        report.rep_ids = [external[e] for e in canonical.rep_emails]
        report.manager_ids = [external[e] for e in canonical.manager_emails]
    report.notes.append("no quota in the export: per rep per quarter = average won bookings per quarter (over the "
                        "months with closes) × 1.1, rounded to 1,000; managers carry their team's sum")
    return report


def _raise_if_failed(outcome) -> None:
    if outcome.errors:
        raise CrmExportError(outcome.errors)


def _quotas(canonical: Canonical, report: CrmMavenReport) -> str:
    """Quotas per rep per quarter = average won bookings per quarter × 1.1; managers carry their team's sum."""
    ids = dict(Seller.objects.values_list("email", "id"))
    manager_of = dict(Seller.objects.values_list("id", "manager_id"))
    won_by: dict[int, Decimal] = defaultdict(Decimal)
    months = set()
    for d in canonical.deals:
        if d.won:
            won_by[ids[_email(d.owner)]] += d.amount
            months.add((d.close.year, d.close.month))
    if not months:
        return ""
    quarters = sorted({_quarter_key(dt.date(y, m, 1)) for y, m in months})
    per_quarter = Decimal(3) / Decimal(len(months))
    rows: dict[tuple[int, str], Decimal] = {}
    for email in canonical.rep_emails:
        sid = ids[email]
        raw = won_by.get(sid, Decimal(0)) * per_quarter * Decimal("1.1")
        amount = Decimal(int((raw / 1000).quantize(Decimal(1))) * 1000)
        if amount <= 0:
            continue
        for q in quarters:
            node = sid
            while node:
                rows[(node, q)] = rows.get((node, q), Decimal(0)) + amount
                rows[(node, q[:4])] = rows.get((node, q[:4]), Decimal(0)) + amount
                node = manager_of.get(node)
    report.counts["quotas"] = bulk_insert(Quota, ["seller_id", "measure", "period", "amount", "source"],
                                          [(s, "bookings", k, a, "manual") for (s, k), a in sorted(rows.items())],
                                          tenant_id=current_tenant().pk)
    first = min(months)
    return f"{first[0]}-{first[1]:02d}"


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


def errors_text(errors: list[RowError]) -> str:
    buf = io.StringIO()
    for e in errors[:100]:
        buf.write(f"  {e}\n")
    if len(errors) > 100:
        buf.write(f"  … and {len(errors) - 100} more\n")
    return buf.getvalue()
