"""Without REDIS_URL the in-memory broker is quiet: `make demo` prints no kombu warning."""

from __future__ import annotations

import logging

import kombu
import pytest
from django.conf import settings


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="REDIS_URL is set: the broker is Redis, not the memory transport")
def test_the_memory_broker_names_its_host(caplog):
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        kombu.Connection(settings.CELERY_BROKER_URL).info()  # what Celery's worker/beat banners call
    assert not [r for r in caplog.records if "No hostname" in r.getMessage()]
