import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    """Throttle counters and lesson states live in the cache; ids repeat across tests."""
    from courses.selectors import _local_lesson_state

    cache.clear()
    _local_lesson_state.clear()
    yield
    cache.clear()
    _local_lesson_state.clear()
