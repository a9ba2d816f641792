"""The grouped statement: print-ready HTML and a grouped CSV, plus the context the statement page adds."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.urls import reverse

from compensation.breakdown.grouping import breakdown_csv_rows
from compensation.breakdown.page import statement_page
from compensation.breakdown.selectors import statement_breakdown, statement_window
from compensation.disputes.selectors import dispute_list
from compensation.selectors import attainment_rows
from compensation.web import statement_or_404
from spm.tenancy.views import TenantTemplateView, TenantView


def may_dispute(statement, user) -> bool:
    """The seller disputes lines of their own statement once it is published."""
    is_own = statement.seller.user_id is not None and statement.seller.user_id == user.pk
    return is_own and statement.status != statement.Status.DRAFT


def breakdown_context(access, user, statement, breakdown) -> dict:
    """What the statement page shows besides its lines: the grouped view's totals, route, holds and disputes."""
    from compensation.disputes.views import DisputeOpenForm

    can_dispute = may_dispute(statement, user)
    from compensation.holds.selectors import earned_and_payable
    from compensation.holds.services import hold_policy
    from compensation.routing.selectors import route_progress
    from compensation.routing.services import step_refusal

    can_hold = access.can("payroll.export") and not statement.is_locked
    # The statement page's read says whether there is a route or a dispute to read at all.
    progress = route_progress(statement) if getattr(statement, "has_route", True) else []
    return {
        "route": progress,
        "can_take_step": bool(progress) and statement.status == statement.Status.PUBLISHED
        and step_refusal(statement, user) is None,
        "pay": earned_and_payable(statement),
        "can_hold": can_hold,
        "hold_pct": hold_policy().pct if can_hold else None,  # 0: no policy yet, the page links to it
        "breakdown": breakdown,
        "disputes": list(dispute_list(access=access, statement_id=statement.pk).order_by("-raised_at", "-id"))
        if getattr(statement, "has_disputes", True) else [],
        "can_dispute": can_dispute,
        "dispute_form": DisputeOpenForm() if can_dispute else None,
    }


class StatementLinesView(TenantTemplateView):
    """The statement page's line table (htmx, when it is opened): the lines of one page of deal
    groups and every line without a deal, each with its explanation and, for the seller, "Dispute"."""

    capability = "statements.view"
    template_name = "compensation/_statement_lines.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement = statement_or_404(self.access, kwargs["pk"])
        deal_url = reverse("performance:deal_detail", kwargs={"tenant": self.access.tenant.slug, "pk": 0})
        page = statement_page(statement_window(statement=statement, page=self.request.GET.get("page")), page=None,
                              deal_url=deal_url)
        context.update(statement=statement, page=page, can_dispute=may_dispute(statement, self.request.user))
        return context


class StatementPrintView(TenantTemplateView):
    """Print-ready statement (the browser's "Save as PDF" gives the PDF)."""

    capability = "statements.view"
    template_name = "compensation/statement_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement = statement_or_404(self.access, kwargs["pk"])
        from compensation.holds.selectors import earned_and_payable

        context.update(statement=statement, breakdown=statement_breakdown(statement=statement),
                       attainment=attainment_rows(statement.attainment), pay=earned_and_payable(statement))
        return context


class StatementBreakdownCSVView(TenantView):
    """The grouped statement as CSV: a row per deal with the components side by side, then subtotals."""

    capability = "statements.view"

    def get(self, request, *args, **kwargs):
        statement = statement_or_404(self.access, kwargs["pk"])
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"statement-{statement.seller.external_id}-{statement.period}-by-deal.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv.writer(response)
        for row in breakdown_csv_rows(statement_breakdown(statement=statement), currency=statement.currency):
            writer.writerow(row)
        return response
