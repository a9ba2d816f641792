"""The SSO settings form and the "Sign in with SSO" form."""

from __future__ import annotations

import re

from django import forms

from spm.roles import Role

from .models import SsoProvider


def parse_mapping(text: str) -> list[tuple[str, str]]:
    """Lines "claim value = role" (role by value or label, any case) → [(value, role)], in order."""
    by_name = {r.value: r.value for r in Role} | {r.label.lower(): r.value for r in Role}
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, sep, role = line.rpartition("=")
        if not sep or not value.strip():
            raise forms.ValidationError(f"Line {number}: write “claim value = role”, e.g. “sales-managers = manager”.")
        role_value = by_name.get(role.strip().lower())
        if role_value is None:
            raise forms.ValidationError(f"Line {number}: {role.strip()!r} is not a role ({', '.join(Role.values)}).")
        out.append((value.strip(), role_value))
    return out


def format_mapping(mapping: list) -> str:
    return "\n".join(f"{value} = {role}" for value, role in mapping)


class SsoProviderForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Single sign-on is on")
    issuer = forms.CharField(max_length=300, label="Issuer URL",
                             help_text="Discovery is read from <issuer>/.well-known/openid-configuration.")
    client_id = forms.CharField(max_length=200, label="Client ID")
    client_secret = forms.CharField(
        max_length=500, required=False, label="Client secret", strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Never shown again. Leave blank to keep the current secret.",
    )
    allowed_domains = forms.CharField(
        required=False, label="Allowed e-mail domains", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line (or comma-separated), e.g. acme.com. Nobody else may sign in by SSO.",
    )
    role_claim = forms.CharField(max_length=100, initial="groups", label="Groups claim",
                                 help_text="The ID-token claim that lists the user's groups or roles.")
    role_mapping = forms.CharField(
        required=False, label="Groups → roles", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One “claim value = role” per line; the first line whose value the user has decides the role.",
    )
    default_role = forms.ChoiceField(
        required=False, label="Role when no group matches",
        choices=[("", "None: refuse the sign-in"), *Role.choices],
        help_text="For new members only; existing members keep their role when no group matches.",
    )
    create_members = forms.BooleanField(required=False, label="Create members on their first sign-in")

    @classmethod
    def initial_for(cls, provider: SsoProvider | None) -> dict:
        if provider is None:
            return {"role_claim": "groups", "default_role": Role.REP}
        return {
            "enabled": provider.enabled, "issuer": provider.issuer, "client_id": provider.client_id,
            "allowed_domains": "\n".join(provider.allowed_domains), "role_claim": provider.role_claim,
            "role_mapping": format_mapping(provider.role_mapping), "default_role": provider.default_role,
            "create_members": provider.create_members,
        }

    def clean_allowed_domains(self) -> list[str]:
        return [d for d in re.split(r"[\s,;]+", self.cleaned_data["allowed_domains"]) if d]

    def clean_role_mapping(self) -> list[tuple[str, str]]:
        return parse_mapping(self.cleaned_data["role_mapping"])


class SsoStartForm(forms.Form):
    workspace = forms.CharField(max_length=254, label="Workspace or work e-mail",
                                widget=forms.TextInput(attrs={"placeholder": "acme  or  you@acme.com",
                                                              "autocomplete": "email"}))
