"""The scoped id field every pillar uses for ids in request bodies.

Ids sent by a client are resolved through a queryset built from the request's tenant and the
viewer's visibility, so an id of another tenant, or of an object the viewer may not see, is "does
not exist" — never a leak.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework import serializers

from spm.tenancy.access import TenantAccess


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key resolved through `scope(access)`, the viewer's queryset for this request.

    `model` is only declared so the OpenAPI schema knows the id type; its manager is never
    evaluated. Without a tenant access in the serializer context the field resolves nothing
    (fail closed).
    """

    def __init__(self, *, model, scope: Callable[[TenantAccess], QuerySet], **kwargs):
        self.scope = scope
        kwargs.setdefault("queryset", model.all_tenants)  # for schema introspection only
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        access = self.context.get("access")
        if access is None:
            return self.queryset.none()
        return self.scope(access)
