"""Kernel API routes under /api/v1/: me, token login, and the tenant audit trail."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from spm.api import views
from spm.sso.api import SsoProviderView

tenant_router = SimpleRouter()
tenant_router.register("audit-events", views.AuditEventViewSet, basename="api-audit-event")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("auth/token/", views.TokenObtainView.as_view(), name="api-token"),
    path("t/<slug:tenant>/export/", views.TenantExportView.as_view(), name="api-tenant-export"),
    path("t/<slug:tenant>/sso/", SsoProviderView.as_view(), name="api-tenant-sso"),
    path("t/<slug:tenant>/", include(tenant_router.urls)),
]
