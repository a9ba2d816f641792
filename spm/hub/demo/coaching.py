"""The demo's Perform follow-through: today's risk alerts and a manager's coaching record.

In production the daily beat task refreshes the alerts; nothing runs beat while the demo is set
up, so the demo runs the same refresh once (the alerts page and the 1:1 agendas would otherwise
be empty). Then the demo manager has coached their direct reports the way a real manager does
from those alerts: over the past four weeks, per rep, a note on the rep's largest flagged deal and
a follow-up on it — the older follow-ups done, the rest due over the coming days (the first rep's
one overdue, so the page shows what an overdue follow-up looks like). Everything goes through the
audited services; only the timestamps are moved back to when a manager would have written them.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from performance.alerts.models import Alert
from performance.alerts.services import alerts_refresh
from performance.coaching.models import CoachingNote, FollowUp
from performance.coaching.services import coaching_note_create, follow_up_complete, follow_up_create
from planning.models import Seller
from spm.tenancy.db import tenant_atomic

NOTE = {
    Alert.Kind.STALLED: "{deal} has sat in its stage too long. Talked it through: {name} will get a dated next step "
                        "from the buyer or close it out.",
    Alert.Kind.SLIPPED: "{deal} slipped past its close date. Agreed to re-qualify the timeline with the economic "
                        "buyer before it goes back into commit.",
    Alert.Kind.SHRINKING: "{deal} keeps shrinking. Reviewed the scope with {name}: hold the price, trade terms "
                          "rather than discount further.",
}
FOLLOW_UP = {
    Alert.Kind.STALLED: "Dated next step on {deal}, or close it lost",
    Alert.Kind.SLIPPED: "Re-confirm the close plan of {deal} with the buyer",
    Alert.Kind.SHRINKING: "Send the revised proposal of {deal}",
}


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def alerts_and_coaching_demo(*, tenant, today: dt.date, manager_user) -> str:
    """Refresh ``tenant``'s alerts as of ``today`` and write the demo manager's coaching record."""
    with tenant_atomic(tenant):
        counts = alerts_refresh(today=today)
        manager_ids = list(Seller.objects.filter(user=manager_user).values_list("pk", flat=True))
        reps = list(Seller.objects.filter(manager_id__in=manager_ids, end_date__isnull=True)
                    .exclude(role_type=Seller.RoleType.MANAGER).order_by("name", "pk"))
        notes = follow_ups = 0
        for i, rep in enumerate(reps):
            alert = (Alert.objects.filter(seller=rep, status=Alert.Status.OPEN, opportunity__isnull=False)
                     .select_related("opportunity").order_by("-amount", "pk").first())
            if alert is None:
                continue
            deal, written = alert.opportunity, today - dt.timedelta(days=3 + 7 * (i % 4))
            text = {"deal": deal.name, "name": rep.name.split()[0]}
            note = coaching_note_create(seller=rep, opportunity=deal, actor=manager_user,
                                        body=NOTE[alert.kind].format(**text))
            due = today - dt.timedelta(days=2) if i == 0 else written + dt.timedelta(days=14)
            follow_up = follow_up_create(seller=rep, opportunity=deal, note=note, actor=manager_user,
                                         title=FOLLOW_UP[alert.kind].format(**text), due_date=due)
            if due < today and i > 0:  # an older follow-up: the rep did it
                follow_up_complete(follow_up=follow_up, actor=manager_user)
                FollowUp.objects.filter(pk=follow_up.pk).update(done_at=_at(due - dt.timedelta(days=1)))
            CoachingNote.objects.filter(pk=note.pk).update(created_at=_at(written))
            FollowUp.objects.filter(pk=follow_up.pk).update(created_at=_at(written))
            notes, follow_ups = notes + 1, follow_ups + 1
    return (f"alerts: {counts['open']:,} open ({counts['created']:,} raised today); coaching: {notes} notes and "
            f"{follow_ups} follow-ups from the demo manager to {len(reps)} direct reports")
