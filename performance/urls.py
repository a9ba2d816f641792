from django.urls import include, path

from . import views

app_name = "performance"

urlpatterns = [
    path("deals/", views.DealListView.as_view(), name="deals"),
    path("deals/<int:pk>/", views.DealDetailView.as_view(), name="deal_detail"),
    path("", include("performance.pipeline.urls")),
    path("", include("performance.scorecards.urls")),
    path("", include("performance.forecasting.urls")),
    path("", include("performance.alerts.urls")),
    path("", include("performance.coaching.urls")),
]
