"""Pages outside a tenant: home (tenant chooser) and the tenant switcher."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from .memberships import user_memberships


def _tenant_home(slug: str) -> str:
    return reverse("analytics:dashboard", kwargs={"tenant": slug})


@login_required
def home(request):
    """One workspace: go there. Several: the last one used, else a chooser. None: say so."""
    memberships = user_memberships(request)
    slugs = {m.tenant.slug for m in memberships}
    last = request.session.get("last_tenant")
    if last in slugs:
        return redirect(_tenant_home(last))
    if len(memberships) == 1:
        return redirect(_tenant_home(memberships[0].tenant.slug))
    return render(request, "web/choose_tenant.html", {"memberships": memberships})


@login_required
def switch_tenant(request, slug: str):
    """Remember the choice (only for a workspace the user belongs to) and open it."""
    if slug in {m.tenant.slug for m in user_memberships(request)}:
        request.session["last_tenant"] = slug
        return redirect(_tenant_home(slug))
    return redirect("home")
