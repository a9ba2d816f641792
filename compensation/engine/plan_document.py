"""Plan documents: validation (collecting every error) and canonical export.  Pure, no Django."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "DEAL_TYPES",
    "Cap",
    "Clawback",
    "CommissionComponent",
    "Component",
    "Draw",
    "Measure",
    "PlanDocument",
    "PlanValidationError",
    "Quota",
    "SpifComponent",
    "SpifCondition",
    "Tier",
    "parse_plan_document",
    "plan_document_to_dict",
]

DEAL_TYPES = ("new_logo", "expansion", "renewal")
# Descriptive metadata a plan file may carry; the engine ignores it (typos in rules still fail).
PLAN_METADATA_KEYS = {"version", "description", "effective_from", "effective_to", "status", "id"}
PLAN_KEYS = {"name", "currency", "components", "clawback", "draw"} | PLAN_METADATA_KEYS
COMMISSION_KEYS = {"name", "type", "measure", "quota", "basis", "method", "tiers", "weight", "cap", "rollup", "description"}
SPIF_KEYS = {"name", "type", "amount", "when", "description"}


class PlanValidationError(ValueError):
    """Raised by :func:`parse_plan_document`; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str], field_errors: list[tuple[str, str]] | None = None):
        self.errors = list(errors)
        # (path, message) pairs, e.g. ("components[0].tiers[1].rate", "must be a decimal number"):
        # the same problems as `errors`, structured so callers never parse the text.
        self.field_errors = list(field_errors) if field_errors is not None else [("document", e) for e in self.errors]
        super().__init__("invalid plan document:\n" + "\n".join(f"- {e}" for e in self.errors))


@dataclass(frozen=True)
class Tier:
    upto: Decimal | None  # attainment fraction (1.0 = 100 %); None = unbounded (last tier only)
    rate: Decimal


@dataclass(frozen=True)
class Measure:
    deal_types: tuple[str, ...] | None = None  # None = every deal type

    def matches(self, deal_type: str) -> bool:
        return self.deal_types is None or deal_type in self.deal_types


@dataclass(frozen=True)
class Quota:
    measure: str
    period: str  # month | quarter | year


@dataclass(frozen=True)
class Cap:
    amount: Decimal


@dataclass(frozen=True)
class Component:
    name: str

    @property
    def type(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True)
class CommissionComponent(Component):
    measure: Measure
    quota: Quota | None
    basis: str  # credit | target_incentive
    method: str  # marginal | retroactive
    tiers: tuple[Tier, ...]
    weight: Decimal = Decimal(1)
    cap: Cap | None = None
    rollup: bool = False

    @property
    def type(self) -> str:
        return "commission"


@dataclass(frozen=True)
class SpifCondition:
    deal_types: tuple[str, ...] | None = None
    min_amount: Decimal | None = None
    closed_from: date | None = None
    closed_to: date | None = None


@dataclass(frozen=True)
class SpifComponent(Component):
    amount: Decimal
    when: SpifCondition = SpifCondition()

    @property
    def type(self) -> str:
        return "spif"


@dataclass(frozen=True)
class Clawback:
    window_days: int
    method: str  # full | prorated


@dataclass(frozen=True)
class Draw:
    amount: Decimal
    recoverable: bool = True


@dataclass(frozen=True)
class PlanDocument:
    name: str
    currency: str
    components: tuple[Component, ...]
    clawback: Clawback | None = None
    draw: Draw | None = None

    @property
    def commission_components(self) -> tuple[CommissionComponent, ...]:
        return tuple(c for c in self.components if isinstance(c, CommissionComponent))

    @property
    def spif_components(self) -> tuple[SpifComponent, ...]:
        return tuple(c for c in self.components if isinstance(c, SpifComponent))


# --------------------------------------------------------------------------------------------
# parsing helpers: each takes an ``err(field, message)`` callback and returns a value or None
# --------------------------------------------------------------------------------------------



def _decimal(value: Any, field: str, err, *, minimum: Decimal | None = None, strict_min: bool = False):
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        err(field, "must be a decimal number")
        return None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        err(field, "must be a decimal number")
        return None
    if not d.is_finite():
        err(field, "must be a decimal number")
        return None
    if minimum is not None:
        if strict_min and d <= minimum:
            err(field, f"must be > {minimum}")
            return None
        if not strict_min and d < minimum:
            err(field, f"must be >= {minimum}")
            return None
    return d


def _bool(value: Any, field: str, err):
    if not isinstance(value, bool):
        err(field, "must be true or false")
        return None
    return value


