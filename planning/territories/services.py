"""Writes for territory plans (tenant in scope). Every change is audited; published plans are immutable.

* plan: create (or copy as a scenario), evaluate, balance (proposals), publish (with an override
  reason when a territory's potential is short of its owner's quota), archive;
* territory: save (rules validated by the engine), delete; overrides: set, remove;
* moves: accept (→ an override) or reject, one by one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from planning.models import (
    Account,
    AccountAssignment,
    Seller,
    Territory,
    TerritoryMove,
    TerritoryOverride,
    TerritoryPlan,
)
from planning.territories import engine
from planning.territories.selectors import plan_evaluation
from spm.audit import audit_record, snapshot
from spm.db.bulk import bulk_insert
from spm.errors import ConflictError, DomainError
from spm.tenancy.context import current_tenant

DEFAULT_PLAN_NAME = "Current territories"
MAX_PROPOSALS = 50


def _require_draft(plan: TerritoryPlan) -> None:
    if not plan.is_draft:
        raise ConflictError(f"plan {plan.name!r} is {plan.get_status_display().lower()}: published plans are "
                            "immutable (copy it to change it)", field="plan")


def _plan_locked(plan: TerritoryPlan) -> TerritoryPlan:
    return TerritoryPlan.objects.select_for_update().get(pk=plan.pk)


def territory_plan_create(*, name: str, description: str = "", copy_of: TerritoryPlan | None = None,
                          actor=None) -> TerritoryPlan:
    """A new draft plan; with `copy_of`, a scenario copy of its territories and overrides.

    Errors: DomainError(field="name") when the name is empty or taken. Audited territory_plan.create.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError("name: a plan needs a name", field="name")
    with transaction.atomic():
        if TerritoryPlan.objects.filter(name=name).exists():
            raise DomainError(f"name: a plan called {name!r} already exists", field="name")
        plan = TerritoryPlan.objects.create(name=name, description=description or "", scenario_of=copy_of)
        if copy_of is not None:
            mapping = {}
            for t in Territory.objects.filter(plan=copy_of).order_by("id"):
                mapping[t.pk] = Territory.objects.create(plan=plan, name=t.name, region=t.region, owner_id=t.owner_id,
                                                         rules=t.rules, precedence=t.precedence).pk
            TerritoryOverride.objects.bulk_create([
                TerritoryOverride(tenant=current_tenant(), plan=plan, account_id=o.account_id,
                                  territory_id=mapping[o.territory_id], reason=o.reason, created_by=o.created_by)
                for o in TerritoryOverride.objects.filter(plan=copy_of)])
        audit_record(actor=actor, action="territory_plan.create", instance=plan,
                     after={**snapshot(plan), "copied_from": copy_of.pk if copy_of else None})
    return plan


def default_plan() -> TerritoryPlan:
    """The tenant's default draft plan (scenario files without plans load their territories here)."""
    plan = TerritoryPlan.objects.filter(name=DEFAULT_PLAN_NAME).first()
    return plan or territory_plan_create(name=DEFAULT_PLAN_NAME, description="Territories loaded without a plan.")


# The column is a 32-bit integer on PostgreSQL: a larger number would fail the write (a 500).
MAX_PRECEDENCE = 2_147_483_647


def territory_save(*, plan: TerritoryPlan, name: str, rules: dict | None = None, owner: Seller | None = None,
                   region: str = "", precedence: int = 100, territory: Territory | None = None,
                   actor=None) -> Territory:
    """Create (or, given `territory`, update) a territory of a draft plan.

    Errors: ConflictError when the plan is not a draft; DomainError(field="rules.<key>") for rules the
    engine refuses, field="name" for an empty or duplicate name. Audited territory.create/update.
    """
    _require_draft(plan)
    name = (name or "").strip()
    if not name:
        raise DomainError("name: a territory needs a name", field="name")
    try:
        engine.parse_rules(rules or {})
    except engine.RuleError as exc:
        raise DomainError(str(exc), field=exc.field) from None
    if isinstance(precedence, bool) or not isinstance(precedence, int) or not 0 <= precedence <= MAX_PRECEDENCE:
        raise DomainError(f"precedence: must be a whole number from 0 to {MAX_PRECEDENCE:,}", field="precedence")
    with transaction.atomic():
        clash = Territory.objects.filter(plan=plan, name=name)
        if territory is not None:
            clash = clash.exclude(pk=territory.pk)
        if clash.exists():
            raise DomainError(f"name: plan {plan.name!r} already has a territory called {name!r}", field="name")
        values = {"name": name, "rules": rules or {}, "owner": owner, "region": region or "", "precedence": precedence}
        if territory is None:
            territory = Territory.objects.create(plan=plan, **values)
            audit_record(actor=actor, action="territory.create", instance=territory, after=snapshot(territory))
        else:
            if territory.plan_id != plan.pk:
                raise DomainError("territory: not a territory of this plan", field="territory")
            before = snapshot(territory)
            for key, value in values.items():
                setattr(territory, key, value)
            territory.save()
            audit_record(actor=actor, action="territory.update", instance=territory, before=before,
                         after=snapshot(territory))
        _mark_stale(plan)
    return territory


