import pytest

from tests.factories import TeachingPointFactory


@pytest.fixture
def points(tree):
    class P:
        a = TeachingPointFactory(school=tree.town_a, name="甲镇红色村史馆")
        a2 = TeachingPointFactory(school=tree.town_a, name="甲镇产业园")
        b = TeachingPointFactory(school=tree.town_b, name="乙镇廉政教育基地")

    return P


@pytest.fixture(autouse=True)
def _fresh_signin_display_cache():
    """Test databases reuse ids; the per-process display memo of the sign-in page must not
    carry one test's class day into the next."""
    from lms.training.services import attendance

    attendance._DAY_CACHE.clear()
    yield
    attendance._DAY_CACHE.clear()