def _choice(value: Any, field: str, choices: tuple[str, ...], err):
    if value not in choices:
        err(field, f"must be one of {', '.join(choices)} (got {value!r})")
        return None
    return value


def _unknown(d: dict, allowed: set[str], prefix: str, err) -> None:
    extra = sorted(str(k) for k in d if k not in allowed)
    if extra:
        err(prefix, f"unknown key(s) {', '.join(repr(k) for k in extra)} (allowed: {', '.join(sorted(allowed))})")


def _deal_types(value: Any, field: str, err):
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        err(field, f"must be a non-empty list of {', '.join(DEAL_TYPES)}")
        return None
    bad = [v for v in value if v not in DEAL_TYPES]
    if bad:
        err(field, f"unknown deal type(s) {', '.join(repr(b) for b in bad)} (allowed: {', '.join(DEAL_TYPES)})")
        return None
    return tuple(dict.fromkeys(value))


def _iso_date(value: Any, field: str, err):
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    err(field, "must be an ISO date 'YYYY-MM-DD'")
    return None


def _parse_tiers(raw: Any, err):
    if not isinstance(raw, list) or not raw:
        err("tiers", "must be a non-empty list of {upto?, rate}")
        return None
    tiers: list[Tier] = []
    ok = True
    prev: Decimal | None = Decimal(0)
    for i, t in enumerate(raw):
        f = f"tiers[{i}]"
        if not isinstance(t, dict):
            err(f, "must be an object {upto?, rate}")
            ok = False
            continue
        _unknown(t, {"upto", "rate"}, f, err)
        rate = _decimal(t.get("rate"), f"{f}.rate", err) if "rate" in t else err(f"{f}.rate", "is required")
        upto = None
        if t.get("upto") is not None:
            upto = _decimal(t["upto"], f"{f}.upto", err)
            if upto is not None and prev is not None and upto <= prev:
                err(f"{f}.upto", f"must be greater than the previous upto ({prev})" if i else "must be > 0")
                upto = None
                ok = False
        elif i != len(raw) - 1:
            err(f"{f}.upto", "is required (only the last tier may omit upto)")
            ok = False
        if rate is None:
            ok = False
        prev = upto if upto is not None else prev
        tiers.append(Tier(upto=upto, rate=rate))
    return tuple(tiers) if ok else None


def _parse_commission(c: dict, err) -> CommissionComponent | None:
    n_errors = [0]

    def e(field, msg):
        n_errors[0] += 1
        err(field, msg)

    _unknown(c, COMMISSION_KEYS, "component", e)
    measure = Measure()
    m = c.get("measure", {})
    if m is None:
        m = {}
    if not isinstance(m, dict):
        e("measure", "must be an object, e.g. {} or {\"deal_types\": [\"new_logo\"]}")
    else:
        _unknown(m, {"deal_types"}, "measure", e)
        measure = Measure(deal_types=_deal_types(m.get("deal_types"), "measure.deal_types", e))

    quota = None
    # An absent quota means the same as "quota": null (a flat-rate component).
    if c.get("quota") is not None:
        q = c["quota"]
        if not isinstance(q, dict):
            e("quota", "must be null or an object {measure, period}")
        else:
            _unknown(q, {"measure", "period"}, "quota", e)
            qm = q.get("measure", "bookings")
            if not isinstance(qm, str) or not qm.strip():
                e("quota.measure", "must be a non-empty string")
                qm = None
            qp = _choice(q.get("period"), "quota.period", ("month", "quarter", "year"), e)
            if qm and qp:
                quota = Quota(measure=qm.strip(), period=qp)

    basis = _choice(c.get("basis", "credit"), "basis", ("credit", "target_incentive"), e)
    method = _choice(c.get("method", "marginal"), "method", ("marginal", "retroactive"), e)
    tiers = _parse_tiers(c.get("tiers"), e)
    weight = _decimal(c.get("weight", "1"), "weight", e)
    cap = None
    if c.get("cap") is not None:
        cp = c["cap"]
        if not isinstance(cp, dict):
            e("cap", "must be an object {\"amount\": ...}")
        else:
            _unknown(cp, {"amount"}, "cap", e)
            amt = _decimal(cp.get("amount"), "cap.amount", e, minimum=Decimal(0))
            if amt is not None:
                cap = Cap(amount=amt)
    rollup = _bool(c.get("rollup", False), "rollup", e)
    if c.get("quota") is None:
        if basis == "target_incentive":
            e("basis", "target_incentive requires a quota (a component with quota null pays credit x rate)")
        if c.get("cap") is not None:
            e("cap", "requires a quota (the cap applies per quota period)")
    if n_errors[0] or not isinstance(c.get("name"), str) or not c["name"].strip():
        return None
    return CommissionComponent(
        name=c["name"].strip(), measure=measure, quota=quota, basis=basis, method=method, tiers=tiers,
        weight=weight, cap=cap, rollup=rollup,
    )


