"""Load a scenario file (DESIGN.md, "Scenario files and admin commands") through the services.

Two phases inside ONE transaction: validate everything and collect every error (each naming the
record and the field); only when there is none, upsert by external id: sellers, quotas and deals
(with splits and stage changes) set-based (`spm.hub.scenario_bulk`: one read per kind, bulk insert /
bulk update), the small kinds through the product's services; then ONE audit record `scenario.load`
with the counts and ONE change-feed call for the affected sellers/months. Any error raises ScenarioError and the transaction writes nothing, the tenant
row included. Loading the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from compensation.engine import PlanValidationError, parse_plan_document
from compensation.models import Adjustment, CompPlan
from compensation.services import adjustment_create, adjustment_upsert, comp_plan_create, plan_assignment_upsert
from compensation.services.plans import canonical_plan_document
from performance.models import WON_STAGE, Opportunity, stage_flags
from performance.services import opportunity_event_record
from planning.models import Account, Seller, Territory
from planning.services import seller_months_changed, territory_upsert
from spm.audit import audit_record
from spm.errors import DomainError
from spm.fiscal import is_month_key, parse_period_key
from spm.hub import scenario_deals
from spm.hub.scenario_accounts import load_accounts
from spm.hub.scenario_assignments import load_assignments
from spm.hub.scenario_bulk import Affected, load_deals, load_quotas, load_sellers
from spm.hub.scenario_fx import load_fx_rates
from spm.imports import load_guard
from spm.models import Tenant
from spm.services import tenant_create_or_update
from spm.tenancy.db import tenant_atomic

KINDS = ["fx_rates", "sellers", "territories", "accounts", "plans", "assignments", "quotas", "deals", "events",
         "adjustments"]
TOP_KEYS = {"tenant", *KINDS}
RECORD_KEYS = {
    "tenant": {"name", "currency", "fiscal_year_start_month"},
    "fx_rates": {"currency", "rate_to_base", "effective_from"},
    "sellers": {"id", "name", "email", "role_type", "manager", "hire_date", "end_date", "segment", "region", "title"},
    "assignments": {"seller", "plan", "from", "to", "target_incentive"},
    "quotas": {"seller", "measure", "period", "amount", "source"},
    "deals": {"id", "name", "owner", "amount", "currency", "close_date", "created_date", "stage", "deal_type",
              "account", "splits", "forecast_category"},
    "events": {"type", "deal", "date"},
    "adjustments": {"id", "seller", "period", "amount", "reason"},
    "accounts": {"id", "name", "industry", "country", "region", "employees", "annual_revenue", "latitude",
                 "longitude", "territory"},
    "territories": {"name", "region", "owner", "rules"},
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class ScenarioError(DomainError):
    """The scenario is invalid; `errors` lists every problem, each naming the record and field."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__(f"Scenario has {len(self.errors)} error(s):\n" + "\n".join(f"- {e}" for e in self.errors),
                         code="invalid_scenario")


@dataclass
class ScenarioReport:
    tenant: str
    tenant_created: bool = False
    counts: dict[str, Counter] = field(default_factory=dict)

    def count(self, kind: str, status: str) -> None:
        self.counts.setdefault(kind, Counter())[status] += 1

    @property
    def changed(self) -> bool:
        return self.tenant_created or any(c["created"] or c["updated"] for c in self.counts.values())

    def lines(self) -> list[str]:
        out = [f"Tenant {self.tenant}: {'created' if self.tenant_created else 'existing'}"]
        for kind in KINDS:
            if kind in self.counts:
                c = self.counts[kind]
                out.append(f"{kind}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged")
        return out


