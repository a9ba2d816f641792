from django.urls import path

from . import pages

app_name = "tenancy"

urlpatterns = [
    path("settings/data-export/", pages.DataExportView.as_view(), name="data_export"),
    path("settings/data-export/download/", pages.DataExportDownloadView.as_view(), name="data_export_download"),
]
