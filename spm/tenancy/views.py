"""The one base for tenant pages: URL tenant → membership (else 404) → scope → render inside it."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.views.generic import TemplateView, View

from spm.errors import DomainError
from spm.selectors import user_membership_list
from spm.web.errors import service_error_response

from .access import TenantAccess, tenant_for_slug
from .db import tenant_atomic


class TenantViewMixin(LoginRequiredMixin):
    """Pages under /t/<tenant>/. Subclasses set `capability` and use `self.access`.

    The whole view, including template rendering, runs inside one transaction with the tenant set
    for RLS, so lazy querysets evaluated by the template are scoped too. Someone who is not a
    member gets the same 404 as for a tenant that does not exist.
    """

    capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        tenant = tenant_for_slug(kwargs.get("tenant"))
        if tenant is None:
            raise Http404("No such workspace")
        try:
            return self._dispatch_in_scope(request, tenant_obj=tenant, args=args, kwargs=kwargs)
        except (DomainError, ValidationError) as exc:
            # The transaction has rolled back (we are outside tenant_atomic): nothing half-written.
            return service_error_response(request, exc)

    def _dispatch_in_scope(self, request, *, tenant_obj, args, kwargs):
        tenant = tenant_obj
        with tenant_atomic(tenant, user_id=request.user.pk):
            # One read for the membership and the workspace switcher: the user's memberships in every
            # tenant (the membership policy shows a user their own rows: app.user_id is set), this
            # tenant's picked by id. The same rows the switcher read on its own before.
            memberships = request._memberships = user_membership_list(user=request.user, in_tenant_transaction=True)
            membership = next((m for m in memberships if m.tenant_id == tenant.pk), None)
            if membership is None:
                raise Http404("No such workspace")
            self.access = request.access = TenantAccess(tenant=tenant, membership=membership)
            request.tenant = tenant
            if self.capability and not self.access.can(self.capability):
                raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot open this page.")
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["access"] = self.access
        context["tenant"] = self.access.tenant
        return context


class TenantTemplateView(TenantViewMixin, TemplateView):
    pass


class TenantView(TenantViewMixin, View):
    pass
