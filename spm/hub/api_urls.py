"""Hub API under /api/v1/t/<tenant>/: bulk imports and the signed CRM webhook."""

from django.urls import path

from spm.hub import api

urlpatterns = [
    path("imports/webhook/", api.crm_webhook, name="hub_crm_webhook"),
    path("imports/<str:kind>/", api.BulkImportView.as_view(), name="hub_bulk_import"),
]
