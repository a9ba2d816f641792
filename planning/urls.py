from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("sellers/", views.SellerListView.as_view(), name="sellers"),
    path("quotas/", views.QuotaListView.as_view(), name="quotas"),
]
