"""Reads of coaching: notes and follow-ups are visible to the rep and the managers above them.

Tenant-wide roles allowed by "coaching.view" (RevOps, executive, admin) read everything; a
manager reads their subtree's; a rep reads their own — never a peer's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse

from performance.alerts.models import Alert
from performance.coaching import engine
from performance.coaching.models import CoachingNote, FollowUp
from performance.forecasting.models import ForecastSubmission
from performance.models import Opportunity
from performance.pipeline.selectors import with_base_amount
from planning.selectors import restrict_to_visible, seller_list

if TYPE_CHECKING:
    from planning.models import Seller
    from spm.tenancy.access import TenantAccess


def coached_sellers(*, access: TenantAccess):
    return seller_list(access=access).order_by("name")


def coached_seller_get(*, access: TenantAccess, pk: int) -> Seller | None:
    return coached_sellers(access=access).filter(pk=pk).first()


def note_list(*, access: TenantAccess, seller: Seller | None = None):
    qs = CoachingNote.objects.select_related("seller", "author", "opportunity")
    qs = restrict_to_visible(qs, access)
    return qs.filter(seller=seller) if seller is not None else qs


def follow_up_list(*, access: TenantAccess, seller: Seller | None = None, open_only: bool = False):
    qs = FollowUp.objects.select_related("seller", "opportunity", "created_by")
    qs = restrict_to_visible(qs, access)
    if seller is not None:
        qs = qs.filter(seller=seller)
    return qs.filter(done_at__isnull=True) if open_only else qs


def follow_up_get(*, access: TenantAccess, pk: int) -> FollowUp | None:
    return follow_up_list(access=access).filter(pk=pk).first()


def agenda_for(*, access: TenantAccess, seller: Seller, today: dt.date) -> engine.Agenda:
    """The generated 1:1 agenda of ``seller`` (who must be visible to the viewer; checked by the caller)."""
    from performance.forecasting.selectors import period_of

    slug = access.tenant.slug
    follow_ups = [
        (f.title, f.due_date,
         reverse("performance:deal_detail", kwargs={"tenant": slug, "pk": f.opportunity_id}) if f.opportunity_id else "")
        for f in FollowUp.objects.filter(seller=seller, done_at__isnull=True)
    ]
    alerts = [
        (f"{a.message} {a.action}",
         reverse("performance:deal_detail", kwargs={"tenant": slug, "pk": a.opportunity_id}) if a.opportunity_id else "")
        for a in Alert.objects.filter(seller=seller, status=Alert.Status.OPEN).exclude(kind=Alert.Kind.PIPELINE_GAP)
        .order_by("kind", "-amount")[:20]
    ]
    alerts += [(f"{a.message} {a.action}", reverse("performance:forecast", kwargs={"tenant": slug}))
               for a in Alert.objects.filter(seller=seller, status=Alert.Status.OPEN, kind=Alert.Kind.PIPELINE_GAP)]
    since = today - dt.timedelta(days=2 * engine.WINDOW_DAYS)
    # Bookings in the tenant currency at the close-date rate, as the scorecards count them.
    deals, amount = with_base_amount(Opportunity.objects.filter(
        owner=seller, is_closed=True, close_date__gte=since, close_date__lte=today), today)
    closed = [(d, bool(w), float(a)) for d, w, a in deals.annotate(_base=amount).values_list(
        "close_date", "is_won", "_base")]
    calls = [(s.date(), float(c), float(b)) for s, c, b in ForecastSubmission.objects.filter(
        seller=seller, period=period_of(today)).order_by("-submitted_at", "-id").values_list(
        "submitted_at", "commit", "best_case")[:2]]
    return engine.build_agenda(today=today, follow_ups=follow_ups, deal_alerts=alerts, closed=closed, calls=calls)
