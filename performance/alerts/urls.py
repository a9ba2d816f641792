from django.urls import path

from performance.alerts import views

urlpatterns = [
    path("alerts/", views.AlertListView.as_view(), name="alerts"),
    path("alerts/refresh/", views.AlertRefreshView.as_view(), name="alerts_refresh"),
    path("alerts/<int:pk>/dismiss/", views.AlertDismissView.as_view(), name="alert_dismiss"),
]
