from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("sellers/<int:pk>/", views.SellerDetailView.as_view(), name="seller_detail"),
    path("audit/", views.AuditView.as_view(), name="audit"),
]
