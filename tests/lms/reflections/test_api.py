"""Reflections API and pages: write, list, edit, review; another branch's ids are a 404."""

import pytest

from lms.reflections.models import Reflection
from lms.reflections.services import reflection_submit

from .conftest import BODY

pytestmark = pytest.mark.django_db
J = "application/json"


def test_member_writes_lists_and_edits(world, login):
    c = login(world.roles.member_a_user)
    resp = c.post(
        "/api/v1/reflections/", {"training_class": world.cls.pk, "title": "冬训心得", "body": "短"}, content_type=J
    )
    assert resp.status_code == 400 and "不少于50个字" in resp.content.decode()
    resp = c.post(
        "/api/v1/reflections/", {"training_class": world.cls.pk, "title": "冬训心得", "body": BODY}, content_type=J
    )
    assert resp.status_code == 201, resp.content
    rid = resp.json()["id"]
    assert (
        c.post(
            "/api/v1/reflections/", {"training_class": world.cls.pk, "title": "再写", "body": BODY}, content_type=J
        ).status_code
        == 400
    )
    assert [r["id"] for r in c.get("/api/v1/reflections/").json()["results"]] == [rid]
    resp = c.patch(f"/api/v1/reflections/{rid}/", {"title": "冬训心得（二）", "body": BODY}, content_type=J)
    assert resp.status_code == 200 and resp.json()["title"] == "冬训心得（二）"
    # member B cannot see or edit it
    b = login(world.roles.member_b_user)
    assert b.get(f"/api/v1/reflections/{rid}/").status_code == 404
    assert b.patch(f"/api/v1/reflections/{rid}/", {"title": "改", "body": BODY}, content_type=J).status_code == 404
    assert (
        b.post(
            "/api/v1/reflections/", {"training_class": world.cls.pk, "title": "冬训", "body": BODY}, content_type=J
        ).status_code
        == 400
    )


def test_review_scope_and_flow(world, login):
    r = reflection_submit(member=world.roles.member_a, training_class=world.cls, title="冬训心得", body=BODY)
    url = f"/api/v1/reflections/{r.pk}/review/"
    assert login(world.secretary_b_user).post(url, {"decision": "approve"}, content_type=J).status_code == 404
    assert login(world.roles.town_b_staff).post(url, {"decision": "approve"}, content_type=J).status_code == 404
    assert login(world.roles.member_a_user).post(url, {"decision": "approve"}, content_type=J).status_code == 404
    sec = login(world.secretary_a_user)
    queue = sec.get("/api/v1/reflections/?role=review").json()["results"]
    assert [q["id"] for q in queue] == [r.pk]
    assert login(world.secretary_b_user).get("/api/v1/reflections/?role=review").json()["results"] == []
    sec = login(world.secretary_a_user)  # one test client: log the secretary of branch A back in
    resp = sec.post(url, {"decision": "return"}, content_type=J)
    assert resp.status_code == 400 and "审核意见" in resp.content.decode()
    resp = sec.post(url, {"decision": "approve", "comment": "体会深刻"}, content_type=J)
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    assert sec.post(url, {"decision": "approve"}, content_type=J).status_code == 400
    assert Reflection.objects.get(pk=r.pk).reviewed_by == world.secretary_a_user


def test_pages(world, login):
    c = login(world.roles.member_a_user)
    html = c.get("/reflections/").content.decode()
    assert "甲镇党员冬训班" in html  # may write about the attended class
    resp = c.post(f"/reflections/new/?class={world.cls.pk}", {"title": "冬训心得", "body": BODY})
    assert resp.status_code == 302
    r = Reflection.objects.get()
    sec = login(world.secretary_a_user)
    assert "冬训心得" in sec.get("/reflections/review/").content.decode()
    resp = sec.post(f"/reflections/{r.pk}/", {"action": "review", "decision": "return", "comment": "请补充体会"})
    assert resp.status_code == 302
    assert Reflection.objects.get().status == "returned"
    assert login(world.secretary_b_user).get(f"/reflections/{r.pk}/").status_code == 404
    assert login(world.roles.member_b_user).get(f"/reflections/new/?class={world.cls.pk}").status_code == 200
    resp = login(world.roles.member_b_user).post(
        f"/reflections/new/?class={world.cls.pk}", {"title": "冬训", "body": BODY}
    )
    assert resp.status_code == 200 and "参加过" in resp.content.decode()


def test_counts_api_scope(world, login):
    reflection_submit(member=world.roles.member_a, training_class=world.cls, title="冬训心得", body=BODY)
    rows = login(world.roles.department).get("/api/v1/reflections/counts/").json()
    assert [(r["branch_name"], r["submitted"], r["pending"]) for r in rows] == [("甲镇一村党支部", 1, 1)]
    assert login(world.roles.town_b_staff).get("/api/v1/reflections/counts/").json() == []
    assert login(world.roles.member_a_user).get("/api/v1/reflections/counts/").status_code == 403
    assert "甲镇一村党支部" in login(world.roles.department).get("/reflections/counts/").content.decode()


def test_home_panels(world, login):
    reflection_submit(member=world.roles.member_a, training_class=world.cls, title="冬训心得", body=BODY)
    html = login(world.secretary_a_user).get("/").content.decode()
    assert 'data-testid="pending-reflections">1<' in html and "学习积分" in html
    html = login(world.roles.member_a_user).get("/").content.decode()
    assert "学习心得" in html and 'data-testid="panel-points">0<' in html
    assert "pending-reflections" not in html
    assert "学习心得统计" in login(world.roles.department).get("/").content.decode()
