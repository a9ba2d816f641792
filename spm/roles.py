"""The six roles and what each may do. Capabilities are checked here and nowhere else."""

from django.db import models


class Role(models.TextChoices):
    REP = "rep", "Rep"
    MANAGER = "manager", "Manager"
    REVOPS = "revops", "RevOps"
    FINANCE = "finance", "Finance"
    EXECUTIVE = "executive", "Executive"
    ADMIN = "admin", "Admin"


# Roles that see every seller of the tenant (the others see their own subtree).
TENANT_WIDE_ROLES = frozenset({Role.REVOPS, Role.FINANCE, Role.EXECUTIVE, Role.ADMIN})

CAPABILITIES: dict[str, frozenset[str]] = {
    # Statement pages: executives read analytics (aggregates), never one person's pay.
    "statements.view": frozenset({Role.REP, Role.MANAGER, Role.REVOPS, Role.FINANCE, Role.ADMIN}),
    "statements.view_all": frozenset({Role.REVOPS, Role.FINANCE, Role.ADMIN}),
    "statements.publish": frozenset({Role.FINANCE, Role.ADMIN}),
    "statements.approve": frozenset({Role.FINANCE, Role.ADMIN}),
    "statements.adjust": frozenset({Role.FINANCE, Role.REVOPS, Role.ADMIN}),
    "calculation.run": frozenset({Role.REVOPS, Role.ADMIN}),
    "plans.edit": frozenset({Role.REVOPS, Role.ADMIN}),
    "quotas.edit": frozenset({Role.REVOPS, Role.ADMIN}),
    "capacity.edit": frozenset({Role.REVOPS, Role.ADMIN}),
    "territories.edit": frozenset({Role.REVOPS, Role.ADMIN}),
    "deals.edit": frozenset({Role.REVOPS, Role.ADMIN}),
    "imports.run": frozenset({Role.REVOPS, Role.ADMIN}),  # CRM data in: files, bulk API, webhook secret
    "audit.view": frozenset({Role.FINANCE, Role.ADMIN}),
    "members.manage": frozenset({Role.ADMIN}),
    "tenant.export": frozenset({Role.ADMIN}),  # the whole tenant's data as a zip of CSVs
    "sso.configure": frozenset({Role.ADMIN}),  # the tenant's OpenID Connect provider (who may sign in, as what)
    "analytics.view": frozenset({Role.MANAGER, Role.REVOPS, Role.FINANCE, Role.EXECUTIVE, Role.ADMIN}),
    "planning.view": frozenset({Role.MANAGER, Role.REVOPS, Role.FINANCE, Role.EXECUTIVE, Role.ADMIN}),
    # Forecasting (issue 10): reps submit their own call, managers roll up and override their
    # subtree, RevOps/admin train the win model; executives and finance read.
    "forecast.view": frozenset({Role.REP, Role.MANAGER, Role.REVOPS, Role.FINANCE, Role.EXECUTIVE, Role.ADMIN}),
    "forecast.submit": frozenset({Role.REP, Role.MANAGER, Role.REVOPS, Role.ADMIN}),
    "forecast.override": frozenset({Role.MANAGER, Role.REVOPS, Role.ADMIN}),
    "forecast.train": frozenset({Role.REVOPS, Role.ADMIN}),
    "forecast.configure": frozenset({Role.REVOPS, Role.ADMIN}),  # stage probabilities of the weighted pipeline
    # Risk alerts: owners and their managers act on them; RevOps/admin refresh them by hand.
    "alerts.view": frozenset({Role.REP, Role.MANAGER, Role.REVOPS, Role.EXECUTIVE, Role.ADMIN}),
    "alerts.refresh": frozenset({Role.REVOPS, Role.ADMIN}),
    # Coaching: visible to the rep and the managers above them (not peers), and tenant-wide to
    # RevOps, executives and admins; managers and RevOps/admin write notes and follow-ups.
    "coaching.view": frozenset({Role.REP, Role.MANAGER, Role.REVOPS, Role.EXECUTIVE, Role.ADMIN}),
    "coaching.write": frozenset({Role.MANAGER, Role.REVOPS, Role.ADMIN}),
    # Activities (meetings, calls, e-mails): a rep logs their own, managers their subtree's.
    "activities.log": frozenset({Role.REP, Role.MANAGER, Role.REVOPS, Role.ADMIN}),
    # Pay in full (compensation.disputes / payroll / accounting)
    "disputes.resolve": frozenset({Role.FINANCE, Role.ADMIN}),
    "payroll.export": frozenset({Role.FINANCE, Role.ADMIN}),
    "accounting.view": frozenset({Role.FINANCE, Role.ADMIN}),
    "liability.view": frozenset({Role.FINANCE, Role.EXECUTIVE, Role.ADMIN}),
    "periods.close": frozenset({Role.FINANCE, Role.ADMIN}),
    "approvals.configure": frozenset({Role.FINANCE, Role.ADMIN}),
}


def has_capability(role: str | None, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    return role in CAPABILITIES[capability]
