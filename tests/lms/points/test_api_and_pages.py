"""Points pages and API: a member's own history; rankings within the viewer's scope (another
town's ids are a 404), aggregated in a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.points.models import PointKind
from lms.points.selectors import members_ranking, ranking_members_for, units_ranking
from lms.points.services import Fact, points_award
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
YEAR = dt.date.today().year


def give(member, n, points_day=None):
    day = points_day or dt.date(YEAR, 1, 2)
    for i in range(n):
        points_award(
            fact=Fact(member.pk, PointKind.CREDITED_DAY, day + dt.timedelta(days=i), f"t:{member.pk}:{i}", "参加培训")
        )


def test_my_points_page_and_api(roles, login):
    give(roles.member_a, 2)
    c = login(roles.member_a_user)
    html = c.get(f"/points/me/?year={YEAR}").content.decode()
    assert "我的学习积分" in html and 'data-testid="points-total">10<' in html and "参加培训" in html
    data = c.get(f"/api/v1/points/me/?year={YEAR}").json()
    assert data["total"] == 10 and data["rank_in_branch"] == 1 and len(data["entries"]) == 2
    assert c.get("/api/v1/points/me/?year=abc").status_code == 400
    assert login(roles.department).get("/api/v1/points/me/").status_code == 403


def test_ranking_scope(roles, login):
    give(roles.member_a, 1)
    give(roles.member_b, 3)
    town_b = roles.tree.town_b.pk
    # town A staff: only town A; town B's id is a 404
    c = login(roles.town_a_staff)
    data = c.get(f"/api/v1/points/ranking/?year={YEAR}").json()
    assert [m["name"] for m in data["members"]] == ["甲党员"]
    assert c.get(f"/api/v1/points/ranking/?town={town_b}").status_code == 404
    assert c.get(f"/api/v1/points/ranking/?branch={roles.tree.branch_b.pk}").status_code == 404
    assert c.get(f"/points/ranking/?town={town_b}").status_code == 404
    # the county department sees both, ranked
    data = login(roles.department).get(f"/api/v1/points/ranking/?year={YEAR}").json()
    assert [(m["rank"], m["name"], m["total_points"]) for m in data["members"]] == [(1, "乙党员", 15), (2, "甲党员", 5)]
    towns = login(roles.department).get(f"/api/v1/points/ranking/?year={YEAR}&level=town").json()["units"]
    assert [(u["unit_name"], u["points"]) for u in towns] == [("乙镇党校", 15), ("甲镇党校", 5)]
    # a member sees their own branch only
    data = login(roles.member_a_user).get(f"/api/v1/points/ranking/?year={YEAR}").json()
    assert [m["name"] for m in data["members"]] == ["甲党员"]
    assert login(roles.member_a_user).get(f"/api/v1/points/ranking/?branch={roles.tree.branch_b.pk}").status_code == 404
    assert login(roles.nobody).get("/api/v1/points/ranking/").status_code == 403


def test_ranking_queries_do_not_grow_with_members(roles):
    for _ in range(3):
        give(MemberFactory(branch=roles.tree.branch_a), 1)

    def run():
        members = ranking_members_for(roles.department)
        with CaptureQueriesContext(connection) as ctx:
            list(members_ranking(members, YEAR))
            list(units_ranking(members, YEAR, "branch"))
        return len(ctx)

    small = run()
    for _ in range(10):
        give(MemberFactory(branch=roles.tree.branch_b), 2)
    assert run() == small == 2


def test_rules_page_and_api(roles, login):
    c = login(roles.member_a_user)
    assert "每日上限" in c.get("/points/rules/").content.decode()
    kinds = {r["kind"] for r in c.get("/api/v1/points/rules/").json()}
    assert kinds == set(PointKind.values)


def test_admin_rules_editable_by_department_only(roles, login):
    assert login(roles.department).get("/admin/snippets/points/pointrule/add/").status_code == 200
    assert login(roles.town_a_staff).get("/admin/snippets/points/pointrule/add/").status_code in (302, 403)
    resp = login(roles.department).post(
        "/admin/snippets/points/pointrule/add/",
        {"year": YEAR, "kind": "lesson_completed", "points": 3, "daily_cap": 1, "min_minutes": 10, "note": ""},
    )
    assert resp.status_code == 200 and "每日上限不能小于每次积分" in resp.content.decode()
    from lms.points.models import PointRule

    assert not PointRule.objects.exists()
    login(roles.department).post(
        "/admin/snippets/points/pointrule/add/",
        {"year": YEAR, "kind": "lesson_completed", "points": 3, "daily_cap": 9, "min_minutes": 10, "is_active": "on"},
    )
    assert PointRule.objects.get().points == 3
