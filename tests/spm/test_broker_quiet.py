"""Without REDIS_URL the in-memory broker is quiet: `make demo` prints no kombu warning."""

from __future__ import annotations

import logging

import kombu

from spm.settings.base import MEMORY_BROKER_URL


def test_the_memory_broker_names_its_host(caplog):
    # The URL settings use when REDIS_URL is absent (checked directly: CI itself runs with Redis).
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        kombu.Connection(MEMORY_BROKER_URL).info()  # what Celery's worker/beat banners call
    assert not [r for r in caplog.records if "No hostname" in r.getMessage()]
