"""The one base for tenant API views under /api/v1/t/<tenant>/ (cannot be bypassed by subclasses).

Subclasses implement `scope_queryset()` (the selector call); `get_queryset` is final here. The
request runs in one transaction with the tenant set for RLS; any error response rolls it back.
"""

from __future__ import annotations

from django.db import transaction
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, PermissionDenied

from spm.tenancy.access import TenantAccess, membership_in_scope, tenant_for_slug
from spm.tenancy.db import tenant_atomic


class TenantAPIMixin:
    # action name -> capability required (actions not listed need only membership)
    action_capabilities: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs):
        # `get_queryset` is final: a subclass overriding it could return rows the tenant scope and
        # the viewer's visibility never saw. Refused when the class is created, not in review.
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} overrides get_queryset; implement scope_queryset() instead")

    def dispatch(self, request, *args, **kwargs):
        tenant = tenant_for_slug(kwargs.get("tenant"))
        if tenant is None:
            return super().dispatch(request, *args, **kwargs)  # initial() answers 404
        with tenant_atomic(tenant):
            response = super().dispatch(request, *args, **kwargs)
            # Render inside the scope: a renderer (the browsable API, CSV) may still query.
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        tenant = tenant_for_slug(kwargs.get("tenant"))
        membership = membership_in_scope(request.user) if tenant else None
        if membership is None:
            raise NotFound("No such workspace.")
        self.access = request.access = TenantAccess(tenant=tenant, membership=membership)
        capability = self.action_capabilities.get(getattr(self, "action", None) or request.method.lower())
        if capability and not self.access.can(capability):
            raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this.")

    def scope_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return self.scope_queryset()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["access"] = getattr(self, "access", None)
        return context


class TenantReadOnlyViewSet(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
    pass


class TenantGenericViewSet(TenantAPIMixin, viewsets.GenericViewSet):
    pass
