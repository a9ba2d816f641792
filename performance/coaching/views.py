"""Coaching pages: the people a viewer coaches, and one rep's 1:1 page (agenda, notes, follow-ups)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from performance.activities import selectors as activity_selectors
from performance.activities.services import activity_log
from performance.coaching import selectors, services
from performance.coaching.forms import ActivityForm, FollowUpForm, NoteForm
from performance.models import Opportunity
from performance.selectors import seller_deal
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView
from spm.web.forms import add_service_error


def _open_deals(seller):
    return list(Opportunity.objects.filter(owner=seller, is_closed=False).order_by("close_date", "id")[:200])


class CoachingListView(TenantTemplateView):
    capability = "coaching.view"
    template_name = "performance/coaching/coaching.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        sellers = selectors.coached_sellers(access=self.access).select_related("manager").annotate(
            open_follow_ups=Count("follow_ups", filter=Q(follow_ups__done_at__isnull=True), distinct=True),
            overdue=Count("follow_ups", filter=Q(follow_ups__done_at__isnull=True, follow_ups__due_date__lt=today),
                          distinct=True),
            notes=Count("coaching_notes", distinct=True),
        )[:500]
        context["sellers"] = sellers
        return context


class CoachingSellerView(TenantTemplateView):
    capability = "coaching.view"
    template_name = "performance/coaching/seller.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seller = selectors.coached_seller_get(access=self.access, pk=kwargs["pk"])
        if seller is None:
            raise Http404("No such seller")
        deals = _open_deals(seller)
        can_write = self.access.can("coaching.write")
        context.update(
            seller=seller, agenda=selectors.agenda_for(access=self.access, seller=seller, today=timezone.localdate()),
            notes=list(selectors.note_list(access=self.access, seller=seller)[:100]),
            follow_ups=list(selectors.follow_up_list(access=self.access, seller=seller)[:100]),
            can_write=can_write, today=timezone.localdate(),
            activities=list(activity_selectors.activity_list(access=self.access, owner=seller)[:50]),
            can_log=self.access.can("activities.log"),
        )
        if context["can_log"]:
            context.setdefault("activity_form", ActivityForm(deals=deals, initial={"occurred_on": timezone.localdate()}))
        if can_write:
            context.setdefault("note_form", NoteForm(deals=deals))
            context.setdefault("follow_up_form", FollowUpForm(deals=deals))
        return context


class _CoachingPost(CoachingSellerView):
    """A write from the 1:1 page. A refused form renders that page again with the bound form (what
    was typed stays in the box, the reason beside its field); a success redirects back to it."""

    http_method_names = ["post"]
    form_key = ""  # the page's context name of the form this view receives

    def _seller(self, pk):
        seller = selectors.coached_seller_get(access=self.access, pk=pk)
        if seller is None:
            raise Http404("No such seller")
        return seller

    def _back(self, seller):
        return redirect(reverse("performance:coaching_seller", kwargs={"tenant": self.access.tenant.slug, "pk": seller.pk}))

    def _submit(self, form_class, write):
        """Validate `form_class` for the seller of the URL, then `write(seller, data, deal)` (a service
        call returning the success message)."""
        seller = self._seller(self.kwargs["pk"])
        form = form_class(self.request.POST, deals=_open_deals(seller))
        if form.is_valid():
            try:
                deal = seller_deal(seller=seller, pk=form.cleaned_data["opportunity"])
                messages.success(self.request, write(seller, form.cleaned_data, deal))
            except DomainError as exc:
                add_service_error(form, exc)
            else:
                return self._back(seller)
        return self.render_to_response(self.get_context_data(**self.kwargs, **{self.form_key: form}))


class NoteCreateView(_CoachingPost):
    capability = "coaching.write"
    form_key = "note_form"

    def post(self, request, *args, **kwargs):
        def write(seller, data, deal):
            services.coaching_note_create(seller=seller, body=data["body"], actor=request.user, opportunity=deal)
            return "Note saved."
        return self._submit(NoteForm, write)


class FollowUpCreateView(_CoachingPost):
    capability = "coaching.write"
    form_key = "follow_up_form"

    def post(self, request, *args, **kwargs):
        def write(seller, data, deal):
            services.follow_up_create(seller=seller, title=data["title"], due_date=data["due_date"],
                                      actor=request.user, opportunity=deal)
            return "Follow-up added."
        return self._submit(FollowUpForm, write)


class FollowUpCompleteView(_CoachingPost):
    capability = "coaching.view"

    def post(self, request, *args, **kwargs):
        follow_up = selectors.follow_up_get(access=self.access, pk=kwargs["pk"])
        if follow_up is None:
            raise Http404("No such follow-up")
        try:
            services.follow_up_complete(follow_up=follow_up, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Follow-up done.")
        return self._back(follow_up.seller)


class ActivityCreateView(_CoachingPost):
    """Log a meeting, call or e-mail of a rep (the rep themselves, or a manager above them)."""

    capability = "activities.log"
    form_key = "activity_form"

    def post(self, request, *args, **kwargs):
        def write(seller, data, deal):
            activity = activity_log(owner=seller, kind=data["kind"], occurred_on=data["occurred_on"],
                                    subject=data["subject"], actor=request.user, opportunity=deal)
            return f"{activity.get_kind_display()} logged."
        return self._submit(ActivityForm, write)
