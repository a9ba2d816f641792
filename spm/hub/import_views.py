"""CRM data in, in the browser: upload → column mapping (guessed, saved per tenant) → import (at once,
or a Celery task with an htmx progress bar) → the report with the error file to download."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from performance.models import CrmWebhook, ImportJob
from spm.errors import DomainError
from spm.hub.imports import KINDS, columns_for, import_job_create, import_job_start
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.forms import add_service_error
from spm.web.paging import paginate

MAX_UPLOAD = 200 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k.title()) for k in KINDS], initial="opportunities")
    file = forms.FileField(help_text="CSV with a header line; extra columns are ignored.")
    encoding = forms.CharField(required=False, max_length=40, help_text="Blank: UTF-8.")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD // 1024 // 1024} MB.")
        return f


class ImportListView(TenantTemplateView):
    capability = "imports.run"
    template_name = "hub/imports.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = ImportJob.objects.select_related("requested_by").defer("data", "errors_csv").order_by("-created_at", "-id")
        context.update(paginate(self.request, jobs, per_page=25))
        context.setdefault("form", UploadForm())
        context["webhook"] = CrmWebhook.objects.first()
        context["can_manage_webhook"] = self.access.can("members.manage") or self.access.can("imports.run")
        context["columns"] = {kind: [(c.name, c.required) for c in columns_for(kind)] for kind in KINDS}
        return context

    def post(self, request, *args, **kwargs):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, **kwargs))
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(kind=form.cleaned_data["kind"], file_name=upload.name, data=upload.read(),
                                    encoding=form.cleaned_data["encoding"].strip(), actor=request.user)
        except DomainError as exc:
            add_service_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form, **kwargs))
        return redirect(reverse("hub:import_detail", kwargs={"tenant": self.access.tenant.slug, "pk": job.pk}))


class ImportDetailView(TenantTemplateView):
    capability = "imports.run"
    template_name = "hub/import_detail.html"

    def get_job(self, pk: int) -> ImportJob:
        job = ImportJob.objects.defer("data", "errors_csv").filter(pk=pk).first()
        if job is None:
            raise Http404("No such import")
        return job

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = context.get("job") or self.get_job(kwargs["pk"])
        context["job"] = job
        context["columns"] = [(c.name, c.required, job.mapping.get(c.name, "")) for c in columns_for(job.kind)]
        context["today"] = dt.date.today().isoformat()
        context["report"] = job.report or {}
        return context

    def post(self, request, *args, **kwargs):
        job = self.get_job(kwargs["pk"])
        mapping = {c.name: request.POST.get(f"map_{c.name}", "") for c in columns_for(job.kind)}
        as_of = None
        if request.POST.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(request.POST["as_of"])
            except ValueError:
                messages.error(request, f"as of: {request.POST['as_of']!r} is not a date (YYYY-MM-DD).")
                return redirect(request.get_full_path())
        job = import_job_start(job=ImportJob.objects.get(pk=job.pk), mapping=mapping, as_of=as_of,
                               dry_run=request.POST.get("dry_run") == "on", actor=request.user)
        return redirect(reverse("hub:import_detail", kwargs={"tenant": self.access.tenant.slug, "pk": job.pk}))


class ImportProgressView(ImportDetailView):
    """The htmx fragment polled every second until the import has finished."""

    template_name = "hub/_import_progress.html"
    http_method_names = ["get"]


class ImportErrorsView(TenantView):
    """Every refused cell of an import as CSV (file, line, column, value, message)."""

    capability = "imports.run"

    def get(self, request, *args, **kwargs):
        job = ImportJob.objects.filter(pk=kwargs["pk"]).only("id", "file_name", "errors_csv").first()
        if job is None:
            raise Http404("No such import")
        response = HttpResponse(job.errors_csv or "file,line,column,value,message\n", content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response


class WebhookSecretView(TenantView):
    """Create (or replace) the tenant's webhook secret; the old one stops working at once."""

    capability = "imports.run"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from performance.imports.models import new_webhook_secret
        from spm.audit import audit_record

        hook = CrmWebhook.objects.first()
        if hook is None:
            hook = CrmWebhook.objects.create()
        else:
            hook.secret = new_webhook_secret()
            hook.save(update_fields=["secret"])
        audit_record(actor=request.user, action="webhook.secret", instance=hook, after={"created_at": hook.created_at})
        messages.success(request, "A new webhook secret was created; CRM pushes signed with the old one are refused.")
        return redirect(reverse("hub:imports", kwargs={"tenant": self.access.tenant.slug}))
