"""Pay pages: statements (the page reps open most), approvals, calculation runs and comp plans.

Views parse, call a selector or a service, and render. Every write goes through
compensation.services; a refusal (DomainError) is shown to the user as a message.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from compensation import services
from compensation.breakdown.body import statement_body
from compensation.breakdown.selectors import statement_line_rows, statement_with_history
from compensation.forms import AdjustmentForm, PayPeriodForm, PublishPeriodForm, RunRequestForm, StatementFilterForm
from compensation.models import EarningLine, Statement
from compensation.selectors import (
    adjustment_list,
    approval_queue,
    attainment_rows,
    history_of,
    line_explanation,
    plan_list,
    run_get,
    run_list,
    statement_input_changes,
    statement_list,
    statement_period_summary,
)
from compensation.web import statement_or_404
from spm.errors import DomainError
from spm.services import period_is_closed
from spm.templatetags.fmt import money, period
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web import charts
from spm.web.forms import add_service_error
from spm.web.paging import paginate

HUNDRED = Decimal(100)



def _statement_url(access, pk: int) -> str:
    return reverse("compensation:statement_detail", kwargs={"tenant": access.tenant.slug, "pk": pk})


# --- statements ------------------------------------------------------------------------------------


class StatementListView(TenantTemplateView):
    capability = "statements.view"
    template_name = "compensation/statements.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        view_all = self.access.can("statements.view_all")
        form = StatementFilterForm(self.request.GET or None, include_drafts=view_all)
        period = status = None
        if form.is_valid():
            period = form.cleaned_data["period"] or None
            status = form.cleaned_data["status"] or None
        qs = statement_list(access=self.access, period=period, status=status).order_by("-period", "seller__name")
        context.update(paginate(self.request, qs, per_page=50))
        context.update(form=form, filtered=bool(period or status), view_all=view_all)
        return context


class StatementDetailView(TenantTemplateView):
    capability = "statements.view"
    template_name = "compensation/statement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One query for the statement, its seller's recent months (the chart) and what is held.
        statement, recent = statement_with_history(access=self.access, pk=kwargs["pk"])
        if statement is None:
            raise Http404("No such statement")
        history = history_of(recent)
        chart = None
        if history.periods:
            chart = charts.earnings_and_attainment(
                history.periods, history.earnings, history.attainment, currency=statement.currency
            )
        # One query, whatever the line count: this page's deal groups and the totals over every line.
        deal_url = reverse("performance:deal_detail", kwargs={"tenant": self.access.tenant.slug, "pk": 0})
        breakdown, page = statement_body(statement=statement, page=self.request.GET.get("page"), deal_url=deal_url)
        context.update(
            statement=statement,
            input_changes=statement_input_changes(statement) if getattr(statement, "inputs_changed", False) else [],
            page=page,
            attainment=attainment_rows(statement.attainment),
            chart=chart,
            can_publish=self.access.can("statements.publish") and statement.status == Statement.Status.DRAFT,
            can_approve=self.access.can("statements.approve") and statement.status == Statement.Status.PUBLISHED,
            can_mark_paid=self.access.can("statements.approve") and statement.status == Statement.Status.APPROVED,
        )
        if context["can_approve"]:
            # The same rule the service applies, shown before the click instead of after it.
            context["approval_refusal"] = services.approval_refusal(
                statement, self.request.user, membership=self.access.membership,
                adjusted=getattr(statement, "adjusted_by_viewer", None))
        context.update(self._adjustments(statement, context.get("adjust_form")))
        from compensation.breakdown.views import breakdown_context  # grouped view and disputes

        context.update(breakdown_context(self.access, self.request.user, statement, breakdown))
        return context

    def _adjustments(self, statement: Statement, form: AdjustmentForm | None) -> dict:
        """The seller's adjustments of this month (each with `on_statement`: a line of this statement
        carries it), and what the viewer may do about them. No query when the statement's read says
        the month has none (`has_adjustments`)."""
        adjustments = []
        if getattr(statement, "has_adjustments", True):
            adjustments = list(
                adjustment_list(access=self.access)
                .filter(seller_id=statement.seller_id, period=statement.period)
                .annotate(on_statement=Exists(EarningLine.objects.filter(statement_id=statement.pk,
                                                                         adjustment_id=OuterRef("pk"))))
                .order_by("created_at", "id")
            )
        can_adjust = self.access.can("statements.adjust")
        closed = getattr(statement, "period_closed", None)
        if closed is None:
            closed = period_is_closed(statement.period) if can_adjust or adjustments else False
        # The one rule for "can this month still take an adjustment" (closed period, approved or
        # paid statement) lives in the service; the page asks it before offering the form.
        refusal = services.adjustment_refusal(
            seller=statement.seller, period=statement.period, statement=statement, period_closed=closed
        ) if can_adjust else None
        user_id = self.request.user.pk
        return {
            "adjustments": adjustments,
            "pending_adjustments": [a for a in adjustments if not a.on_statement],
            "my_adjustment": any(a.created_by_id == user_id for a in adjustments),
            "period_closed": closed,
            "can_adjust": can_adjust and refusal is None,
            "adjust_refusal": refusal,
            "adjust_form": form if form is not None else (AdjustmentForm() if can_adjust else None),
            # A refused POST shows its form with the reason even where the page would not offer one.
            "show_adjust_form": (can_adjust and refusal is None) or bool(form is not None and form.errors),
            "can_recalculate": self.access.can("calculation.run") and not closed and not statement.is_locked,
        }


class _StatementActionView(TenantView):
    """POST-only: resolve the statement through the visibility rule (404), call one service."""

    http_method_names = ["post"]
    success = ""

    def act(self, statement):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        statement = statement_or_404(self.access, kwargs["pk"])
        try:
            self.act(statement)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, self.success.format(statement=statement))
        return redirect(_statement_url(self.access, statement.pk))


class StatementPublishView(_StatementActionView):
    capability = "statements.publish"
    success = "Published {statement}: the seller can now see it."

    def act(self, statement):
        services.statement_publish(statement=statement, actor=self.request.user)


class StatementMarkPaidView(_StatementActionView):
    capability = "statements.approve"  # finance and admin: the roles that release money
    success = "Marked {statement} paid."

    def act(self, statement):
        services.statement_mark_paid(statement=statement, actor=self.request.user)


class StatementAdjustView(StatementDetailView):
    """POST an adjustment for the statement's seller and month; errors re-render the page with the form."""

    capability = "statements.adjust"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        statement = self.statement = statement_or_404(self.access, kwargs["pk"])
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            try:
                adjustment = services.adjustment_create(
                    seller=statement.seller, period=statement.period, amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"], actor=request.user,
                )
            except DomainError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Adjustment of {money(adjustment.amount, statement.currency)} added for {statement.seller} in "
                    f"{period(statement.period)}. {period(statement.period)} is being recalculated for them to add it as a "
                    f"line.",
                )
                return redirect(_statement_url(self.access, statement.pk) + "#adjustments")
        context = self.get_context_data(adjust_form=form, **kwargs)
        return self.render_to_response(context)


