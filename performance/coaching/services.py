"""Writes of coaching: notes on a rep or a deal, follow-ups with due dates. Every change is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from performance.coaching.models import CoachingNote, FollowUp
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError
from spm.tenancy.context import current_tenant


def _deal_of(seller, opportunity):
    if opportunity is not None and opportunity.owner_id != seller.pk:
        raise DomainError("opportunity: the deal is not owned by this seller", field="opportunity")
    return opportunity


def coaching_note_create(*, seller, body: str, actor, opportunity=None) -> CoachingNote:
    """A note on ``seller`` (optionally one of their deals). Errors: empty body, someone else's deal."""
    body = (body or "").strip()
    if not body:
        raise DomainError("body: write something", field="body")
    with transaction.atomic():
        note = CoachingNote(tenant=current_tenant(), seller=seller, opportunity=_deal_of(seller, opportunity),
                            author=actor if getattr(actor, "pk", None) else None, body=body[:5000],
                            created_at=timezone.now())
        note.save()
        audit_record(actor=actor, action="coaching.note", instance=note, after=snapshot(note))
    return note


def follow_up_create(*, seller, title: str, due_date: dt.date, actor, opportunity=None, note=None) -> FollowUp:
    """A follow-up for ``seller`` due on ``due_date``. Errors: empty title, missing date."""
    title = (title or "").strip()
    if not title:
        raise DomainError("title: say what should happen", field="title")
    if not isinstance(due_date, dt.date):
        raise DomainError("due_date: a date is required", field="due_date")
    with transaction.atomic():
        follow_up = FollowUp(tenant=current_tenant(), seller=seller, opportunity=_deal_of(seller, opportunity),
                             note=note, title=title[:200], due_date=due_date,
                             created_by=actor if getattr(actor, "pk", None) else None, created_at=timezone.now())
        follow_up.save()
        audit_record(actor=actor, action="coaching.follow_up", instance=follow_up, after=snapshot(follow_up))
    return follow_up


def follow_up_complete(*, follow_up: FollowUp, actor) -> FollowUp:
    """Mark a follow-up done (the rep or a manager). ConflictError when it already is."""
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.done_at is not None:
            raise ConflictError("This follow-up is already done.")
        follow_up.done_at = timezone.now()
        follow_up.save(update_fields=["done_at"])
        audit_record(actor=actor, action="coaching.follow_up_done", instance=follow_up,
                     before={"done_at": None}, after={"done_at": follow_up.done_at})
    return follow_up
