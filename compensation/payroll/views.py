"""Finance's close: payroll batches (list, create, CSV) and the approval queue's figures."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from compensation.payroll import selectors
from compensation.payroll.services import payroll_batch_create, payroll_csv
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.paging import paginate


def approval_context(access, request, queue_page) -> dict:
    """Extra context for the approvals page: batch totals with the change against last month, and
    the anomaly flags of the statements on the page."""
    statements = list(queue_page)
    flags = selectors.statement_flags(statements)
    for s in statements:
        s.flags = flags.get(s.pk, [])
    return {"batches": selectors.queue_batches(access=access), "object_list": statements,
            "include_zero": request.GET.get("zero") == "1", "flagged": sum(1 for s in statements if s.flags)}


class PayrollView(TenantTemplateView):
    capability = "payroll.export"
    template_name = "compensation/payroll.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(paginate(self.request, selectors.batch_list(), per_page=50))
        context["payable"] = selectors.payable_periods(access=self.access)
        return context

    def post(self, request, *args, **kwargs):
        period = request.POST.get("period", "")
        currency = request.POST.get("currency") or None
        try:
            batch = payroll_batch_create(period=period, currency=currency, actor=request.user,
                                         expected=_expected(request.POST))
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(reverse("compensation:payroll", kwargs={"tenant": self.access.tenant.slug}))
        messages.success(request, f"Batch {batch.pk}: {batch.statement_count} statements of {batch.period}, "
                                  f"{batch.currency} {batch.total:,.2f}, marked paid.")
        return redirect(reverse("compensation:payroll_batch", kwargs={"tenant": self.access.tenant.slug, "pk": batch.pk}))


def _expected(data) -> tuple[int, Decimal] | None:
    """What the page showed for the batch (count, total), when the form says: the export checks it."""
    try:
        return int(data["expected_count"]), Decimal(data["expected_total"])
    except (KeyError, ValueError, ArithmeticError):
        return None


def _batch_or_404(pk: int):
    batch = selectors.batch_get(pk=pk)
    if batch is None:
        raise Http404("No such batch")
    return batch


class PayrollBatchView(TenantTemplateView):
    capability = "payroll.export"
    template_name = "compensation/payroll_batch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = _batch_or_404(kwargs["pk"])
        context.update(batch=batch, items=list(batch.items.select_related("seller", "statement").order_by("seller__name", "id")))
        return context


class PayrollBatchCSVView(TenantView):
    capability = "payroll.export"

    def get(self, request, *args, **kwargs):
        batch = _batch_or_404(kwargs["pk"])
        response = HttpResponse(payroll_csv(batch=batch), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payroll-{batch.period}-{batch.currency}-{batch.pk}.csv"'
        return response
