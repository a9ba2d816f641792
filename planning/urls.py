from django.urls import include, path

from planning.capacity import views as capacity_views
from planning.quotas import views as quota_views
from planning.territories.urls import urlpatterns as territory_urls

from . import views

app_name = "planning"

urlpatterns = [
    path("sellers/", views.SellerListView.as_view(), name="sellers"),
    path("quotas/", quota_views.QuotaGridView.as_view(), name="quotas"),
    path("quotas/export/", quota_views.QuotaExportView.as_view(), name="quotas_export"),
    path("quota-sets/<int:pk>/", quota_views.QuotaSetDetailView.as_view(), name="quota_set_detail"),
    path("quota-sets/<int:pk>/publish/", quota_views.QuotaSetPublishView.as_view(), name="quota_set_publish"),
    path("capacity/", capacity_views.ScenarioListView.as_view(), name="capacity"),
    path("capacity/new/", capacity_views.ScenarioFormView.as_view(), name="capacity_new"),
    path("capacity/compare/", capacity_views.ScenarioCompareView.as_view(), name="capacity_compare"),
    path("capacity/<int:pk>/", capacity_views.ScenarioDetailView.as_view(), name="capacity_detail"),
    path("capacity/<int:pk>/edit/", capacity_views.ScenarioFormView.as_view(), name="capacity_edit"),
    path("capacity/<int:pk>/copy/", capacity_views.ScenarioCopyView.as_view(), name="capacity_copy"),
    path("capacity/<int:pk>/publish/", capacity_views.ScenarioPublishView.as_view(), name="capacity_publish"),
    path("capacity/<int:pk>/export/", capacity_views.ScenarioExportView.as_view(), name="capacity_export"),
    path("territories/", include(territory_urls)),
]
