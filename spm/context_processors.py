"""Navigation for the current role: which links each role sees, grouped Plan / Perform / Pay."""

from __future__ import annotations

from django.urls import reverse

from spm.web.memberships import user_memberships

# (group, [(label, url name, capability or None for every member)])
NAVIGATION: list[tuple[str, list[tuple[str, str, str | None]]]] = [
    ("", [("Dashboard", "analytics:dashboard", None)]),
    ("Plan", [
        ("Sellers", "planning:sellers", None),
        ("Quotas", "planning:quotas", None),
        ("Capacity", "planning:capacity", "planning.view"),
        ("Territories", "planning:territory_plans", "planning.view"),
        ("Comp plans", "compensation:plans", "planning.view"),
    ]),
    ("Perform", [
        ("Deals", "performance:deals", None),
        ("Pipeline", "performance:pipeline", None),
        ("Scorecards", "performance:scorecards", None),
        ("Forecast", "performance:forecast", "forecast.view"),
        ("Alerts", "performance:alerts", "alerts.view"),
        ("Coaching", "performance:coaching", "coaching.view"),
        ("Imports", "hub:imports", "imports.run"),
    ]),
    ("Pay", [
        ("Statements", "compensation:statements", "statements.view"),
        ("Approvals", "compensation:approvals", "statements.approve"),
        ("Calculation runs", "compensation:runs", "statements.view_all"),
        ("Disputes", "compensation:disputes", "statements.view"),
        ("Estimator", "compensation:estimate", "statements.view"),
        ("Payroll", "compensation:payroll", "payroll.export"),
        ("Holds", "compensation:holds", "payroll.export"),
        ("Approval route", "compensation:approval_route", "approvals.configure"),
        ("Payout liability", "compensation:liability", "liability.view"),
        ("Commission accounting", "compensation:accounting", "accounting.view"),
        ("Plan acceptance", "compensation:plan_acceptance", "plans.edit"),
    ]),
    ("Analytics", [
        ("Audit trail", "analytics:audit", "audit.view"),
        ("Members", "hub:members", "members.manage"),
        ("Data export", "tenancy:data_export", "tenant.export"),
        ("Single sign-on", "sso_admin:settings", "sso.configure"),
    ]),
]


def nav_for(access, path: str = "") -> list[dict]:
    groups = []
    slug = access.tenant.slug
    for group, links in NAVIGATION:
        items = []
        for label, name, capability in links:
            if capability and not access.can(capability):
                continue
            url = reverse(name, kwargs={"tenant": slug})
            active = path == url if name == "analytics:dashboard" else path.startswith(url)
            items.append({"label": label, "url": url, "active": active})
        if items:
            groups.append({"label": group, "items": items})
    return groups


def navigation(request):
    access = getattr(request, "access", None)
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    context = {"memberships": user_memberships(request)}
    if access is not None:
        context["nav"] = nav_for(access, request.path)
        context["current_tenant"] = access.tenant
        context["current_role"] = access.membership.get_role_display()
        context["can_view_statements"] = access.can("statements.view")
    return context
