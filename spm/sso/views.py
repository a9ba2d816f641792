"""SSO pages: the admin settings page, and the sign-in flow (find the workspace → provider → back).

The flow views sit outside the tenant base on purpose: nobody is signed in yet. Each enters the
tenant's scope itself to read its provider, and every failure — unknown workspace, SSO off,
provider down, state or token refused, user refused — is an error page naming what went wrong
(`SsoError`), with nobody signed in.
"""

from __future__ import annotations

import logging
import time

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from spm.errors import DomainError
from spm.tenancy.access import tenant_for_slug
from spm.tenancy.db import tenant_atomic
from spm.tenancy.views import TenantTemplateView
from spm.web.forms import add_service_error

from . import oidc
from .forms import SsoProviderForm, SsoStartForm
from .oidc import SsoError
from .selectors import sso_provider_get, sso_workspaces_for_domain
from .services import sso_provider_save, sso_sign_in

logger = logging.getLogger(__name__)
PENDING_KEY = "sso_pending"  # session: {state: {tenant, nonce, code_verifier, at}}
PENDING_MAX_AGE = 600  # seconds from leaving for the provider to coming back
PENDING_MAX = 5  # sign-ins started in other tabs that are kept at once


def callback_uri(request, slug: str) -> str:
    """The redirect URI to register at the provider (absolute)."""
    return request.build_absolute_uri(reverse("sso:callback", kwargs={"slug": slug}))


# --- admin settings ---------------------------------------------------------------------------------


class SsoSettingsView(TenantTemplateView):
    template_name = "sso/settings.html"
    capability = "sso.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        provider = sso_provider_get()
        context["provider"] = provider
        context.setdefault("form", SsoProviderForm(initial=SsoProviderForm.initial_for(provider)))
        context["redirect_uri"] = callback_uri(self.request, self.access.tenant.slug)
        return context

    def post(self, request, *args, **kwargs):
        form = SsoProviderForm(request.POST)
        if form.is_valid():
            try:
                sso_provider_save(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Single sign-on settings saved.")
                return redirect(reverse("sso_admin:settings", kwargs={"tenant": self.access.tenant.slug}))
        return self.render_to_response(self.get_context_data(form=form, **kwargs))


# --- the sign-in flow -------------------------------------------------------------------------------


def _error(request, exc: SsoError, *, slug: str | None = None) -> HttpResponse:
    logger.warning("sso sign-in refused", extra={"tenant": slug, "reason": exc.code})
    return render(request, "sso/error.html", {"message": exc.message, "code": exc.code}, status=exc.status)


def _enabled_provider(slug: str):
    """(tenant, provider) of a workspace whose SSO is on; SsoError 404 otherwise (one message for an
    unknown workspace and one with SSO off, so the page does not tell which workspaces exist)."""
    tenant = tenant_for_slug(slug)
    provider = None
    if tenant is not None:
        with tenant_atomic(tenant):
            provider = sso_provider_get()
    if provider is None or not provider.enabled:
        raise SsoError(f"There is no workspace “{slug}” with single sign-on turned on. Check the name, or sign in "
                       "with your e-mail and password.", code="sso_unavailable", status=404)
    return tenant, provider


def _workspace_slug(text: str) -> str:
    """The workspace a person named: by slug, or by their e-mail (domain) through the directory."""
    text = text.strip().lower()
    if "@" not in text and "." not in text:
        _enabled_provider(text)
        return text
    domain = text.rsplit("@", 1)[-1]
    workspaces = sso_workspaces_for_domain(domain)
    if len(workspaces) == 1:
        return workspaces[0].slug
    if workspaces:
        raise SsoError(f"Several workspaces sign in {domain} addresses by SSO: enter your workspace's name instead.",
                       code="ambiguous_domain")
    raise SsoError(f"No workspace signs in {domain} addresses by SSO: enter your workspace's name, or sign in with "
                   "your e-mail and password.", code="unknown_domain", status=404)


@require_http_methods(["GET", "POST"])
def sso_start(request):
    """ "Sign in with SSO": the workspace name or a work e-mail → a page that continues to the provider.

    Not a redirect: the CSP's form-action 'self' would stop a form submission that ends at another
    origin, so the next hop is a link (and a meta refresh) to /sso/<slug>/login/.
    """
    form = SsoStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            slug = _workspace_slug(form.cleaned_data["workspace"])
        except SsoError as exc:
            form.add_error("workspace", exc.message)
        else:
            url = reverse("sso:login", kwargs={"slug": slug})
            return render(request, "sso/continue.html", {"url": url})
    return render(request, "sso/start.html", {"form": form}, status=400 if form.errors else 200)


def _pending_store(request) -> dict:
    now = time.time()
    store = {s: p for s, p in request.session.get(PENDING_KEY, {}).items() if now - p["at"] < PENDING_MAX_AGE}
    return dict(sorted(store.items(), key=lambda item: item[1]["at"])[-PENDING_MAX:])


@require_GET
def sso_login(request, slug: str):
    """Send the browser to the workspace's provider, with state, nonce and the PKCE challenge."""
    try:
        _tenant, provider = _enabled_provider(slug)
        metadata = oidc.discover(provider.issuer)
        url, pending = oidc.authorization_request(metadata=metadata, client_id=provider.client_id,
                                                  redirect_uri=callback_uri(request, slug))
    except SsoError as exc:
        return _error(request, exc, slug=slug)
    store = _pending_store(request)
    store[pending["state"]] = {"tenant": slug, "nonce": pending["nonce"], "code_verifier": pending["code_verifier"],
                               "at": time.time()}
    request.session[PENDING_KEY] = store
    return HttpResponseRedirect(url)


def _take_pending(request, slug: str) -> dict:
    """The sign-in this callback answers, removed from the session (a state is good once)."""
    store = _pending_store(request)
    pending = store.pop(request.GET.get("state", ""), None)
    request.session[PENDING_KEY] = store
    if pending is None or pending["tenant"] != slug:
        raise SsoError("This sign-in was not started in this browser, was already used or has expired (state "
                       "mismatch). Start the sign-in again.", code="state_mismatch")
    return pending


@require_GET
def sso_callback(request, slug: str):
    """Back from the provider: exchange the code, validate the ID token, map the user, sign them in."""
    try:
        pending = _take_pending(request, slug)
        if request.GET.get("error"):
            reason = request.GET.get("error_description") or request.GET["error"]
            raise SsoError(f"Your identity provider did not sign you in: {reason[:200]}", code="provider_refused")
        code = request.GET.get("code")
        if not code:
            raise SsoError("Your identity provider sent no sign-in code. Start the sign-in again.", code="no_code")
        tenant, provider = _enabled_provider(slug)
        metadata = oidc.discover(provider.issuer)
        redirect_uri = callback_uri(request, slug)
        id_token = oidc.exchange_code(metadata=metadata, client_id=provider.client_id,
                                      client_secret=provider.client_secret, redirect_uri=redirect_uri, code=code,
                                      code_verifier=pending["code_verifier"])
        claims = oidc.validate_id_token(id_token=id_token, metadata=metadata, client_id=provider.client_id,
                                        nonce=pending["nonce"])
        with tenant_atomic(tenant):
            user = sso_sign_in(provider=provider, claims=claims)
    except SsoError as exc:
        return _error(request, exc, slug=slug)
    except DomainError as exc:  # a user or membership that does not validate: nothing was written
        return _error(request, SsoError(exc.message, code=exc.code), slug=slug)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["last_tenant"] = slug
    logger.info("sso sign-in", extra={"tenant": slug, "user_id": user.pk})
    return redirect("home")
