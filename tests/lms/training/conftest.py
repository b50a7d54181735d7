import pytest

from tests.factories import TeachingPointFactory


@pytest.fixture
def points(tree):
    class P:
        a = TeachingPointFactory(school=tree.town_a, name="甲镇红色村史馆")
        a2 = TeachingPointFactory(school=tree.town_a, name="甲镇产业园")
        b = TeachingPointFactory(school=tree.town_b, name="乙镇廉政教育基地")

    return P
