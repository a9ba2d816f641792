"""Writes of capacity scenarios: create, update, roster, copy, publish (audited, tenant in scope)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from planning.capacity import engine
from planning.capacity.models import CapacityRosterMember, CapacityScenario
from planning.capacity.selectors import quotas_out_of_line, scenario_document
from planning.models import Seller
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.tenancy.context import current_tenant

SCALAR_FIELDS = ("name", "year", "target", "over_assignment", "attrition", "replace_attrition",
                 "segments", "hires", "gap_segment", "gap_start")


def _validate(scenario: CapacityScenario, roster: list[CapacityRosterMember]) -> None:
    """Run the engine's validation on the whole scenario; the error names the offending key."""
    if not (scenario.name or "").strip():
        raise DomainError("name: a scenario needs a name", field="name")
    try:
        engine.parse_scenario(scenario_document(scenario, roster))
    except engine.CapacityInputError as exc:
        field = exc.key.split("[")[0].split(".")[0]
        if exc.key.startswith("gap_hires"):
            field = "gap_start" if exc.key.endswith("start") else "gap_segment"
        raise DomainError(f"{exc.key}: {exc.message}", field=field) from None


def _decimal(value, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise DomainError(f"{field}: {value!r} is not a decimal number", field=field) from None


def roster_from_sellers(
    *, year: int, segments: list[dict], target_incentives: Mapping[int, Decimal] | None = None
) -> list[CapacityRosterMember]:
    """Default roster: the tenant's quota-carrying sellers (not managers) still employed in the year.

    A seller whose segment is not one of the scenario's gets the first segment.
    """
    names = [s.get("name") for s in segments]
    fy = current_tenant().fiscal_year_start_month
    start = dt.date(year, fy, 1)
    sellers = Seller.objects.exclude(role_type=Seller.RoleType.MANAGER).exclude(end_date__lt=start).order_by("name")
    ti = target_incentives or {}
    return [
        CapacityRosterMember(
            seller=s, name=s.name, segment=s.segment if s.segment in names else (names[0] if names else ""),
            hire_date=s.hire_date, end_date=s.end_date, target_incentive=ti.get(s.pk),
        )
        for s in sellers
    ]


def _write_roster(scenario: CapacityScenario, roster: list[CapacityRosterMember]) -> None:
    for m in roster:
        m.pk = None
        m.scenario = scenario
        m.tenant = scenario.tenant
    CapacityRosterMember.objects.bulk_create(roster, batch_size=1000)


def capacity_scenario_create(
    *,
    name: str,
    year: int,
    target,
    segments: list[dict],
    over_assignment=0,
    attrition=0,
    replace_attrition: bool = False,
    hires: list[dict] | None = None,
    gap_segment: str = "",
    gap_start: str = "",
    roster: list[CapacityRosterMember] | None = None,
    target_incentives: Mapping[int, Decimal] | None = None,
    actor=None,
) -> CapacityScenario:
    """Create a draft scenario. `roster=None` takes the tenant's sellers (`roster_from_sellers`),
    with `target_incentives` ({seller id: annual target incentive}, from Pay, composed by the hub).

    Errors: DomainError naming the key (`segments[0].productivity`). Audited as capacity_scenario.create.
    """
    scenario = CapacityScenario(
        tenant=current_tenant(), name=name, year=year, target=_decimal(target, "target"),
        over_assignment=_decimal(over_assignment, "over_assignment"), attrition=_decimal(attrition, "attrition"),
        replace_attrition=replace_attrition, segments=list(segments), hires=list(hires or []),
        gap_segment=gap_segment or "", gap_start=gap_start or "",
    )
    if roster is None:
        roster = roster_from_sellers(year=year, segments=scenario.segments, target_incentives=target_incentives)
    _validate(scenario, roster)
    with transaction.atomic():
        scenario.save()
        _write_roster(scenario, roster)
        audit_record(actor=actor, action="capacity_scenario.create", instance=scenario, after=snapshot(scenario))
    return scenario


def _require_draft(scenario: CapacityScenario) -> None:
    if scenario.status != CapacityScenario.Status.DRAFT:
        raise ConflictError(f"scenario {scenario.name!r} is {scenario.status}: copy it to change it", field="status")


def capacity_scenario_update(
    *, scenario: CapacityScenario, actor, roster: list[CapacityRosterMember] | None = None, **changes
) -> CapacityScenario:
    """Change a draft's inputs (any of SCALAR_FIELDS) and, when given, replace its roster.

    Published scenarios are immutable (ConflictError): copy them. Validation as on create.
    Audited as capacity_scenario.update with before/after (roster size included).
    """
    unknown = set(changes) - set(SCALAR_FIELDS)
    if unknown:
        raise DomainError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        scenario = CapacityScenario.objects.select_for_update().get(pk=scenario.pk)
        _require_draft(scenario)
        before = {**snapshot(scenario), "roster_size": scenario.roster.count()}
        for key in ("target", "over_assignment", "attrition"):
            if key in changes:
                changes[key] = _decimal(changes[key], key)
        for key, value in changes.items():
            setattr(scenario, key, value)
        new_roster = list(scenario.roster.all()) if roster is None else roster
        _validate(scenario, new_roster)
        scenario.save()
        if roster is not None:
            scenario.roster.all().delete()
            _write_roster(scenario, roster)
        after = {**snapshot(scenario), "roster_size": len(new_roster)}
        audit_record(actor=actor, action="capacity_scenario.update", instance=scenario, before=before, after=after)
    return scenario


def capacity_scenario_copy(*, scenario: CapacityScenario, actor, name: str | None = None) -> CapacityScenario:
    """A new draft with the same inputs and roster (hypothetical sellers included). Audited."""
    with transaction.atomic():
        copy = CapacityScenario(
            tenant=scenario.tenant, name=(name or f"{scenario.name} (copy)")[:200], copied_from=scenario,
            **{f: getattr(scenario, f) for f in SCALAR_FIELDS if f != "name"},
        )
        copy.save()
        _write_roster(copy, list(scenario.roster.all()))
        audit_record(actor=actor, action="capacity_scenario.copy", instance=copy,
                     after={**snapshot(copy), "copied_from": scenario.pk})
    return copy


def capacity_scenario_publish(*, scenario: CapacityScenario, actor, override_reason: str = "") -> CapacityScenario:
    """Publish a draft: the year's other published scenario is archived (one plan of record a year).

    The connection (issue 9, item 4): if the year's current quotas exceed what this scenario says
    the sellers can reach (`quotas_out_of_line`), publishing needs an explicit `override_reason`,
    recorded on the scenario and in the audit event (capacity_scenario.override). Errors:
    ConflictError unless draft; DomainError(code="override_required", field="override_reason").
    """
    with transaction.atomic():
        scenario = CapacityScenario.objects.select_for_update().get(pk=scenario.pk)
        _require_draft(scenario)
        out_of_line = quotas_out_of_line(scenario=scenario)
        reason = (override_reason or "").strip()
        if out_of_line and not reason:
            names = ", ".join(r["name"] for r in out_of_line[:5])
            raise DomainError(
                f"override_reason: {len(out_of_line)} seller(s) would have a quota above reachable capacity "
                f"({names}{'…' if len(out_of_line) > 5 else ''}); give a reason to publish anyway",
                field="override_reason", code="override_required",
            )
        before = snapshot(scenario)
        archived = list(CapacityScenario.objects.select_for_update().filter(
            year=scenario.year, status=CapacityScenario.Status.PUBLISHED).exclude(pk=scenario.pk))
        for other in archived:
            other.status = CapacityScenario.Status.ARCHIVED
            other.save(update_fields=["status", "updated_at"])
            audit_record(actor=actor, action="capacity_scenario.archive", instance=other,
                         before={"status": "published"}, after={"status": "archived"})
        scenario.status = CapacityScenario.Status.PUBLISHED
        scenario.published_at = timezone.now()
        scenario.published_by = actor if getattr(actor, "pk", None) else None
        scenario.override_reason = reason if out_of_line else ""
        scenario.save()
        audit_record(actor=actor, action="capacity_scenario.publish", instance=scenario, before=before,
                     after=snapshot(scenario))
        if out_of_line:
            audit_record(actor=actor, action="capacity_scenario.override", instance=scenario,
                         after={"reason": reason, "sellers": [
                             {"seller": r["seller_id"], "quota": r["quota"], "reachable": r["reachable"]}
                             for r in out_of_line]})
    return scenario


def roster_member(
    *, name: str, segment: str, seller: Seller | None = None, hire_date: dt.date | None = None,
    end_date: dt.date | None = None, target_incentive=None,
) -> CapacityRosterMember:
    """An unsaved roster row for `capacity_scenario_create/update(roster=…)`; no seller = hypothetical."""
    return CapacityRosterMember(
        seller=seller, name=name, segment=segment, hire_date=hire_date, end_date=end_date,
        target_incentive=None if target_incentive in (None, "") else _decimal(target_incentive, "target_incentive"),
    )


def roster_set_incentives(*, scenario: CapacityScenario, target_incentives: Mapping[int, Decimal], actor) -> int:
    """Set the roster's target incentives from Pay's plan assignments ({seller id: annual TI}). Audited."""
    with transaction.atomic():
        _require_draft(scenario)
        changed: Iterable[CapacityRosterMember] = [
            m for m in scenario.roster.filter(seller_id__in=list(target_incentives))
            if m.target_incentive != target_incentives[m.seller_id]
        ]
        changed = list(changed)
        for m in changed:
            m.target_incentive = target_incentives[m.seller_id]
        CapacityRosterMember.objects.bulk_update(changed, ["target_incentive"], batch_size=1000)
        audit_record(actor=actor, action="capacity_scenario.incentives", instance=scenario,
                     after={"members_changed": len(changed)})
    return len(changed)
