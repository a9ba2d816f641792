"""Writes of the Perform pillar: opportunities, their splits and post-close events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from performance.models import (
    Opportunity,
    OpportunityEvent,
    OpportunitySplit,
    PipelineStage,
    StageChange,
    default_forecast_category,
    stage_flags,
)
from performance.pipeline.summaries import pipeline_summaries_refresh
from planning.services import seller_inputs_changed
from spm.audit import audit_record, snapshot
from spm.errors import DomainError
from spm.fiscal import month_key
from spm.tenancy.context import current_tenant
from spm.upsert import CREATED, UNCHANGED, UPDATED, full_clean_or_raise, upsert_audited

if TYPE_CHECKING:
    from planning.models import Account, Seller


def stage_state(stage: str) -> tuple[bool, bool]:
    """(is_closed, is_won) of stage name `stage` in the tenant in scope: its PipelineStage when it has
    one, else the legacy/scenario names (closed_won → won, closed_lost → lost, anything else open)."""
    known = PipelineStage.objects.filter(name=stage).values_list("is_closed", "is_won").first()
    return (bool(known[0]), bool(known[1])) if known else stage_flags(stage)


def _normalise_splits(splits) -> list[tuple[int, Decimal]]:
    out: dict[int, Decimal] = {}
    for seller, pct in splits or ():
        try:
            pct = Decimal(str(pct))
        except InvalidOperation:
            raise DomainError(f"splits: pct {pct!r} is not a decimal number") from None
        if pct <= 0 or pct > 100:
            raise DomainError(f"splits: pct {pct} of seller {seller.external_id!r} must be in (0, 100]")
        out[seller.pk] = out.get(seller.pk, Decimal(0)) + pct
    if out and sum(out.values()) > 100:
        raise DomainError("splits: the percentages add up to more than 100")
    return sorted(out.items())


KEEP = object()  # "leave the stored value as it is" (a new deal: unknown)
MAX_TERM_MONTHS = 120  # ten years: a longer "term" is a typo (days, or a total), not a contract


def _contract_term(value, external_id: str) -> int | None:
    """None (unknown) or whole months 1..120; anything else is a DomainError naming the field."""
    if value is None or value == "":
        return None
    try:
        months = int(str(value))
    except ValueError:
        raise DomainError(f"deal {external_id!r}: contract_term_months: {value!r} is not a whole number of months",
                          field="contract_term_months") from None
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise DomainError(f"deal {external_id!r}: contract_term_months: {months} must be 1 to {MAX_TERM_MONTHS}",
                          field="contract_term_months")
    return months


def opportunity_upsert(
    *,
    external_id: str,
    owner: Seller,
    amount,
    stage: str,
    close_date: dt.date | None,
    currency: str | None = None,
    deal_type: str = "new_logo",
    name: str = "",
    account: Account | None = None,
    created_date: dt.date | None = None,
    forecast_category: str | None = None,
    splits: list[tuple[Seller, Decimal]] | None = None,
    is_closed: bool | None = None,
    is_won: bool | None = None,
    product: str = "",
    team: str = "",
    region: str = "",
    probability=None,
    contract_term_months=KEEP,
    actor=None,
) -> tuple[Opportunity, bool]:
    """Create or update deal `external_id` with these values and splits (pct in percent, 50 = 50 %).

    Records a StageChange when the stage changes (or on creation). Splits are replaced when they
    differ. `is_closed`/`is_won` default to what the stage name means (`stage_state`); a won deal
    is closed. `contract_term_months` (whole months 1..120, None = unknown; omitted = keep the stored
    value) drives commission accounting (compensation.accounting). Errors: ValidationError/DomainError on
    bad values (a closed-won deal needs a close date). Idempotent; audited as deal.create / deal.update
    with before/after (splits included).
    """
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(f"amount: {amount!r} is not a decimal number") from None
    if is_closed is None or is_won is None:
        implied_closed, implied_won = stage_state(stage)
        is_closed = implied_closed if is_closed is None else is_closed
        is_won = implied_won if is_won is None else is_won
    if is_won and not is_closed:
        raise DomainError(f"deal {external_id!r}: is_won: a won deal must be closed", field="is_won")
    if is_won and close_date is None:
        raise DomainError(f"deal {external_id!r}: close_date: required for a closed-won deal", field="close_date")
    if probability is not None and probability != "":
        try:
            probability = Decimal(str(probability))
        except InvalidOperation:
            raise DomainError(f"probability: {probability!r} is not a decimal number", field="probability") from None
        if not Decimal(0) <= probability <= Decimal(1):
            raise DomainError(f"probability: {probability} must be between 0 and 1", field="probability")
    else:
        probability = None
    new_splits = _normalise_splits(splits)
    values = {
        "owner": owner, "amount": amount, "stage": stage, "close_date": close_date,
        "currency": (currency or current_tenant().base_currency).upper(), "deal_type": deal_type,
        "name": name or "", "account": account, "created_date": created_date,
        "forecast_category": forecast_category or default_forecast_category(bool(is_closed), bool(is_won)),
        "is_closed": bool(is_closed), "is_won": bool(is_won), "product": product or "", "team": team or "",
        "region": region or "", "probability": probability,
    }
    if contract_term_months is not KEEP:
        values["contract_term_months"] = _contract_term(contract_term_months, external_id)
    with transaction.atomic():
        existing = Opportunity.objects.select_for_update().filter(external_id=external_id).first()
        existing_state = (existing.is_won, existing.owner_id, existing.close_date) if existing else None
        old_stage = existing.stage if existing else ""
        old_splits = (
            sorted((s, p) for s, p in OpportunitySplit.objects.filter(opportunity=existing).values_list("seller_id", "pct"))
            if existing else []
        )
        before = {**snapshot(existing), "splits": [[s, str(p)] for s, p in old_splits]} if existing else None
        opp = upsert_audited(model=Opportunity, lookup={"external_id": external_id}, values=values, actor=actor,
                             action_prefix="deal", instance=existing, audit=False)
        splits_changed = [(s, Decimal(p)) for s, p in old_splits] != new_splits
        if splits_changed:
            OpportunitySplit.objects.filter(opportunity=opp).delete()
            OpportunitySplit.objects.bulk_create(
                [OpportunitySplit(tenant=opp.tenant, opportunity=opp, seller_id=s, pct=p) for s, p in new_splits]
            )
        if opp.upsert_status == CREATED or old_stage != opp.stage:
            StageChange.objects.create(opportunity=opp, from_stage=old_stage, to_stage=opp.stage, changed_at=timezone.now())
        # The pipeline summary of the deal's owner (and its previous one) moves with the deal.
        pipeline_summaries_refresh(owner_ids={opp.owner_id, existing_state[1] if existing_state else None})
        if opp.upsert_status == UNCHANGED and not splits_changed:
            return opp, False
        _record_credit_change(existing_state, opp, old_splits, new_splits)
        after = {**snapshot(opp), "splits": [[s, str(p)] for s, p in new_splits]}
        action = "deal.create" if opp.upsert_status == CREATED else "deal.update"
        audit_record(actor=actor, action=action, instance=opp, before=before, after=after)
        if opp.upsert_status == UNCHANGED:
            opp.upsert_status = UPDATED
        return opp, opp.upsert_status == CREATED


UPDATABLE_FIELDS = frozenset({"name", "owner", "account", "amount", "currency", "stage", "forecast_category",
                              "deal_type", "created_date", "close_date", "splits", "is_closed", "is_won", "product",
                              "team", "region", "probability", "contract_term_months"})


def opportunity_update(*, opportunity: Opportunity, actor=None, **changes) -> Opportunity:
    """Change some fields (and/or the splits) of an existing deal; everything not named stays as it is.

    Same rules, errors, stage history and audit as opportunity_upsert, which it calls with the
    deal's current values overlaid by `changes`. The row is locked BEFORE its current values are
    read: two concurrent updates of different fields then serialise, and the second one overlays
    its change on the first one's result instead of writing back the values it read earlier.
    """
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise DomainError(f"cannot change {', '.join(sorted(unknown))} of a deal", field=sorted(unknown)[0])
    with transaction.atomic():
        locked = Opportunity.objects.select_for_update(of=("self",)).select_related("owner", "account").get(pk=opportunity.pk)
        current = {
            "name": locked.name, "owner": locked.owner, "account": locked.account,
            "amount": locked.amount, "currency": locked.currency, "stage": locked.stage,
            "forecast_category": locked.forecast_category, "deal_type": locked.deal_type,
            "created_date": locked.created_date, "close_date": locked.close_date,
            "is_closed": locked.is_closed, "is_won": locked.is_won, "product": locked.product,
            "team": locked.team, "region": locked.region, "probability": locked.probability,
            "contract_term_months": locked.contract_term_months,
            "splits": [(split.seller, split.pct) for split in locked.splits.select_related("seller")],
        }
        if "stage" in changes and "is_closed" not in changes and "is_won" not in changes:
            # A new stage name brings its own state unless the caller says otherwise.
            current["is_closed"] = current["is_won"] = None
            if "forecast_category" not in changes:
                current["forecast_category"] = None
        updated, _ = opportunity_upsert(external_id=locked.external_id, **{**current, **changes}, actor=actor)
        return updated


def _record_credit_change(before_state, opp: Opportunity, old_splits, new_splits) -> None:
    """Tell the change feed which sellers' months this deal's credits touch, before and after.

    Only a deal that is or was closed-won credits anyone; an open deal's edits change no statement.
    """
    was_won = before_state is not None and before_state[0]
    if not (was_won or opp.is_won):
        return
    sellers = {opp.owner_id, *(s for s, _ in old_splits), *(s for s, _ in new_splits)}
    months = {month_key(opp.close_date)} if opp.close_date else set()
    if before_state is not None:
        sellers.add(before_state[1])
        if before_state[2]:
            months.add(month_key(before_state[2]))
    seller_inputs_changed(seller_ids=sellers, months=months, reason=f"deal {opp.external_id} changed")


def opportunity_event_record(*, opportunity: Opportunity, type: str = "churn", date: dt.date, actor=None) -> OpportunityEvent:
    """Record a post-close event (churn triggers clawback). Idempotent by (deal, type, date); audited."""
    if type not in OpportunityEvent.Type.values:
        raise DomainError(f"type: unknown event type {type!r}")
    with transaction.atomic():
        event = OpportunityEvent.objects.filter(opportunity=opportunity, type=type, date=date).first()
        if event is not None:
            event.upsert_status = UNCHANGED
            return event
        event = OpportunityEvent(opportunity=opportunity, type=type, date=date, tenant=current_tenant())
        full_clean_or_raise(event)
        event.save()
        audit_record(actor=actor, action=f"deal.{type}", instance=opportunity, after=snapshot(event))
        sellers = {opportunity.owner_id, *opportunity.splits.values_list("seller_id", flat=True)}
        seller_inputs_changed(seller_ids=sellers, months=[month_key(date)], reason=f"deal {opportunity.external_id}: {type}")
        event.upsert_status = CREATED
        return event