class StatementRecalculateView(TenantView):
    """Queue a calculation of the statement's month and go to the run's progress page."""

    capability = "calculation.run"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        statement = statement_or_404(self.access, kwargs["pk"])
        try:
            run = services.calculation_request(period_from=statement.period, requested_by=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(_statement_url(self.access, statement.pk))
        messages.success(request, f"Calculation of {run.period_from} started.")
        return redirect(reverse("compensation:run_detail", kwargs={"tenant": self.access.tenant.slug, "pk": run.pk}))


class StatementApproveView(_StatementActionView):
    capability = "statements.approve"
    success = "Approved {statement}."

    def act(self, statement):
        from compensation.routing.services import statement_route_approve  # the tenant's approval route

        statement_route_approve(statement=statement, actor=self.request.user)


class StatementExportView(TenantView):
    """The lines of one statement as CSV (same visibility as the page)."""

    COLUMNS = [
        "seller", "period", "position", "plan", "component", "kind", "deal", "credit", "quota", "quota_period",
        "attainment_before", "attainment_after", "rate", "amount", "currency", "explanation",
    ]

    def get(self, request, *args, **kwargs):
        statement = statement_or_404(self.access, kwargs["pk"])
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"statement-{statement.seller.external_id}-{statement.period}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv.writer(response)
        writer.writerow(self.COLUMNS)
        for line in statement_line_rows(statement=statement, extra=("period", "opportunity__external_id")):
            writer.writerow([
                statement.seller.external_id, line["period"], line["position"], line["plan_name"], line["component"],
                line["kind"], line["deal"] or line["opportunity__external_id"] or "",
                line["credit"], line["quota"], line["quota_period"], line["attainment_before"], line["attainment_after"],
                line["rate"], line["amount"], statement.currency, line_explanation(line),
            ])
        writer.writerow(["", "", "", "", "Total", "", "", "", "", "", "", "", "", statement.total, statement.currency, ""])
        return response


# --- approvals -------------------------------------------------------------------------------------


class ApprovalsView(TenantTemplateView):
    """Finance queue: published statements, bulk approve, publish all drafts of a period."""

    capability = "statements.approve"
    template_name = "compensation/approvals.html"
    max_bulk = 500

    def get_context_data(self, **kwargs):
        from compensation.payroll.selectors import approval_queue as close_queue
        from compensation.payroll.views import approval_context

        context = super().get_context_data(**kwargs)
        # USD 0.00 statements are hidden unless asked for (?zero=1); flags and batch totals from payroll
        queue = close_queue(access=self.access, include_zero=self.request.GET.get("zero") == "1")
        context.update(paginate(self.request, queue, per_page=100))
        context.update(approval_context(self.access, self.request, context["object_list"]))
        context["draft_periods"] = statement_period_summary(access=self.access, status=Statement.Status.DRAFT)
        # Preset to the latest month that has ended and still has drafts: the running month's
        # statements are days old and not ready to go to sellers.
        running = timezone.localdate().strftime("%Y-%m")
        latest_draft = next((p["period"] for p in context["draft_periods"] if p["period"] < running), None)
        context.setdefault("publish_form", PublishPeriodForm(initial={"period": latest_draft}))
        context["can_publish"] = self.access.can("statements.publish")
        context["approved_periods"] = statement_period_summary(
            access=self.access, status=Statement.Status.APPROVED, by_currency=True
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "approve":
            self._approve(request)
        elif action == "publish_period":
            if not self.access.can("statements.publish"):
                raise PermissionDenied("Your role cannot publish statements.")
            form = PublishPeriodForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(publish_form=form, **kwargs))
            try:
                count = services.statement_publish_period(period=form.cleaned_data["period"], actor=request.user)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                period = form.cleaned_data["period"]
                if count:
                    messages.success(request, f"Published {count} draft statement{'s' if count != 1 else ''} of {period}.")
                else:
                    messages.info(request, f"There was no draft statement to publish in {period}.")
        elif action == "pay_period":
            self._pay_period(request)
        else:
            messages.error(request, "Unknown action.")
        return redirect(reverse("compensation:approvals", kwargs={"tenant": self.access.tenant.slug}))

    def _pay_period(self, request) -> None:
        form = PayPeriodForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a month like 2027-01 to mark paid.")
            return
        period = form.cleaned_data["period"]
        approved = statement_list(access=self.access, period=period, status=Statement.Status.APPROVED).order_by("id")
        paid, refused = _apply_each(services.statement_mark_paid, approved[: self.max_bulk], request)
        if paid:
            messages.success(request, f"Marked {paid} approved statement{'s' if paid != 1 else ''} of {period} paid.")
        if refused:
            messages.error(request, f"Refused {len(refused)}: " + "; ".join(refused))
        if not paid and not refused:
            messages.info(request, f"There was no approved statement to mark paid in {period}.")

    def _approve(self, request) -> None:
        ids = [int(v) for v in request.POST.getlist("statements") if v.isdigit()][: self.max_bulk]
        if not ids:
            messages.warning(request, "Select at least one statement to approve.")
            return
        # Resolved through the queue: ids outside the tenant or not published are simply not found.
        from compensation.routing.services import statement_route_approve  # the tenant's approval route

        queued = list(approval_queue(access=self.access).filter(pk__in=ids))
        approved, refused = _apply_each(statement_route_approve, queued, request)
        if approved:
            messages.success(request, f"Approved {approved} statement{'s' if approved != 1 else ''}.")
        if refused:
            messages.error(request, f"Refused {len(refused)}: " + "; ".join(refused))
        # Ticked on a page loaded earlier, then approved, held or recalculated by someone else: say which.
        gone = statement_list(access=self.access).filter(pk__in=set(ids) - {s.pk for s in queued}).select_related("seller")
        if gone:
            messages.warning(request, "No longer awaiting approval (changed since you loaded the page): " + "; ".join(
                f"{s.seller.name} {s.period} ({s.get_status_display().lower()})" for s in gone))
        elif not approved and not refused:
            messages.warning(request, "None of the selected statements is awaiting approval any more.")


def _apply_each(service, statements, request) -> tuple[int, list[str]]:
    """Run a statement service on each statement; each succeeds or is refused on its own."""
    done, refused = 0, []
    for statement in statements:
        try:
            service(statement=statement, actor=request.user)
        except DomainError as exc:
            refused.append(f"{statement}: {exc}")
        else:
            done += 1
    return done, refused


# --- calculation runs ------------------------------------------------------------------------------


class RunListView(TenantTemplateView):
    capability = "statements.view_all"
    template_name = "compensation/runs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(paginate(self.request, run_list(), per_page=25))
        context["can_run"] = self.access.can("calculation.run")
        context.setdefault("form", RunRequestForm())
        return context


class RunCreateView(TenantTemplateView):
    capability = "calculation.run"
    template_name = "compensation/runs.html"
    http_method_names = ["post"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(paginate(self.request, run_list(), per_page=25))
        context["can_run"] = True
        return context

    def post(self, request, *args, **kwargs):
        form = RunRequestForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, **kwargs))
        try:
            run = services.calculation_request(
                period_from=form.cleaned_data["period_from"],
                period_through=form.cleaned_data["period_through"] or None,
                requested_by=request.user,
            )
        except DomainError as exc:
            if exc.field in form.fields:  # a range refused (issue 11: a clear 400), said on its field
                message = exc.message  # in the form's words: "Through month", not the API's period_through
                for name, field in form.fields.items():
                    message = message.replace(name, str(field.label or name))
                form.add_error(exc.field, message)
                return self.render_to_response(self.get_context_data(form=form, **kwargs), status=400)
            messages.error(request, str(exc))
            return redirect(reverse("compensation:runs", kwargs={"tenant": self.access.tenant.slug}))
        messages.success(request, f"Calculation of {run.period_from}–{run.period_through} started.")
        return redirect(reverse("compensation:run_detail", kwargs={"tenant": self.access.tenant.slug, "pk": run.pk}))


