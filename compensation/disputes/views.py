"""Dispute pages: the queue (finance: all; a rep: their own), one dispute's thread, and the actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from compensation.disputes import services
from compensation.disputes.models import Dispute
from compensation.disputes.selectors import dispute_comments, dispute_get, dispute_list, suggested_adjustment_month
from compensation.web import statement_or_404
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.paging import paginate


class DisputeOpenForm(forms.Form):
    line = forms.IntegerField(required=False, widget=forms.HiddenInput)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, label="Change you expect (+/−)")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, label="Comment")


class AcceptForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, required=False,
                                help_text="Leave empty to accept the disputed amount.")
    period = forms.RegexField(regex=r"^\d{4}-\d{2}$", required=False,
                              help_text="Month of the adjustment; empty = the statement's month.")
    resolution = forms.CharField(required=False, max_length=2000)


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


def _dispute_or_404(access, pk: int) -> Dispute:
    dispute = dispute_get(access=access, pk=pk)
    if dispute is None:
        raise Http404("No such dispute")
    return dispute


def _dispute_url(access, pk: int) -> str:
    return reverse("compensation:dispute_detail", kwargs={"tenant": access.tenant.slug, "pk": pk})


class DisputeListView(TenantTemplateView):
    capability = "statements.view"
    template_name = "compensation/disputes.html"
    STATUSES = ("unresolved", *Dispute.Status.values, "all")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status") or "unresolved"
        if status not in self.STATUSES:
            status = "unresolved"
        qs = dispute_list(access=self.access, status=None if status == "all" else status)
        context.update(paginate(self.request, qs.order_by("raised_at", "id"), per_page=50))
        labels = {"unresolved": "Unresolved", "all": "All", **dict(Dispute.Status.choices)}
        context.update(status=status, status_label=labels[status], statuses=[(s, labels[s]) for s in self.STATUSES],
                       can_resolve=self.access.can("disputes.resolve"))
        return context


class DisputeDetailView(TenantTemplateView):
    capability = "statements.view"
    template_name = "compensation/dispute_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dispute = _dispute_or_404(self.access, kwargs["pk"])
        can_resolve = self.access.can("disputes.resolve") and not dispute.is_resolved
        context.update(
            dispute=dispute, comments=list(dispute_comments(dispute=dispute)), can_resolve=can_resolve,
            comment_form=CommentForm() if not dispute.is_resolved else None,
            # A locked statement's month refuses the adjustment: propose the first month that takes it.
            accept_form=AcceptForm(initial={"period": suggested_adjustment_month(dispute)}) if can_resolve else None,
            reject_form=RejectForm() if can_resolve else None,
        )
        return context


class DisputeOpenView(TenantView):
    """POST from the statement page: the rep disputes one of its lines."""

    capability = "statements.view"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        statement = statement_or_404(self.access, kwargs["pk"])
        back = reverse("compensation:statement_detail", kwargs={"tenant": self.access.tenant.slug, "pk": statement.pk})
        form = DisputeOpenForm(request.POST)
        if not form.is_valid():
            messages.error(request, "A dispute needs an amount and a reason: " + "; ".join(
                f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            return redirect(back + "#disputes")
        line = None
        if form.cleaned_data["line"]:
            # resolved through the statement the viewer may see: a line of another statement is not found
            line = statement.lines.filter(pk=form.cleaned_data["line"]).first()
            if line is None:
                raise Http404("No such line")
        try:
            dispute = services.dispute_open(statement=statement, line=line, amount=form.cleaned_data["amount"],
                                            reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(back + "#disputes")
        messages.success(request, f"Dispute #{dispute.pk} opened; finance has been notified.")
        return redirect(_dispute_url(self.access, dispute.pk))


class _DisputeActionView(TenantView):
    http_method_names = ["post"]
    form_class: type[forms.Form] = forms.Form
    success = ""

    def act(self, dispute, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        dispute = _dispute_or_404(self.access, kwargs["pk"])
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        else:
            try:
                self.act(dispute, form.cleaned_data)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, self.success.format(dispute=dispute))
        return redirect(_dispute_url(self.access, dispute.pk))


class DisputeCommentView(_DisputeActionView):
    capability = "statements.view"
    form_class = CommentForm
    success = "Comment added."

    def act(self, dispute, data):
        services.dispute_comment(dispute=dispute, body=data["body"], actor=self.request.user)


class DisputeReviewView(_DisputeActionView):
    capability = "disputes.resolve"
    success = "Dispute #{dispute.pk} is in review."

    def act(self, dispute, data):
        services.dispute_review(dispute=dispute, actor=self.request.user)


class DisputeAcceptView(_DisputeActionView):
    capability = "disputes.resolve"
    form_class = AcceptForm
    success = "Dispute #{dispute.pk} accepted: the adjustment is created and its month is being recalculated."

    def act(self, dispute, data):
        services.dispute_accept(dispute=dispute, actor=self.request.user, amount=data.get("amount"),
                                period=data.get("period") or None, resolution=data.get("resolution") or "")


class DisputeRejectView(_DisputeActionView):
    capability = "disputes.resolve"
    form_class = RejectForm
    success = "Dispute #{dispute.pk} rejected."

    def act(self, dispute, data):
        services.dispute_reject(dispute=dispute, actor=self.request.user, reason=data["reason"])
