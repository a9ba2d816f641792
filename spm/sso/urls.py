"""SSO routes: the admin page under /t/<tenant>/settings/sso/ and the public flow under /sso/."""

from django.urls import path

from . import views

# Included at t/<slug:tenant>/settings/sso/ with the namespace "sso_admin".
settings_patterns = [
    path("", views.SsoSettingsView.as_view(), name="settings"),
]

# Included at sso/ with the namespace "sso". `slug`, not `tenant`: nobody is signed in here yet.
public_patterns = [
    path("", views.sso_start, name="start"),
    path("<slug:slug>/login/", views.sso_login, name="login"),
    path("<slug:slug>/callback/", views.sso_callback, name="callback"),
]
