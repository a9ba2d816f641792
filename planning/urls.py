from django.urls import include, path

from planning.territories.urls import urlpatterns as territory_urls

from . import views

app_name = "planning"

urlpatterns = [
    path("sellers/", views.SellerListView.as_view(), name="sellers"),
    path("quotas/", views.QuotaListView.as_view(), name="quotas"),
    path("territories/", include(territory_urls)),
]
