"""Sign-in, password reset (Django's auth views), home and the tenant switcher."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/<slug:slug>/", views.switch_tenant, name="switch_tenant"),
    path("accounts/", include("django.contrib.auth.urls")),
]
