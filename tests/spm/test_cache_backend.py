"""The default cache on Redis is shared by processes and fails open: Redis down is a miss, never an error."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache, caches
from django.test import override_settings
from django.urls import reverse

from spm.cache_backend import FailOpenRedisCache
from spm.caching import cached_value

ROOT = Path(__file__).resolve().parents[2]
DEAD_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens, the connection is refused
CACHED_PAGES = [("performance:forecast", "revops"), ("compensation:liability", "finance"),
                ("compensation:accounting", "finance"), ("performance:scorecards", "manager")]
# The pipeline caches only from ~20,000 deals (performance.pipeline.selectors.cached): rendered, not round-tripped.
UNCACHED_PAGES = [("analytics:dashboard", "finance"), ("performance:pipeline", "manager")]


def redis_cache(url: str, prefix: str, **options) -> dict:
    return {"default": {"BACKEND": "spm.cache_backend.FailOpenRedisCache", "LOCATION": url, "KEY_PREFIX": prefix,
                        "OPTIONS": options}}


def test_an_unreachable_redis_is_a_miss_and_writes_do_nothing(caplog):
    dead = FailOpenRedisCache(DEAD_URL, {"KEY_PREFIX": "t"})
    with caplog.at_level(logging.WARNING, logger="spm.cache_backend"):
        assert dead.get("k") is None
        assert dead.get("k", "fallback") == "fallback"
        assert dead.set("k", 1) is None
        assert dead.add("k", 1) is False
        assert dead.delete("k") is False
        assert dead.get_many(["a", "b"]) == {}
        assert dead.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert dead.has_key("k") is False
        assert dead.get_or_set("k", 7) == 7
        assert dead.clear() is False
        with pytest.raises(ValueError):
            dead.incr("k")
    warnings = [r for r in caplog.records if r.name == "spm.cache_backend"]
    assert len(warnings) == 1, "an outage is logged once, not per call"
    assert "unavailable" in warnings[0].getMessage()


def test_the_breaker_spares_every_call_the_connection_attempt(monkeypatch):
    dead = FailOpenRedisCache(DEAD_URL, {"OPTIONS": {"breaker_seconds": 60}})
    attempts = []
    real = dead._cache.get_client

    def counting(*args, **kwargs):
        attempts.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dead._cache, "get_client", counting)
    assert dead.get("k") is None
    assert not dead.available
    started = time.monotonic()
    for _ in range(200):
        assert dead.get("k") is None
        dead.set("k", 1)
    assert len(attempts) == 1, "while the breaker is open Redis is not asked"
    assert time.monotonic() - started < 0.1


def test_a_silent_redis_costs_one_short_timeout_then_nothing():
    """A host that accepts nothing and answers nothing (a black hole): the connect timeout is short."""
    import socket

    with socket.socket() as listener:  # bound and listening with a zero backlog, never accepting: reads hang
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        silent = FailOpenRedisCache(f"redis://127.0.0.1:{port}/0", {})
        started = time.monotonic()
        assert silent.get("k", "d") == "d"
        first = time.monotonic() - started
        started = time.monotonic()
        assert silent.get("k", "d") == "d"
        second = time.monotonic() - started
    assert first < 1.5
    assert second < 0.01


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), [*UNCACHED_PAGES, *CACHED_PAGES])
def test_pages_render_while_the_redis_cache_is_down(client, acme, name, persona):
    with override_settings(CACHES=redis_cache(DEAD_URL, "down")):
        assert isinstance(caches["default"], FailOpenRedisCache)
        assert cached_value("probe", (1,), lambda: "computed") == "computed"
        client.force_login(acme.users[persona])
        path = reverse(name, kwargs={"tenant": acme.tenant.slug})
        for _ in range(2):
            assert client.get(path).status_code == 200


def test_without_redis_url_the_cache_is_per_process():
    from django.conf import settings

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.redis
def test_two_processes_share_a_value_through_redis():
    url = os.environ["REDIS_URL"]
    prefix = f"test-share-{uuid.uuid4().hex[:8]}"
    here = FailOpenRedisCache(url, {"KEY_PREFIX": prefix})
    try:
        here.set("figure", {"total": "1234.56", "rows": [1, 2, 3]}, 60)
        script = ("import sys; from spm.cache_backend import FailOpenRedisCache as C; "
                  "c = C(sys.argv[1], {'KEY_PREFIX': sys.argv[2]}); print(c.get('figure')); c.set('answer', 42, 60)")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spm.settings.test"}
        out = subprocess.run([sys.executable, "-c", script, url, prefix], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60, check=True).stdout
        assert out.strip() == "{'total': '1234.56', 'rows': [1, 2, 3]}"
        assert here.get("answer") == 42
    finally:
        here.clear()
    assert here.get("figure") is None


@pytest.mark.redis
def test_clear_leaves_other_keys_of_the_database_alone():
    """Celery's queues share the Redis database: clearing the cache must not drop them."""
    import redis

    url = os.environ["REDIS_URL"]
    other = f"not-the-cache-{uuid.uuid4().hex[:8]}"
    raw = redis.Redis.from_url(url)
    raw.set(other, b"queued", ex=60)
    shared = FailOpenRedisCache(url, {"KEY_PREFIX": f"test-clear-{uuid.uuid4().hex[:8]}"})
    shared.set("k", 1, 60)
    try:
        assert shared.clear() is True
        assert shared.get("k") is None
        assert raw.get(other) == b"queued"
    finally:
        raw.delete(other)


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), CACHED_PAGES)
def test_cached_pages_round_trip_through_redis(client, acme, name, persona):
    """Every figure a page caches pickles: the second request is served from Redis, the same page."""
    prefix = f"test-pages-{uuid.uuid4().hex[:8]}"
    with override_settings(CACHES=redis_cache(os.environ["REDIS_URL"], prefix)):
        try:
            client.force_login(acme.users[persona])
            path = reverse(name, kwargs={"tenant": acme.tenant.slug})
            first = client.get(path)
            assert first.status_code == 200
            assert cache._cache.get_client().keys(f"{prefix}:*"), "the page cached nothing in Redis"
            second = client.get(path)
            assert second.status_code == 200
            assert cache.available
        finally:
            cache.clear()


