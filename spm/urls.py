"""URLs: pages under /t/<tenant>/, API under /api/v1/t/<tenant>/, each app owning its own."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from spm.sso import urls as sso_urls

urlpatterns = [
    path("", include("spm.web.urls")),
    path("t/<slug:tenant>/", include("planning.urls")),
    path("t/<slug:tenant>/", include("performance.urls")),
    path("t/<slug:tenant>/", include("compensation.urls")),
    path("t/<slug:tenant>/", include("analytics.urls")),
    path("t/<slug:tenant>/", include("spm.hub.urls")),
    path("t/<slug:tenant>/", include("spm.tenancy.urls")),
    path("t/<slug:tenant>/settings/sso/", include((sso_urls.settings_patterns, "sso_admin"))),
    path("sso/", include((sso_urls.public_patterns, "sso"))),
    path("api/v1/", include("spm.api.urls")),
    path("api/v1/t/<slug:tenant>/", include("planning.api.urls")),
    path("api/v1/t/<slug:tenant>/", include("performance.api.urls")),
    path("api/v1/t/<slug:tenant>/", include("compensation.api.urls")),
    path("api/v1/t/<slug:tenant>/", include("spm.hub.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's bootstrap as a script file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

# JSON errors under /api/ for paths no API view matched; the HTML pages elsewhere.
handler404 = "spm.api.exceptions.page_not_found"
handler500 = "spm.api.exceptions.server_error"