def territory_delete(*, territory: Territory, actor=None) -> None:
    plan = territory.plan
    _require_draft(plan)
    with transaction.atomic():
        audit_record(actor=actor, action="territory.delete", instance=territory, before=snapshot(territory))
        territory.delete()
        _mark_stale(plan)


def _mark_stale(plan: TerritoryPlan) -> None:
    """Rules changed: the stored figures no longer describe the plan, and pending proposals are void."""
    TerritoryPlan.objects.filter(pk=plan.pk).update(evaluated_at=None)
    TerritoryMove.objects.filter(plan=plan, status=TerritoryMove.Status.PROPOSED).delete()


def territory_override_set(*, plan: TerritoryPlan, account: Account, territory: Territory, reason: str = "",
                           actor=None) -> TerritoryOverride:
    """Pin `account` to `territory` in a draft plan (replacing any earlier pin). Audited."""
    _require_draft(plan)
    if territory.plan_id != plan.pk:
        raise DomainError("territory: not a territory of this plan", field="territory")
    with transaction.atomic():
        existing = TerritoryOverride.objects.filter(plan=plan, account=account).first()
        before = snapshot(existing) if existing else None
        override, _ = TerritoryOverride.objects.update_or_create(
            plan=plan, account=account, defaults={"territory": territory, "reason": reason or "", "created_by": actor})
        audit_record(actor=actor, action="territory_override.set", instance=override, before=before,
                     after=snapshot(override))
        _mark_stale(plan)
    return override


def territory_override_remove(*, override: TerritoryOverride, actor=None) -> None:
    _require_draft(override.plan)
    with transaction.atomic():
        audit_record(actor=actor, action="territory_override.remove", instance=override, before=snapshot(override))
        plan = override.plan
        override.delete()
        _mark_stale(plan)


def territory_plan_evaluate(*, plan: TerritoryPlan, actor=None):
    """Evaluate the plan now and store its figures (summary, evaluated_at). Returns the evaluation."""
    result = plan_evaluation(plan)
    with transaction.atomic():
        summary = result.summary()
        TerritoryPlan.objects.filter(pk=plan.pk).update(summary=summary, evaluated_at=timezone.now())
        plan.summary, plan.evaluated_at = summary, timezone.now()
        audit_record(actor=actor, action="territory_plan.evaluate", instance=plan, after=summary)
    return result


def territory_plan_balance(*, plan: TerritoryPlan, actor=None, max_moves: int = MAX_PROPOSALS) -> list[TerritoryMove]:
    """Replace the plan's pending proposals with the balancer's moves (each lowers the CV). Audited."""
    _require_draft(plan)
    result = plan_evaluation(plan)
    moves = engine.propose_moves(result.accounts, result.evaluation, result.specs, max_moves=max_moves)
    with transaction.atomic():
        plan = _plan_locked(plan)
        TerritoryMove.objects.filter(plan=plan, status=TerritoryMove.Status.PROPOSED).delete()
        rows = TerritoryMove.objects.bulk_create([
            TerritoryMove(tenant=current_tenant(), plan=plan, account_id=m.account_id, from_territory_id=m.from_territory,
                          to_territory_id=m.to_territory, position=i + 1,
                          potential=Decimal(str(m.potential)).quantize(Decimal("0.01")),
                          cv_before=m.cv_before, cv_after=m.cv_after)
            for i, m in enumerate(moves)])
        audit_record(actor=actor, action="territory_plan.balance", instance=plan,
                     after={"proposed": len(rows), "cv_before": moves[0].cv_before if moves else result.fairness["cv"],
                            "cv_after": moves[-1].cv_after if moves else result.fairness["cv"]})
    return rows


def territory_move_decide(*, move: TerritoryMove, accept: bool, actor=None) -> TerritoryMove:
    """Accept (the account is pinned to the proposed territory) or reject one proposed move. Audited."""
    _require_draft(move.plan)
    with transaction.atomic():
        move = TerritoryMove.objects.select_for_update().select_related("plan", "to_territory").get(pk=move.pk)
        if move.status != TerritoryMove.Status.PROPOSED:
            raise ConflictError(f"move: already {move.get_status_display().lower()}", field="move")
        before = snapshot(move)
        move.status = TerritoryMove.Status.ACCEPTED if accept else TerritoryMove.Status.REJECTED
        move.decided_by = actor if getattr(actor, "pk", None) else None
        move.decided_at = timezone.now()
        move.save(update_fields=["status", "decided_by", "decided_at"])
        if accept:
            TerritoryOverride.objects.update_or_create(
                plan=move.plan, account_id=move.account_id,
                defaults={"territory": move.to_territory, "reason": f"balancer move {move.position} accepted",
                          "created_by": move.decided_by})
            TerritoryPlan.objects.filter(pk=move.plan_id).update(evaluated_at=None)
        audit_record(actor=actor, action=f"territory_move.{move.status}", instance=move, before=before,
                     after=snapshot(move))
    return move


