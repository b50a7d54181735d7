import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    """Throttle counters live in the cache; user ids repeat across tests."""
    cache.clear()
    yield
    cache.clear()