class RunDetailView(TenantTemplateView):
    capability = "statements.view_all"
    template_name = "compensation/run_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = run_get(pk=kwargs["pk"])
        if run is None:
            raise Http404("No such run")
        context["run"] = run
        return context


class RunProgressView(RunDetailView):
    """The htmx fragment polled every second until the run has finished."""

    template_name = "compensation/_run_progress.html"


# --- comp plans ------------------------------------------------------------------------------------


def _tier_rows(component: dict) -> list[dict]:
    rows, lower = [], Decimal(0)
    for tier in component.get("tiers") or []:
        upto = tier.get("upto")
        upper = None if upto in (None, "") else Decimal(str(upto))
        rate = Decimal(str(tier.get("rate", "0")))
        rows.append({"from": lower * HUNDRED, "upto": None if upper is None else upper * HUNDRED, "rate": rate})
        if upper is not None:
            lower = upper
    return rows


class PlanListView(TenantTemplateView):
    capability = "planning.view"
    template_name = "compensation/plans.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit_plans"] = self.access.can("plans.edit")
        context.update(paginate(self.request, plan_list().annotate(assigned=Count("assignments")).order_by("name", "-version"), per_page=50))
        return context


class PlanDetailView(TenantTemplateView):
    # Reps and managers read the plans assigned to them (compensation.acceptance decides which).
    capability = None
    template_name = "compensation/plan_detail.html"

    def get_context_data(self, **kwargs):
        from compensation.acceptance.views import acceptance_context, plan_or_404

        context = super().get_context_data(**kwargs)
        plan = plan_or_404(self.access, kwargs["pk"])
        document = plan.document or {}
        components = []
        for component in document.get("components") or []:
            components.append({"c": component, "tiers": _tier_rows(component), "deal_types": ((component.get("measure") or {}).get("deal_types") or [])})
        context.update(
            plan=plan, document=document, components=components,
            document_json=json.dumps(document, indent=2, sort_keys=False),
            versions=list(plan_list().filter(name=plan.name).order_by("-version")[:20]) if self.access.can("planning.view") else [],
        )
        context.update(acceptance_context(self.access, plan))
        context["can_edit_plans"] = self.access.can("plans.edit")
        return context
