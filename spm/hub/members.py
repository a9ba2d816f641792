"""The members page (admin): add people by e-mail, change roles, remove them, link them to sellers.

Views parse, resolve ids through the tenant scope (another tenant's membership is a 404), call one
service of spm.services / planning.services and redirect with a message. The rules (never the last
admin, not yourself) live in the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from analytics import selectors
from planning.selectors import seller_list
from planning.services import seller_link_user
from spm.errors import DomainError
from spm.roles import Role
from spm.services import membership_invite, membership_remove, membership_role_change
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.forms import add_service_error
from spm.web.paging import paginate


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"placeholder": "name@company.com"}))
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.REP)
    seller = forms.CharField(
        label="Seller (optional)", required=False, max_length=64,
        help_text="So a rep or manager sees their own statements.", widget=forms.Select(),
    )

    def __init__(self, *args, seller_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seller"].widget.choices = [("", "No seller")] + list(seller_choices)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class MemberSellerForm(forms.Form):
    seller = forms.CharField(max_length=64)


def _members_url(access) -> str:
    return reverse("hub:members", kwargs={"tenant": access.tenant.slug})


def _seller_by_external_id(access, external_id: str):
    return seller_list(access=access).filter(external_id=external_id.strip()).first() if external_id.strip() else None


class MembersView(TenantTemplateView):
    capability = "members.manage"
    template_name = "hub/members.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(paginate(self.request, selectors.member_list(), per_page=100))
        user_ids = [m.user_id for m in context["object_list"]]
        linked: dict[int, list] = {}
        for seller in seller_list(access=self.access).filter(user_id__in=user_ids).order_by("name"):
            linked.setdefault(seller.user_id, []).append(seller)
        for m in context["object_list"]:
            m.linked_sellers = linked.get(m.user_id, [])
        context["roles"] = Role.choices
        context["seller_choices"] = choices = self._seller_choices()
        context["linking"] = self._member_to_link(context["object_list"])
        context.setdefault("add_form", MemberAddForm(seller_choices=choices))
        return context

    def _member_to_link(self, members):
        """The member chosen with ?link=<id> for the link-a-seller card (one picker per page, not per row)."""
        wanted = self.request.GET.get("link", "")
        if not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 18):  # "²", or past the DB integer
            return None
        return next((m for m in members if m.pk == int(wanted)), None) or selectors.member_list().filter(pk=wanted).first()

    def post(self, request, *args, **kwargs):
        form = MemberAddForm(request.POST, seller_choices=self._seller_choices())
        seller = None
        if form.is_valid() and form.cleaned_data["seller"]:
            seller = _seller_by_external_id(self.access, form.cleaned_data["seller"])
            if seller is None:
                form.add_error("seller", f"No seller with id {form.cleaned_data['seller']!r}.")
        if form.is_valid():
            try:
                membership = membership_invite(
                    email=form.cleaned_data["email"], role=form.cleaned_data["role"], actor=request.user,
                    domain=request.get_host(), use_https=request.is_secure(),
                )
                if seller is not None:
                    seller_link_user(seller=seller, user=membership.user, actor=request.user)
            except DomainError as exc:
                add_service_error(form, exc)
            else:
                invited = "" if membership.user.has_usable_password() else " They were e-mailed a link to choose a password."
                messages.success(request, f"Added {membership.user.email} as {membership.get_role_display()}.{invited}")
                return redirect(_members_url(self.access))
        return self.render_to_response(self.get_context_data(add_form=form, **kwargs))

    def _seller_choices(self) -> list[tuple[str, str]]:
        """Pickers offer the sellers nobody is linked to yet, by name (the id only tells namesakes apart)."""
        unlinked = seller_list(access=self.access).filter(user__isnull=True).order_by("name")
        return [(external_id, f"{name} · {external_id}") for external_id, name in unlinked.values_list("external_id", "name")]


class _MemberActionView(TenantView):
    """POST-only on one membership of this tenant (404 otherwise); one service call; back to the list."""

    capability = "members.manage"
    http_method_names = ["post"]

    def act(self, membership) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        membership = selectors.member_list().filter(pk=kwargs["pk"]).first()
        if membership is None:
            raise Http404("No such member")
        try:
            message = self.act(membership)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            if message:
                messages.success(request, message)
        return redirect(_members_url(self.access))


class MemberRoleView(_MemberActionView):
    def act(self, membership) -> str:
        form = MemberRoleForm(self.request.POST)
        if not form.is_valid():
            raise DomainError("Choose one of the roles.")
        before = membership.get_role_display()
        membership = membership_role_change(membership=membership, role=form.cleaned_data["role"], actor=self.request.user)
        if membership.get_role_display() == before:
            return f"{membership.user.email} already is {before}."
        return f"{membership.user.email} is now {membership.get_role_display()} (was {before})."


class MemberRemoveView(_MemberActionView):
    def act(self, membership) -> str:
        # A stray POST (a crawler, a double submit) must not remove anyone: the form sends confirm=yes.
        if self.request.POST.get("confirm") != "yes":
            raise DomainError("Confirm the removal with the Remove button of the member's row.")
        email = membership.user.email or str(membership.user)
        membership_remove(membership=membership, actor=self.request.user)
        return f"Removed {email} from {self.access.tenant.name}."


class MemberSellerView(_MemberActionView):
    """Link the member to a seller (by seller id), or unlink with unlink=<seller id>."""

    def act(self, membership) -> str:
        unlink = self.request.POST.get("unlink", "")
        form = MemberSellerForm({"seller": unlink or self.request.POST.get("seller", "")})
        if not form.is_valid():
            raise DomainError("Choose a seller.")
        seller = _seller_by_external_id(self.access, form.cleaned_data["seller"])
        if seller is None:
            raise DomainError(f"No seller with id {form.cleaned_data['seller']!r}.")
        if unlink:
            if seller.user_id != membership.user_id:
                raise DomainError(f"{seller.name} is not linked to {membership.user.email}.")
            seller_link_user(seller=seller, user=None, actor=self.request.user)
            return f"{seller.name} is no longer linked to {membership.user.email}."
        if seller.user_id and seller.user_id != membership.user_id:
            raise DomainError(f"{seller.name} is already linked to another member; unlink them first.")
        seller_link_user(seller=seller, user=membership.user, actor=self.request.user)
        return f"{membership.user.email} now sees {seller.name}'s statements as their own."
