"""A tenant's OpenID Connect identity provider, and the domain directory that finds it."""

from __future__ import annotations

from django.db import models

from spm.roles import Role
from spm.tenancy.models import TenantModel


class SsoProvider(TenantModel):
    """One OpenID Connect provider per tenant. The secret is write-only outside this row: never
    audited, logged, shown back in full or exported (see `export_masked_fields`)."""

    enabled = models.BooleanField(default=False)
    issuer = models.URLField(max_length=300, help_text="e.g. https://login.example.com/realms/acme")
    client_id = models.CharField(max_length=200)
    client_secret = models.CharField(max_length=500)
    # Lower-case e-mail domains whose people may sign in here, e.g. ["acme.com"].
    allowed_domains = models.JSONField(default=list, blank=True)
    role_claim = models.CharField(max_length=100, default="groups",
                                  help_text="ID-token claim holding the user's groups or roles")
    # [[claim value, role], ...] in priority order: the first value the user has decides the role.
    role_mapping = models.JSONField(default=list, blank=True)
    # Role of a user none of whose claim values is mapped; blank = such users are refused.
    default_role = models.CharField(max_length=20, choices=Role.choices, blank=True, default=Role.REP)
    create_members = models.BooleanField(default=False, help_text="Create members on their first sign-in")
    updated_at = models.DateTimeField(auto_now=True)

    # Columns the tenant export writes masked (spm.tenancy.lifecycle): a credential of the
    # customer's identity provider has no place in a zip that is downloaded and passed around.
    export_masked_fields = ("client_secret",)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="sso_provider_one_per_tenant")]

    def __str__(self) -> str:
        return f"SSO {self.issuer}"

    @property
    def secret_hint(self) -> str:
        """What may be shown of the secret: that it is set, and its last 4 characters."""
        if not self.client_secret:
            return ""
        return "••••••••" + (self.client_secret[-4:] if len(self.client_secret) >= 12 else "")


class SsoDomain(models.Model):
    """Public directory: e-mail domain → workspace with SSO enabled, for "Sign in with SSO".

    Not tenant-owned on purpose: an anonymous visitor typing their e-mail must find the workspace
    before any tenant is in scope, and this is what every such visitor is told anyway (where to
    sign in). Rewritten by `sso_provider_save` from the provider's allowed domains; deleted with
    the tenant (tenant_delete removes every table with a foreign key to it).
    """

    domain = models.CharField(max_length=253)
    tenant = models.ForeignKey("spm.Tenant", on_delete=models.CASCADE, related_name="sso_domains")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["domain", "tenant"], name="sso_domain_unique")]

    def __str__(self) -> str:
        return self.domain