# --- phase 1: validation ------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, where: str, field_name: str, message: str) -> None:
        self.errors.append(f"{where}: {field_name}: {message}")

    def text(self, where, rec, key, *, required=False, default=""):
        value = rec.get(key, None)
        if value is None:
            if required:
                self.err(where, key, "is required")
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.err(where, key, "must be a non-empty string" if required else "must be a string")
            return default
        return value.strip()

    def decimal(self, where, rec, key, *, required=True, minimum=None, positive=False):
        value = rec.get(key)
        if value is None:
            if required:
                self.err(where, key, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.err(where, key, "must be a decimal number")
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.err(where, key, f"{value!r} is not a decimal number")
            return None
        if not number.is_finite():
            self.err(where, key, "must be a finite decimal number")
            return None
        if positive and number <= 0:
            self.err(where, key, "must be greater than 0")
        elif minimum is not None and number < minimum:
            self.err(where, key, f"must be at least {minimum}")
        return number

    def date(self, where, rec, key, *, required=True):
        value = rec.get(key)
        if value is None:
            if required:
                self.err(where, key, "is required")
            return None
        try:
            return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad()
        except ValueError:
            self.err(where, key, f"{value!r} is not an ISO date YYYY-MM-DD")
            return None

    def choice(self, where, rec, key, choices, default):
        value = rec.get(key, default)
        if value not in choices:
            self.err(where, key, f"{value!r} is not one of {', '.join(choices)}")
            return default
        return value

    def unknown(self, where, rec, kind):
        extra = rec.keys() - RECORD_KEYS[kind]
        if extra:
            extra = sorted(extra)
            self.err(where, "keys", f"unknown key(s) {', '.join(map(repr, extra))}")


def _bad():
    raise ValueError


def _where(kind: str, index: int, rec: Any, id_key: str | None = "id") -> str:
    label = rec.get(id_key) if isinstance(rec, dict) and id_key else None
    if kind == "plans" and isinstance(rec, dict):
        return f'plans[{index}] "{rec.get("name")}"'
    return f'{kind}[{index}]' + (f' (id "{label}")' if label is not None else "")


def _check_deal(c: _Checker, where: str, rec, seen: Counter, sellers, accounts, deal_types, forecast_categories,
                ref) -> dict | None:
    """The full checks of one deal record: word every error into `c`; return the parsed record (None for a non-object)."""
    if not isinstance(rec, dict):
        c.errors.append(f"{where}: must be an object")
        return None
    c.unknown(where, rec, "deals")
    did = c.text(where, rec, "id", required=True)
    seen[did] += 1
    if did and seen[did] == 2:
        c.err(where, "id", f'"{did}" appears more than once')
    stage = c.text(where, rec, "stage") or WON_STAGE  # a free stage name; closed_won/closed_lost decide the state
    close = c.date(where, rec, "close_date", required=stage_flags(stage)[1])
    cur = c.text(where, rec, "currency")
    if cur and not _CURRENCY.match(cur):
        c.err(where, "currency", f"{cur!r} is not a 3-letter upper-case currency code")
    splits = []
    raw = rec.get("splits") or []
    if not isinstance(raw, list):
        c.err(where, "splits", "must be a list of {seller, pct}")
        raw = []
    for j, s in enumerate(raw):
        if not isinstance(s, dict) or set(s) - {"seller", "pct"}:
            c.err(where, f"splits[{j}]", "must be an object with keys seller and pct")
            continue
        seller = ref(where, s, "seller", sellers, "a seller")
        pct = c.decimal(f"{where}: splits[{j}]", s, "pct", positive=True)
        splits.append((seller, pct))
    pcts = [p for _, p in splits if p is not None]
    if pcts and all(p <= 1 for p in pcts) and sum(pcts) <= 1:
        splits = [(s, p * 100 if p is not None else None) for s, p in splits]  # fractions → percent
    if sum(p for _, p in splits if p is not None) > 100:
        c.err(where, "splits", "percentages add up to more than 100")
    parsed = {
        "external_id": did, "name": c.text(where, rec, "name"), "owner": ref(where, rec, "owner", sellers, "a seller"),
        "amount": c.decimal(where, rec, "amount"), "currency": cur or None, "close_date": close,
        "created_date": c.date(where, rec, "created_date", required=False), "stage": stage,
        "deal_type": c.choice(where, rec, "deal_type", deal_types, "new_logo"),
        "account": ref(where, rec, "account", accounts, "an account", required=False), "splits": tuple(splits),
        "forecast_category": rec.get("forecast_category"),
    }
    if rec.get("forecast_category") is not None:
        c.choice(where, rec, "forecast_category", forecast_categories, None)
    return parsed


def _is_period_key(period, fy: int) -> bool:
    try:
        parse_period_key(period, fy)
    except ValueError:
        return False
    return True


def _validate(data: dict, existing: dict[str, set], fy: int) -> tuple[list[str], dict]:
    """Check every record; return (errors, parsed records per kind)."""
    c = _Checker()
    role_types, deal_types = Seller.RoleType.values, Opportunity.DealType.values  # once, not per record
    forecast_categories = Opportunity.ForecastCategory.values
    parsed: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for key in sorted(set(data) - TOP_KEYS):
        c.errors.append(f"{key}: unknown top-level key (expected {', '.join(sorted(TOP_KEYS))})")
    records: dict[str, list] = {}
    for kind in KINDS:
        value = data.get(kind, [])
        if not isinstance(value, list):
            c.errors.append(f"{kind}: must be a list")
            value = []
        records[kind] = value

    def items(kind, id_key="id"):
        for i, rec in enumerate(records[kind]):
            where = _where(kind, i, rec, id_key)
            if not isinstance(rec, dict):
                c.errors.append(f"{where}: must be an object")
                continue
            c.unknown(where, rec, kind)
            yield i, where, rec

    def ids_of(kind, key):
        return {r.get(key) for r in records[kind] if isinstance(r, dict) and isinstance(r.get(key), str)}

    sellers = ids_of("sellers", "id") | existing["sellers"]
    accounts = ids_of("accounts", "id") | existing["accounts"]
    territories = ids_of("territories", "name") | existing["territories"]
    plan_names = ids_of("plans", "name") | existing["plans"]

    def ref(where, rec, key, known, what, *, required=True):
        value = rec.get(key)
        if value is None:
            if required:
                c.err(where, key, "is required")
            return None
        if not isinstance(value, str) or value not in known:  # known ids are strings (a list would not hash)
            c.errors.append(f'{where}: {key} "{value}" is not {what} in this scenario or tenant')
            return None
        return value

    for _, where, rec in items("fx_rates", None):
        cur = c.text(where, rec, "currency", required=True)
        if cur and not _CURRENCY.match(cur):
            c.err(where, "currency", f"{cur!r} is not a 3-letter upper-case currency code")
        parsed["fx_rates"].append({"currency": cur, "rate_to_base": c.decimal(where, rec, "rate_to_base", positive=True),
                                   "effective_from": c.date(where, rec, "effective_from")})

    seen: Counter = Counter()
    managers: dict[str, str | None] = {}
    for _, where, rec in items("sellers"):
        sid = c.text(where, rec, "id", required=True)
        seen[sid] += 1
        if sid and seen[sid] == 2:
            c.err(where, "id", f'"{sid}" appears more than once')
        manager = ref(where, rec, "manager", sellers, "a seller", required=False)
        if manager is not None and manager == sid:
            c.err(where, "manager", "a seller cannot manage themselves")
            manager = None
        managers[sid] = manager
        email = c.text(where, rec, "email")
        if email and "@" not in email:
            c.err(where, "email", f"{email!r} is not an e-mail address")
        parsed["sellers"].append({
            "external_id": sid, "name": c.text(where, rec, "name", required=True),
            "role_type": c.choice(where, rec, "role_type", role_types, "AE"), "email": email,
            "manager": manager, "hire_date": c.date(where, rec, "hire_date", required=False),
            "end_date": c.date(where, rec, "end_date", required=False), "segment": c.text(where, rec, "segment"),
            "region": c.text(where, rec, "region"), "title": c.text(where, rec, "title"),
        })
    for sid in managers:  # cycles within the file (DB chains are checked by seller_upsert)
        node, path = managers.get(sid), {sid}
        while node is not None and node in managers:
            if node in path:
                c.errors.append(f'sellers (id "{sid}"): manager: the reporting line loops back to "{node}" (cycle)')
                break
            path.add(node)
            node = managers.get(node)

    for _, where, rec in items("territories", "name"):
        parsed["territories"].append({
            "name": c.text(where, rec, "name", required=True), "region": c.text(where, rec, "region"),
            "owner": ref(where, rec, "owner", sellers, "a seller", required=False), "rules": rec.get("rules") or {},
        })
        if not isinstance(rec.get("rules") or {}, dict):
            c.err(where, "rules", "must be an object")

    for _, where, rec in items("accounts"):
        fields = {k: c.text(where, rec, k) for k in ("industry", "country", "region")}
        if rec.get("employees") is not None:
            if isinstance(rec["employees"], bool) or not isinstance(rec["employees"], int) or rec["employees"] < 0:
                c.err(where, "employees", "must be a whole number >= 0")
            else:
                fields["employees"] = rec["employees"]
        for k in ("annual_revenue", "latitude", "longitude"):
            if rec.get(k) is not None:
                fields[k] = c.decimal(where, rec, k)
        fields["territory"] = ref(where, rec, "territory", territories, "a territory", required=False)
        parsed["accounts"].append({"external_id": c.text(where, rec, "id", required=True),
                                   "name": c.text(where, rec, "name", required=True), **fields})

    seen = Counter()
    for i, rec in enumerate(records["plans"]):
        where = _where("plans", i, rec)
        if not isinstance(rec, dict):
            c.errors.append(f"{where}: must be an object")
            continue
        try:
            parse_plan_document(rec, storable=True)
        except PlanValidationError as exc:
            c.errors.extend(f"{where}: {e}" for e in exc.errors)
            continue
        seen[rec["name"]] += 1
        if seen[rec["name"]] == 2:
            c.err(where, "name", "another plan in this file has the same name")
        parsed["plans"].append(rec)

    for _, where, rec in items("assignments", None):
        start = c.date(where, rec, "from")
        end = c.date(where, rec, "to", required=False)
        if start and end and end < start:
            c.err(where, "to", f"{end} is before from {start}")
        parsed["assignments"].append({
            "seller": ref(where, rec, "seller", sellers, "a seller"), "plan": ref(where, rec, "plan", plan_names, "a plan"),
            "start_date": start, "end_date": end,
            "target_incentive": c.decimal(where, rec, "target_incentive", required=False, minimum=0) or Decimal(0),
        })

    period_ok: dict[str, bool] = {}  # a few distinct periods among 120,000 quotas: each parsed once
    for _, where, rec in items("quotas", None):
        period = rec.get("period")
        if not isinstance(period, str):  # not hashable, maybe: checked (and refused) as it is
            ok = _is_period_key(period, fy)
        elif (ok := period_ok.get(period)) is None:
            ok = period_ok[period] = _is_period_key(period, fy)
        if not ok:
            c.err(where, "period", f"{period!r} is not a period key like 2027-03, 2027-Q1 or 2027")
        parsed["quotas"].append({
            "seller": ref(where, rec, "seller", sellers, "a seller"), "measure": c.text(where, rec, "measure") or "bookings",
            "period": period, "amount": c.decimal(where, rec, "amount", minimum=0),
            "source": c.choice(where, rec, "source", ["manual", "capacity", "ramp"], "manual"),
        })

    # Most records are plain: the column-wise checks (scenario_deals.fast_columns) parse them with no
    # per-record call. Any record they do not vouch for (a wrong type, a bad value, a repeated id)
    # takes the checks below, which word every error — so the errors and the parsed records are the
    # same whichever path a record would have taken.
    deals, slow = scenario_deals.fast_columns(records["deals"], sellers, accounts, deal_types, forecast_categories)
    seen = Counter()
    replaced: dict[int, dict | None] = {}
    for i in slow:
        replaced[i] = _check_deal(c, _where("deals", i, records["deals"][i]), records["deals"][i], seen, sellers,
                                  accounts, deal_types, forecast_categories, ref)
    parsed["deals"] = deals.merged(len(records["deals"]), replaced) if replaced else deals

    # Only events refer to deals: the known deal ids (a million at full size) are gathered only for them.
    deals_ids = ids_of("deals", "id") | existing["deals"] if records["events"] else set()
    for _, where, rec in items("events", None):
        parsed["events"].append({
            "type": c.choice(where, rec, "type", ["churn"], "churn"), "deal": ref(where, rec, "deal", deals_ids, "a deal"),
            "date": c.date(where, rec, "date"),
        })

    for _, where, rec in items("adjustments"):
        period = rec.get("period")
        if not is_month_key(period):
            c.err(where, "period", f"{period!r} is not a month key like 2027-03")
        amount = c.decimal(where, rec, "amount")
        if amount is not None and amount != amount.quantize(Decimal("0.01")):
            c.err(where, "amount", "has more than 2 decimals")
        parsed["adjustments"].append({
            "seller": ref(where, rec, "seller", sellers, "a seller"), "period": period, "amount": amount,
            "reason": c.text(where, rec, "reason", required=True), "id": rec.get("id"),
        })
    return c.errors, parsed


def _validate_tenant(raw: Any) -> tuple[list[str], dict]:
    c = _Checker()
    if raw is None:
        return [], {}
    if not isinstance(raw, dict):
        return ["tenant: must be an object"], {}
    c.unknown("tenant", raw, "tenant")
    out = {}
    if "name" in raw:
        out["name"] = c.text("tenant", raw, "name", required=True)
    if "currency" in raw:
        cur = c.text("tenant", raw, "currency", required=True)
        if cur and not _CURRENCY.match(cur):
            c.err("tenant", "currency", f"{cur!r} is not a 3-letter upper-case currency code")
        out["base_currency"] = cur
    if "fiscal_year_start_month" in raw:
        fy = raw["fiscal_year_start_month"]
        if isinstance(fy, bool) or not isinstance(fy, int) or not 1 <= fy <= 12:
            c.err("tenant", "fiscal_year_start_month", "must be a whole number from 1 to 12")
        else:
            out["fiscal_year_start_month"] = fy
    return c.errors, out


# --- phase 2: apply -----------------------------------------------------------------------


class _SellerRefs:
    """external id → Seller instance (pk only), built on demand for the services that take instances."""

    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids
        self._by_pk: dict[int, Seller] | None = None

    def __getitem__(self, ext: str) -> Seller:
        if self._by_pk is None:  # one query, on first use
            self._by_pk = Seller.objects.in_bulk()
        return self._by_pk[self.ids[ext]]

    def get(self, ext: str, default=None):
        return self[ext] if ext in self.ids else default


def _assignments_per_record(rows: list[dict], sellers: _SellerRefs, plans: dict[str, CompPlan],
                            report: ScenarioReport, actor) -> None:
    """The assignments through `plan_assignment_upsert`, one record at a time: the files the set-based
    path declines (scenario_assignments), and the reference tests/hub/test_scenario_assignments.py compares it with."""
    for r in rows:
        a = plan_assignment_upsert(**{**r, "seller": sellers[r["seller"]], "plan": plans[r["plan"]]}, actor=actor)
        report.count("assignments", a.upsert_status)


def _apply(parsed: dict, report: ScenarioReport, actor, affected: Affected, fy_start: int) -> None:
    """Write the validated records: fx rates (scenario_fx), sellers, quotas and deals (scenario_bulk),
    accounts (scenario_accounts) and plan assignments (scenario_assignments) set-based, the small kinds
    (territories, plans, events, adjustments) through their services."""
    if parsed["fx_rates"]:
        load_fx_rates(parsed["fx_rates"], report.counts.setdefault("fx_rates", Counter()))
    seller_ids = load_sellers(parsed["sellers"], report.counts.setdefault("sellers", Counter()))
    sellers = _SellerRefs(seller_ids)
    territories = {t.name: t for t in Territory.objects.all()}
    for r in parsed["territories"]:
        t, _ = territory_upsert(**{**r, "owner": sellers.get(r["owner"]) if r["owner"] else None}, actor=actor)
        territories[t.name] = t
        report.count("territories", t.upsert_status)
    account_counts = Counter()
    account_ids = load_accounts(parsed["accounts"], {name: t.pk for name, t in territories.items()}, account_counts)
    if parsed["accounts"]:
        report.counts["accounts"] = account_counts
    plans: dict[str, CompPlan] = {}
    for p in CompPlan.objects.order_by("name", "version"):
        plans[p.name] = p  # the latest version wins
    for doc in parsed["plans"]:
        latest = plans.get(doc["name"])
        if latest is not None and latest.document == canonical_plan_document(doc):
            report.count("plans", "unchanged")
            continue
        plans[doc["name"]] = comp_plan_create(document=doc, actor=actor, publish=True)
        report.count("plans", "created" if latest is None else "updated")
    if parsed["assignments"] and not load_assignments(parsed["assignments"], seller_ids, plans,
                                                      report.counts.setdefault("assignments", Counter())):
        _assignments_per_record(parsed["assignments"], sellers, plans, report, actor)
    if parsed["quotas"]:
        load_quotas(parsed["quotas"], seller_ids, report.counts.setdefault("quotas", Counter()), affected, fy_start)
    if parsed["deals"]:
        load_deals(parsed["deals"], seller_ids, account_ids,
                   report.counts.setdefault("deals", Counter()), affected)
    deals: dict[str, Opportunity] = {}
    if parsed["events"]:
        wanted = {e["deal"] for e in parsed["events"]}
        deals = {o.external_id: o for o in Opportunity.objects.filter(external_id__in=wanted)}
    for r in parsed["events"]:
        event = opportunity_event_record(opportunity=deals[r["deal"]], type=r["type"], date=r["date"], actor=actor)
        report.count("events", event.upsert_status)
    existing_adj = Counter(
        Adjustment.objects.filter(external_id="").values_list("seller__external_id", "period", "reason", "amount")
    )
    for r in parsed["adjustments"]:
        if r["id"] not in (None, ""):
            _, status = adjustment_upsert(external_id=str(r["id"]), seller=sellers[r["seller"]], period=r["period"],
                                          amount=r["amount"], reason=r["reason"], actor=actor)
            report.count("adjustments", status)
            continue
        # Without an "id", an adjustment is identified by (seller, period, reason, amount).
        key = (r["seller"], r["period"], r["reason"], r["amount"].quantize(Decimal("0.01")))
        if existing_adj[key] > 0:
            existing_adj[key] -= 1
            report.count("adjustments", "unchanged")
            continue
        adjustment_create(seller=sellers[r["seller"]], period=r["period"], amount=r["amount"], reason=r["reason"],
                          actor=actor)
        report.count("adjustments", "created")


def _existing_ids(*, deals: bool) -> dict[str, set]:
    """External ids already in the tenant, per kind; the deals' only when `deals` (events refer to them)."""
    return {
        "sellers": set(Seller.objects.values_list("external_id", flat=True)),
        "deals": set(Opportunity.objects.values_list("external_id", flat=True)) if deals else set(),
        "accounts": set(Account.objects.values_list("external_id", flat=True)),
        "territories": set(Territory.objects.values_list("name", flat=True)),
        "plans": set(CompPlan.objects.values_list("name", flat=True)),
    }


def scenario_load(*, data: dict, tenant_slug: str, actor=None) -> ScenarioReport:
    """Validate and load scenario `data` into tenant `tenant_slug` (created when missing).

    Errors: ScenarioError listing every problem (record and field named); nothing is written then,
    not even the tenant. Idempotent: a second load of the same data reports everything unchanged
    and writes no audit event; a load that changes anything writes one `scenario.load` audit event
    with the counts per kind (the small kinds' services still audit their own rows).
    """
    if not isinstance(data, dict):
        raise ScenarioError(["scenario: must be a JSON object"])
    tenant_errors, tenant_values = _validate_tenant(data.get("tenant"))
    if tenant_errors:
        raise ScenarioError(tenant_errors)
    with load_guard(f"scenario for {tenant_slug}"), transaction.atomic():  # DB failure: nothing written
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        created = tenant is None
        if created or tenant_values:
            values = {
                "name": tenant.name if tenant else tenant_slug.replace("-", " ").title(),
                "base_currency": tenant.base_currency if tenant else "USD",
                "fiscal_year_start_month": tenant.fiscal_year_start_month if tenant else 1,
                **tenant_values,
            }
            try:
                tenant = tenant_create_or_update(slug=tenant_slug, **values)
            except ValidationError as exc:
                raise ScenarioError([f"tenant: {m}" for m in exc.messages]) from None
        report = ScenarioReport(tenant=tenant.slug, tenant_created=created)
        with tenant_atomic(tenant):
            errors, parsed = _validate(data, _existing_ids(deals=bool(data.get("events"))),
                                       tenant.fiscal_year_start_month)
            if errors:
                raise ScenarioError(errors)
            affected = Affected()
            try:
                _apply(parsed, report, actor, affected, tenant.fiscal_year_start_month)
            except ValidationError as exc:
                raise ScenarioError([f"{k}: {', '.join(v)}" for k, v in exc.message_dict.items()]
                                    if hasattr(exc, "error_dict") else exc.messages) from None
            except DomainError as exc:
                raise ScenarioError([str(exc)]) from None
            if affected.by_month:
                seller_months_changed(sellers_by_month=affected.by_month, reason=f"scenario loaded into {tenant.slug}")
            if report.changed:
                audit_record(actor=actor, action="scenario.load", instance=tenant, before=None,
                             after={"tenant_created": report.tenant_created,
                                    "counts": {k: dict(c) for k, c in report.counts.items()}})
        return report
