"""ASC 340-40 page: the monthly journal (CSV), capitalised deals' schedules, and the policy."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from compensation.accounting.selectors import accounting_policy, deal_schedules, journal_csv, journal_rows
from compensation.accounting.services import accounting_policy_set
from compensation.liability.selectors import cached
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView

SCHEDULES_SHOWN = 50


class PolicyForm(forms.Form):
    expedient_months = forms.IntegerField(min_value=1, max_value=120, initial=12,
                                          label="Capitalise contracts longer than (months)")
    expected_customer_life_months = forms.IntegerField(min_value=1, max_value=240, required=False,
                                                       label="Expected customer life (months, optional)")


def _through(request) -> str | None:
    value = request.GET.get("through", "")
    return value if len(value) == 7 and value[4] == "-" and value.replace("-", "").isdigit() else None


class AccountingView(TenantTemplateView):
    capability = "accounting.view"
    template_name = "compensation/accounting.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        through = _through(self.request)

        def compute():  # every earning line and deal of the tenant: cached per data version
            rows, totals = journal_rows(through=through)
            for r in rows:
                r.statements_total = totals.get(r.period)
            schedules = [s for s in deal_schedules(through=through) if s.capitalised]
            # Only the schedules shown: every deal's schedule is megabytes to read back per view.
            return rows, schedules[:SCHEDULES_SHOWN], len(schedules)

        rows, schedules, schedule_count = cached("accounting-shown", access=self.access, key_parts=(through,),
                                                 compute=compute)
        policy = accounting_policy()
        context.update(
            rows=rows, through=through or "", schedules=schedules, schedule_count=schedule_count,
            policy=policy, form=kwargs.get("form") or PolicyForm(initial={
                "expedient_months": policy.expedient_months,
                "expected_customer_life_months": policy.expected_customer_life_months}),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                accounting_policy_set(**form.cleaned_data, actor=request.user)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Accounting policy saved.")
                return redirect(reverse("compensation:accounting", kwargs={"tenant": self.access.tenant.slug}))
        return self.render_to_response(self.get_context_data(form=form, **kwargs))


class JournalCSVView(TenantView):
    capability = "accounting.view"

    def get(self, request, *args, **kwargs):
        rows, totals = journal_rows(through=_through(request))
        response = HttpResponse(journal_csv(rows, totals), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="commission-journal.csv"'
        return response
