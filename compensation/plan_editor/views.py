"""Plan editor (validated JSON with a live preview), plan document export and import."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from compensation.engine import EngineError
from compensation.plan_editor.selectors import parse_document_text, plan_preview, preview_period
from compensation.selectors import plan_latest_version, plan_list
from compensation.services import PlanDocumentError, comp_plan_create
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView


class ImportForm(forms.Form):
    file = forms.FileField(label="Plan document (.json)")
    publish = forms.BooleanField(required=False, label="Publish at once")


def _plan_or_404(pk: int):
    plan = plan_list().filter(pk=pk).first()
    if plan is None:
        raise Http404("No such plan")
    return plan


def _plan_url(access, plan) -> str:
    return reverse("compensation:plan_detail", kwargs={"tenant": access.tenant.slug, "pk": plan.pk})


class PlanEditView(TenantTemplateView):
    """GET: the plan's document in a JSON editor. POST action=preview shows the payout change on the
    last closed period; action=save stores a new draft version, action=publish a published one. The
    version edited is never changed (published versions are immutable)."""

    capability = "plans.edit"
    template_name = "compensation/plan_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = _plan_or_404(kwargs["pk"])
        context.setdefault("text", json.dumps(plan.document, indent=2))
        # The newest version when the editor opened: a save checks that nobody saved one since.
        context.setdefault("latest_version", plan_latest_version(name=plan.name))
        context.update(plan=plan, preview_period=preview_period())
        return context

    def post(self, request, *args, **kwargs):
        plan = _plan_or_404(kwargs["pk"])
        text = request.POST.get("document", "")
        action = request.POST.get("action", "preview")
        document, errors = parse_document_text(text)
        seen = request.POST.get("latest_version", "")
        context = {"text": text, "errors": errors}
        if seen.isdigit():
            context["latest_version"] = int(seen)
        if not errors and action in ("save", "publish"):
            try:
                new = comp_plan_create(document=document, actor=request.user, effective_from=plan.effective_from,
                                       publish=action == "publish",
                                       based_on=(plan.name, int(seen)) if seen.isdigit() else None)
            except PlanDocumentError as exc:
                context["errors"] = [f"{p}: {m}" for p, m in exc.field_errors]
            except DomainError as exc:
                context["errors"] = [str(exc)]
                if exc.code == "stale":  # warned once: saving again is a deliberate choice
                    context.pop("latest_version", None)
            else:
                messages.success(request, f"Saved {new.name} v{new.version} ({new.status}). v{plan.version} is unchanged.")
                return redirect(_plan_url(self.access, new))
        elif not errors:
            try:
                context["preview"] = plan_preview(plan=plan, document=document, access=self.access)
            except EngineError as exc:
                context["errors"] = [f"Preview: {exc}"]
        return self.render_to_response(self.get_context_data(**kwargs, **context))


class PlanExportView(TenantView):
    """The plan document as a JSON file (what import and the API accept)."""

    capability = "planning.view"

    def get(self, request, *args, **kwargs):
        plan = _plan_or_404(kwargs["pk"])
        response = HttpResponse(json.dumps(plan.document, indent=2), content_type="application/json")
        slug = "".join(c if c.isalnum() else "-" for c in plan.name).strip("-").lower() or "plan"
        response["Content-Disposition"] = f'attachment; filename="{slug}-v{plan.version}.json"'
        return response


class PlanImportView(TenantTemplateView):
    capability = "plans.edit"
    template_name = "compensation/plan_import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        return context

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        errors: list[str] = []
        if form.is_valid():
            raw = form.cleaned_data["file"].read(1_000_000)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                errors = ["The file is not UTF-8 text."]
            else:
                document, errors = parse_document_text(text)
                if not errors:
                    try:
                        plan = comp_plan_create(document=document, actor=request.user,
                                                publish=form.cleaned_data["publish"])
                    except DomainError as exc:
                        errors = [str(exc)]
                    else:
                        messages.success(request, f"Imported {plan.name} v{plan.version} ({plan.status}).")
                        return redirect(_plan_url(self.access, plan))
        return self.render_to_response(self.get_context_data(form=form, errors=errors))