def _parse_spif(c: dict, err) -> SpifComponent | None:
    n_errors = [0]

    def e(field, msg):
        n_errors[0] += 1
        err(field, msg)

    _unknown(c, SPIF_KEYS, "component", e)
    amount = _decimal(c.get("amount"), "amount", e) if "amount" in c else e("amount", "is required")
    w = c.get("when", {})
    cond = SpifCondition()
    if w is None:
        w = {}
    if not isinstance(w, dict):
        e("when", "must be an object {deal_types?, min_amount?, closed_from?, closed_to?}")
    else:
        _unknown(w, {"deal_types", "min_amount", "closed_from", "closed_to"}, "when", e)
        dt = _deal_types(w.get("deal_types"), "when.deal_types", e)
        mn = _decimal(w["min_amount"], "when.min_amount", e) if w.get("min_amount") is not None else None
        cf = _iso_date(w.get("closed_from"), "when.closed_from", e)
        ct = _iso_date(w.get("closed_to"), "when.closed_to", e)
        if cf and ct and ct < cf:
            e("when.closed_to", "must not be before closed_from")
        cond = SpifCondition(deal_types=dt, min_amount=mn, closed_from=cf, closed_to=ct)
    if n_errors[0] or not isinstance(c.get("name"), str) or not c["name"].strip():
        return None
    return SpifComponent(name=c["name"].strip(), amount=amount, when=cond)


# What a statement line stores: amounts of up to 12 whole digits, rates of up to 6, component names of
# up to 200 characters. A larger value in a plan would only fail later, in the calculation's write of a
# line (or in rendering the plan: Decimal calls 1e400 finite). Checked on documents being stored, not on
# stored ones, so a plan saved before the check never stops a calculation.
AMOUNT_LIMIT, RATE_LIMIT, NAME_MAX_LENGTH = Decimal(10) ** 12, Decimal(10) ** 6, 200


def _storable_errors(plan: PlanDocument) -> list[tuple[str, str]]:
    """(path, message) for each value of a parsed plan that a statement line cannot hold."""
    out: list[tuple[str, str]] = []

    def check(path: str, value: Decimal | None, limit: Decimal = AMOUNT_LIMIT) -> None:
        if value is not None and abs(value) >= limit:
            out.append((path, f"must be less than {limit:,.0f} in size"))

    for i, c in enumerate(plan.components):
        where = f"components[{i}]"
        if len(c.name) > NAME_MAX_LENGTH:
            out.append((f"{where}.name", f"must be at most {NAME_MAX_LENGTH} characters"))
        if isinstance(c, CommissionComponent):
            for j, t in enumerate(c.tiers):
                check(f"{where}.tiers[{j}].rate", t.rate, RATE_LIMIT)
                check(f"{where}.tiers[{j}].upto", t.upto)
            check(f"{where}.weight", c.weight, RATE_LIMIT)
            check(f"{where}.cap.amount", c.cap.amount if c.cap else None)
        elif isinstance(c, SpifComponent):
            check(f"{where}.amount", c.amount)
            check(f"{where}.when.min_amount", c.when.min_amount)
    check("draw.amount", plan.draw.amount if plan.draw else None)
    return out


