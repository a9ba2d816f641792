"""The project's filter backend: django-filter, with numbers bounded to what the database holds.

A query such as ``?territory=-5.9e57`` is a valid decimal, but no 64-bit id: unbounded it reaches
the database and fails there (SQLite OverflowError, PostgreSQL "bigint out of range") as a 500.
Every NumberFilter on an integer column is bounded to the signed 64-bit range here, so such a
value is a 400 naming the parameter, for every filterset of every app without each declaring it.
Likewise date-time filters: ``?since=0357-12-17T14:09:35-20:56`` parses, but PostgreSQL refuses a
UTC offset beyond ±15:59 (DataError, a 500); values are converted to UTC here, and one that cannot
be (out of range) is a 400.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def id_query_param(request, name: str) -> int | None:
    """``?name=<id>`` as an int, or None when absent, not a plain number or beyond a 64-bit id
    (unbounded, ``?plan=99999999999999999999`` would reach PostgreSQL as "bigint out of range")."""
    value = request.query_params.get(name)
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= BIGINT_MAX else None


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


class _InUTC:
    """Mixin for a form DateTimeField: the cleaned value in UTC, or a 400 when out of range."""

    def clean(self, value):
        cleaned = super().clean(value)
        if isinstance(cleaned, dt.datetime) and cleaned.tzinfo is not None:
            try:
                cleaned = cleaned.astimezone(dt.UTC)
            except (OverflowError, ValueError):
                raise ValidationError("Enter a date and time within the supported range.", code="invalid") from None
        return cleaned


def _in_utc(field_class):
    return type(f"UTC{field_class.__name__}", (_InUTC, field_class), {})


class BoundedFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        for name, filter_ in filterset.filters.items():
            if isinstance(filter_, django_filters.NumberFilter) and _is_integer_column(filterset, name, filter_):
                filter_.extra.setdefault("min_value", BIGINT_MIN)
                filter_.extra.setdefault("max_value", BIGINT_MAX)
            elif isinstance(filter_, django_filters.DateTimeFilter) and not issubclass(filter_.field_class, _InUTC):
                filter_.field_class = _in_utc(filter_.field_class)
        return filterset