def test_a_page_figure_is_drawn_once_per_distinct_data_and_each_use_gets_its_own_target():
    from spm.web.charts import bars, cached_chart

    drawn = []

    def build(values):
        drawn.append(values)
        return bars(["a", "b"], values, name="x")

    first = cached_chart("test.bars", ((1, 2),), lambda: build((1, 2)))
    again = cached_chart("test.bars", ((1, 2),), lambda: build((1, 2)))
    other = cached_chart("test.bars", ((3, 4),), lambda: build((3, 4)))
    assert drawn == [(1, 2), (3, 4)]
    ids = [html.split('id="')[1].split('"')[0] for html in (first, again, other)]
    assert len(set(ids)) == 3
    assert first.replace(ids[0], "") == again.replace(ids[1], "")


def _token_attempts(client, n: int) -> list[int]:
    """n failed token sign-ins from one address, each for another username (no lockout applies)."""
    return [client.post("/api/v1/auth/token/", {"username": f"nobody-{i}@example.com", "password": "wrong-wrong-1"},
                        content_type="application/json").status_code for i in range(n)]


@pytest.mark.django_db
def test_sign_in_keeps_working_and_the_lockout_holds_while_the_redis_cache_is_down(client, acme):
    with override_settings(CACHES=redis_cache(DEAD_URL, "down-auth")):
        assert set(_token_attempts(client, 3)) == {400}  # refused, never a 500
        user = acme.users["finance"]
        user.set_password("a-Correct-horse-battery-42")
        user.save()
        for _ in range(5):  # axes counts in the database, not the cache
            client.post("/api/v1/auth/token/", {"username": user.username, "password": "nope-nope-nope"},
                        content_type="application/json")
        locked = client.post("/api/v1/auth/token/", {"username": user.username, "password": "a-Correct-horse-battery-42"},
                             content_type="application/json")
        assert locked.status_code == 429 and locked.json()["code"] == "locked_out"


@pytest.mark.redis
@pytest.mark.django_db
def test_the_sign_in_throttle_counts_in_redis(acme):
    """The per-address throttle (20/min) counts in Redis, so every server process sees one count."""
    from django.test import Client
    from rest_framework.settings import api_settings

    rate = int(api_settings.DEFAULT_THROTTLE_RATES["login"].split("/")[0])
    prefix = f"test-throttle-{uuid.uuid4().hex[:8]}"
    with override_settings(CACHES=redis_cache(os.environ["REDIS_URL"], prefix)):
        try:
            first, second = Client(), Client()
            assert 429 not in _token_attempts(first, rate // 2) + _token_attempts(second, rate - rate // 2)
            assert _token_attempts(second, 1) == [429]
            assert any(b"throttle" in k for k in cache._cache.get_client().keys(f"{prefix}:*"))
        finally:
            cache.clear()