def parse_plan_document(doc: dict, *, storable: bool = False) -> PlanDocument:
    """Validate a plan document fully and return a :class:`PlanDocument`.

    Collects every problem and raises :class:`PlanValidationError` listing them all. `storable`: also
    refuse values a statement line cannot hold (for a document about to be stored or previewed).
    """
    errors: list[str] = []
    field_errors: list[tuple[str, str]] = []

    def top(field, msg):
        errors.append(f"{field}: {msg}")
        field_errors.append((field, msg))

    if not isinstance(doc, dict):
        raise PlanValidationError(["plan document must be a JSON object"])
    _unknown(doc, PLAN_KEYS, "plan", top)

    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        top("name", "must be a non-empty string")
    currency = doc.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
        top("currency", "must be a 3-letter currency code, e.g. USD")
        currency = None
    else:
        currency = currency.strip().upper()

    components: list[Component] = []
    raw_components = doc.get("components")
    if not isinstance(raw_components, list) or not raw_components:
        top("components", "must be a non-empty list")
        raw_components = []
    seen: dict[str, int] = {}
    for i, c in enumerate(raw_components):
        cname = c.get("name") if isinstance(c, dict) else None
        prefix = f"components[{i}]" + (f" {cname.strip()!r}" if isinstance(cname, str) and cname.strip() else "")

        def err(field, msg, prefix=prefix, i=i):
            errors.append(f"{prefix}: {field}: {msg}")
            field_errors.append((f"components[{i}].{field}", msg))

        if not isinstance(c, dict):
            err("component", "must be an object")
            continue
        if not isinstance(cname, str) or not cname.strip():
            err("name", "must be a non-empty string")
        else:
            if cname.strip() in seen:
                err("name", f"duplicate component name (also components[{seen[cname.strip()]}])")
            seen.setdefault(cname.strip(), i)
        ctype = c.get("type")
        if ctype == "commission":
            comp = _parse_commission(c, err)
        elif ctype == "spif":
            comp = _parse_spif(c, err)
        else:
            err("type", f"must be one of commission, spif (got {ctype!r})")
            comp = None
        if comp is not None:
            components.append(comp)

    clawback = None
    if doc.get("clawback") is not None:
        cb = doc["clawback"]
        if not isinstance(cb, dict):
            top("clawback", "must be an object {window_days, method}")
        else:
            _unknown(cb, {"window_days", "method"}, "clawback", top)
            wd = cb.get("window_days")
            if isinstance(wd, bool) or not isinstance(wd, int) or wd <= 0:
                top("clawback.window_days", "must be an integer > 0")
                wd = None
            meth = _choice(cb.get("method", "full"), "clawback.method", ("full", "prorated"), top)
            if wd and meth:
                clawback = Clawback(window_days=wd, method=meth)

    draw = None
    if doc.get("draw") is not None:
        dr = doc["draw"]
        if not isinstance(dr, dict):
            top("draw", "must be an object {amount, recoverable}")
        else:
            _unknown(dr, {"amount", "recoverable"}, "draw", top)
            amt = _decimal(dr.get("amount"), "draw.amount", top, minimum=Decimal(0))
            rec = _bool(dr.get("recoverable", True), "draw.recoverable", top)
            if amt is not None and rec is not None:
                draw = Draw(amount=amt, recoverable=rec)

    if errors:
        raise PlanValidationError(errors, field_errors)
    plan = PlanDocument(name=name.strip(), currency=currency, components=tuple(components),
                        clawback=clawback, draw=draw)
    too_big = _storable_errors(plan) if storable else []
    if too_big:
        raise PlanValidationError([f"{path}: {message}" for path, message in too_big], too_big)
    return plan


def _s(d: Decimal | None) -> str | None:
    return None if d is None else str(d)


def plan_document_to_dict(plan: PlanDocument) -> dict:
    """Canonical JSON-able form (defaults made explicit, decimals as strings).

    ``parse_plan_document(plan_document_to_dict(p)) == p``.
    """
    comps = []
    for c in plan.components:
        if isinstance(c, CommissionComponent):
            comps.append({
                "name": c.name,
                "type": "commission",
                "measure": {} if c.measure.deal_types is None else {"deal_types": list(c.measure.deal_types)},
                "quota": None if c.quota is None else {"measure": c.quota.measure, "period": c.quota.period},
                "basis": c.basis,
                "method": c.method,
                "tiers": [({"upto": str(t.upto)} if t.upto is not None else {}) | {"rate": str(t.rate)}
                          for t in c.tiers],
                "weight": str(c.weight),
                **({"cap": {"amount": str(c.cap.amount)}} if c.cap is not None else {}),
                "rollup": c.rollup,
            })
        elif isinstance(c, SpifComponent):
            w = c.when
            when: dict[str, Any] = {}
            if w.deal_types is not None:
                when["deal_types"] = list(w.deal_types)
            if w.min_amount is not None:
                when["min_amount"] = str(w.min_amount)
            if w.closed_from is not None:
                when["closed_from"] = w.closed_from.isoformat()
            if w.closed_to is not None:
                when["closed_to"] = w.closed_to.isoformat()
            comps.append({"name": c.name, "type": "spif", "amount": str(c.amount), "when": when})
    out: dict[str, Any] = {"name": plan.name, "currency": plan.currency, "components": comps}
    if plan.clawback is not None:
        out["clawback"] = {"window_days": plan.clawback.window_days, "method": plan.clawback.method}
    if plan.draw is not None:
        out["draw"] = {"amount": str(plan.draw.amount), "recoverable": plan.draw.recoverable}
    return out