def territory_plan_publish(*, plan: TerritoryPlan, effective_from: dt.date, override_reason: str = "",
                           actor=None) -> TerritoryPlan:
    """Publish a draft plan from `effective_from`: account ownership moves to its territories' owners.

    Every account the plan assigns gets an AccountAssignment from that date (the open ones end the
    day before); gaps get none. The earlier published plan is archived. When a territory's
    potential is short of its owner's quota (issue 9, item 4) a non-empty `override_reason` is
    required and is kept on the plan and in the audit event.
    Errors: ConflictError (not a draft; a published plan with a later or equal date exists),
    DomainError(field="effective_from" | "override_reason").
    """
    if not isinstance(effective_from, dt.date):
        raise DomainError("effective_from: a publication needs an effective date", field="effective_from")
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        plan = _plan_locked(plan)
        _require_draft(plan)
        starts = [d for d in (
            TerritoryPlan.objects.exclude(effective_from=None).exclude(status=TerritoryPlan.Status.DRAFT)
            .order_by("-effective_from").values_list("effective_from", flat=True).first(),
            AccountAssignment.objects.order_by("-effective_from").values_list("effective_from", flat=True).first(),
        ) if d]
        floor = max(starts, default=None)
        if floor and effective_from <= floor:
            raise ConflictError(f"effective_from: must be after {floor.isoformat()}, the date the current "
                                "published territories took effect", field="effective_from")
        plan.effective_from = effective_from  # the quota year of the check follows the date
        result = plan_evaluation(plan)
        short = result.short
        if len(short) and not override_reason:
            names = ", ".join(f"{r['name']} ({r['potential']:,.0f} potential < {r['quota']:,.0f} quota)"
                              for _, r in short.iterrows())
            raise DomainError(f"override_reason: {len(short)} territory(ies) short of their owner's quota: {names}. "
                              "Publishing needs an override with a reason.", field="override_reason",
                              code="override_required")
        before = snapshot(plan)
        owner_of = {s.id: s.owner_id for s in result.specs}
        assignment = result.evaluation.assignment()
        AccountAssignment.objects.filter(effective_to__isnull=True).update(
            effective_to=effective_from - dt.timedelta(days=1))
        created = bulk_insert(AccountAssignment, ["account_id", "territory_id", "plan_id", "seller_id", "effective_from"],
                              ((a, t, plan.pk, owner_of.get(t), effective_from) for a, t in sorted(assignment.items())),
                              tenant_id=current_tenant().pk)
        # The account's current territory/owner follow the latest published plan.
        Account.objects.update(territory=None, owner=None)
        by_territory: dict[int, list[int]] = {}
        for account_id, territory_id in assignment.items():
            by_territory.setdefault(territory_id, []).append(account_id)
        for territory_id, ids in by_territory.items():
            for start in range(0, len(ids), 5000):
                Account.objects.filter(pk__in=ids[start:start + 5000]).update(
                    territory_id=territory_id, owner_id=owner_of.get(territory_id))
        TerritoryPlan.objects.filter(status=TerritoryPlan.Status.PUBLISHED).exclude(pk=plan.pk).update(
            status=TerritoryPlan.Status.ARCHIVED)
        TerritoryMove.objects.filter(plan=plan, status=TerritoryMove.Status.PROPOSED).delete()
        plan.status = TerritoryPlan.Status.PUBLISHED
        plan.published_at = timezone.now()
        plan.published_by = actor if getattr(actor, "pk", None) else None
        plan.override_reason = override_reason if len(short) else ""
        plan.summary = result.summary()
        plan.evaluated_at = timezone.now()
        plan.save()
        audit_record(actor=actor, action="territory_plan.publish", instance=plan, before=before,
                     after={**snapshot(plan), "assignments": created,
                            "short_territories": short["name"].tolist(),
                            "override": bool(len(short))})
    return plan


def territory_plan_archive(*, plan: TerritoryPlan, actor=None) -> TerritoryPlan:
    """Archive a draft plan (a scenario not taken). A published plan is archived by the next
    publication, never by hand, so accounts always have the owner the latest publication gave them.
    Errors: ConflictError unless a draft. Audited."""
    with transaction.atomic():
        plan = _plan_locked(plan)
        _require_draft(plan)
        before = snapshot(plan)
        plan.status = TerritoryPlan.Status.ARCHIVED
        plan.save(update_fields=["status"])
        audit_record(actor=actor, action="territory_plan.archive", instance=plan, before=before, after=snapshot(plan))
    return plan
