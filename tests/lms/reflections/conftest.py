import datetime as dt

import pytest

from tests.factories import MemberFactory, UserFactory
from tests.factories.quotas import credit, make_class

BODY = "通过这次培训，我对党的创新理论有了更深的理解，" * 3


@pytest.fixture
def world(roles):
    """Member A attended a class in town A; secretaries of branch A and branch B."""

    class World:
        pass

    w = World()
    w.roles = roles
    w.cls = make_class(roles.tree.town_a, dt.date(2025, 6, 1), title="甲镇党员冬训班")
    credit(roles.member_a, dt.date(2025, 6, 1), w.cls)
    w.secretary_a_user = UserFactory(username="sec_a")
    w.secretary_a = MemberFactory(
        branch=roles.tree.branch_a, user=w.secretary_a_user, name="甲书记", is_branch_secretary=True
    )
    w.secretary_b_user = UserFactory(username="sec_b")
    w.secretary_b = MemberFactory(
        branch=roles.tree.branch_b, user=w.secretary_b_user, name="乙书记", is_branch_secretary=True
    )
    return w
