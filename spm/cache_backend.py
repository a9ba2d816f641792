"""The default cache on Redis, shared by every server process, that fails open when Redis is down.

Django's own RedisCache raises when Redis cannot be reached, and every page that caches a figure
would then answer 500. Here a connection or timeout error is a miss: `get` answers its default,
writes do nothing, `add` stores nothing (False) — the page recomputes its figures as if nothing
were cached. So one outage costs no timeout per call, the first error opens a breaker: for
`BREAKER_SECONDS` the cache is not asked at all, then one call tries again. The outage is logged
once at warning when it starts and once at info when Redis answers again. Connect and read timeouts
are short (a cache call that takes longer than a recomputation is no cache) and redis-py's own
retries are off (the breaker is the retry).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 5.0
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "retry": Retry(NoBackoff(), 0)}
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        self.breaker_seconds = float(params["OPTIONS"].pop("breaker_seconds", BREAKER_SECONDS))
        super().__init__(server, params)
        self._open_until = 0.0  # monotonic time before which Redis is not asked
        self._down = False  # an outage is under way (logged once)
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """False while the breaker is open (Redis failed within the last `breaker_seconds`)."""
        return time.monotonic() >= self._open_until

    def _call(self, fallback, method, *args, **kwargs):
        if not self.available:
            return fallback
        try:
            result = method(*args, **kwargs)
        except UNAVAILABLE as exc:
            with self._lock:
                self._open_until = time.monotonic() + self.breaker_seconds
                first = not self._down
                self._down = True
            if first:
                logger.warning("Redis cache unavailable (%s: %s): serving without a cache, retrying every %.0f s",
                               type(exc).__name__, exc, self.breaker_seconds)
            return fallback
        if self._down:
            with self._lock:
                recovered, self._down = self._down, False
            if recovered:
                logger.info("Redis cache available again")
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # What a missing key answers: callers of incr already handle it.
        result = self._call(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def clear(self):
        """Only this cache's keys: the Redis database may also hold Celery's queues (same REDIS_URL),
        which FLUSHDB (Django's clear) would drop."""
        return self._call(False, self._clear_prefixed)

    def _clear_prefixed(self) -> bool:
        if not self.key_prefix:
            return self._cache.clear()
        client = self._cache.get_client(write=True)
        pattern = f"{self.key_prefix}:*"
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])
        return True
