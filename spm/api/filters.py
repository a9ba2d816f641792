"""The project's filter backend: django-filter, with numbers bounded to what the database holds.

A query such as ``?territory=-5.9e57`` is a valid decimal, but no 64-bit id: unbounded it reaches
the database and fails there (SQLite OverflowError, PostgreSQL "bigint out of range") as a 500.
Every NumberFilter on an integer column is bounded to the signed 64-bit range here, so such a
value is a 400 naming the parameter, for every filterset of every app without each declaring it.
"""

from __future__ import annotations

import django_filters
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def _is_integer_column(filterset, name: str, filter_) -> bool:
    model = filterset._meta.model
    if model is None:
        return name.endswith("_id") or filter_.field_name.endswith("_id")
    try:
        field = model._meta.get_field(filter_.field_name.split("__")[0])
    except Exception:  # noqa: BLE001 - an annotation or a method filter: bound it anyway
        return True
    target = field.target_field if getattr(field, "is_relation", False) and field.target_field else field
    return isinstance(target, models.IntegerField | models.AutoField)


class BoundedFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        for name, filter_ in filterset.filters.items():
            if isinstance(filter_, django_filters.NumberFilter) and _is_integer_column(filterset, name, filter_):
                filter_.extra.setdefault("min_value", BIGINT_MIN)
                filter_.extra.setdefault("max_value", BIGINT_MAX)
        return filterset
