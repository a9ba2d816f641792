"""One cached value per (namespace, key parts): the figures heavy pages compute from whole tables.

Callers put everything the value depends on into `parts` — tenant, viewer scope, inputs and a data
version that moves when the underlying rows change — so a hit is never stale; the key is a hash of
their repr, short enough for any cache backend.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

DEFAULT_SECONDS = 300


def cached_value(namespace: str, parts: tuple, compute: Callable[[], T], *, seconds: int = DEFAULT_SECONDS) -> T:
    """`compute()` for `parts`, from the cache when it was computed for the same parts before."""
    key = f"{namespace}:" + hashlib.sha1(repr(parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
