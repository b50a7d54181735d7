"""Throttling for the heartbeat API with one cache round trip per request.

DRF's ScopedRateThrottle keeps a list of request times per user: a cache GET and a SET of the
pickled list on every request. Heartbeats arrive from every viewer every 15 s, so this keeps a
counter instead: the first request of a window creates it with the window's length as expiry,
every request increments it, and a request beyond the scope's rate within the window is refused
(429 with Retry-After = the window's remaining time). Same settings (DEFAULT_THROTTLE_RATES),
same scopes and keys. Unlike the sliding list, a client may spend one window's allowance at
the end of one window and the next at the start of the following one (at most twice the rate
over one window's length) — for 240 heartbeats a minute against the player's four, that is
still a refusal of anything but a broken or forged client.

With Redis (REDIS_CACHE_URL) the window's SET NX, INCR and PTTL go in one pipeline; any other
cache (the embedded default's local memory) uses add + incr."""

from __future__ import annotations

from django.core.cache import cache
from rest_framework.throttling import ScopedRateThrottle


class OneTripScopedRateThrottle(ScopedRateThrottle):
    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        count, left_s = window_hit(f"{self.key}:w", self.duration)
        self._wait = left_s
        return count <= self.num_requests

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


def window_hit(key: str, seconds: int) -> tuple[int, float]:
    """Count one request in the window `key` (created with `seconds` to live by the first);
    returns (requests in the window so far, seconds until the window closes)."""
    client = _redis_client(key)
    if client is not None:
        full_key = cache.make_and_validate_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.set(full_key, 0, ex=seconds, nx=True)
        pipe.incr(full_key)
        pipe.pttl(full_key)
        _, count, ttl_ms = pipe.execute()
        return int(count), max(ttl_ms, 0) / 1000 if ttl_ms and ttl_ms > 0 else float(seconds)
    if cache.add(key, 1, seconds):
        return 1, float(seconds)
    try:
        return cache.incr(key), float(seconds)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, seconds)
        return 1, float(seconds)


def _redis_client(key: str):
    inner = getattr(cache, "_cache", None)
    if inner is None or not hasattr(inner, "get_client"):
        return None
    try:
        return inner.get_client(key, write=True)
    except TypeError:
        return None
