"""The tenant data export page (admins): what the zip holds, and the download."""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.utils import timezone

from .lifecycle import export_tables, tenant_export
from .views import TenantTemplateView, TenantView

SPOOL_BYTES = 32 * 1024 * 1024  # in memory up to 32 MB, then a temporary file


def export_filename(tenant) -> str:
    return f"{tenant.slug}-export-{timezone.now():%Y%m%d-%H%M%S}.zip"


def export_response(tenant) -> FileResponse:
    """The zip as a download (built into a spooled temporary file, then streamed)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    tenant_export(tenant=tenant, out=spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=export_filename(tenant), content_type="application/zip")


class DataExportView(TenantTemplateView):
    template_name = "spm/data_export.html"
    capability = "tenant.export"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # No row counts here (a COUNT per table is seconds on a big tenant): manifest.json has them.
        context["tables"] = [
            {"file": f"{m._meta.db_table}.csv", "label": m._meta.verbose_name_plural.capitalize()}
            for m in export_tables()
        ]
        return context


class DataExportDownloadView(TenantView):
    capability = "tenant.export"

    def get(self, request, *args, **kwargs):
        return export_response(self.access.tenant)
