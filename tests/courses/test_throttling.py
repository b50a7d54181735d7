"""The heartbeat throttle's fixed window (courses/api/throttling.py) on the embedded cache and on
Redis: the first request opens the window, requests beyond the rate are refused until it
closes, and the refusal says how long to wait."""

import os
import time

import pytest
from django.core.cache import caches
from django.test import override_settings

from courses.api import throttling

REDIS_URL = os.environ.get("CELERY_BROKER_URL", "")
BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-test"},
    # The PostgreSQL + Redis pass runs with a Redis broker; its cache database next to it.
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL.rsplit("/", 1)[0] + "/9"},
}


@pytest.fixture(params=list(BACKENDS))
def backend(request, monkeypatch):
    if request.param == "redis" and not REDIS_URL.startswith("redis://"):
        pytest.skip("the Redis path runs in the PostgreSQL + Redis pass (CELERY_BROKER_URL=redis://…)")
    with override_settings(CACHES={"default": BACKENDS[request.param]}):
        cache = caches["default"]
        monkeypatch.setattr(throttling, "cache", cache)
        cache.clear()
        yield request.param
        cache.clear()


def test_window_counts_and_expires(backend):
    key = f"throttle_test:{time.monotonic_ns()}"
    hits = [throttling.window_hit(key, 2) for _ in range(4)]
    assert [count for count, _ in hits] == [1, 2, 3, 4]
    assert all(0 < left <= 2 for _, left in hits)
    time.sleep(2.2)
    assert throttling.window_hit(key, 2)[0] == 1  # a new window


def test_windows_are_per_key(backend):
    assert throttling.window_hit("throttle_test:a", 60)[0] == 1
    assert throttling.window_hit("throttle_test:b", 60)[0] == 1
    assert throttling.window_hit("throttle_test:a", 60)[0] == 2
