import datetime as dt

import pytest

from lms.audit.models import AuditEntry
from lms.quotas.models import QuotaRule
from lms.quotas.services import quota_year_open, warnings_compute
from tests.factories.quotas import study

pytestmark = pytest.mark.django_db
D = dt.date


def test_my_progress_api(roles, login):
    study(roles.member_a, D(2025, 3, 1), 2700 * 10)
    c = login(roles.member_a_user)
    r = c.get("/api/v1/quotas/progress/me/?year=2025")
    assert r.status_code == 200
    body = r.json()
    assert body["member_id"] == roles.member_a.pk and body["online_hours"] == "10.00"
    kinds = {x["kind"]: x for x in body["results"]}
    assert kinds["study_hours"]["missing"] == "22.00" and kinds["study_hours"]["status"] in {"not_met", "at_risk"}
    assert c.get("/api/v1/quotas/progress/me/?year=abc").status_code == 400
    assert c.get(f"/api/v1/quotas/progress/members/{roles.member_b.pk}/").status_code == 403
    assert login(roles.town_a_staff).get("/api/v1/quotas/progress/me/").status_code == 403


def test_member_progress_api_scoped(roles, login):
    c = login(roles.town_a_staff)
    assert c.get(f"/api/v1/quotas/progress/members/{roles.member_a.pk}/").status_code == 200
    assert c.get(f"/api/v1/quotas/progress/members/{roles.member_b.pk}/").status_code == 404


def test_coverage_api_levels_and_scope(data, roles, login):
    c = login(roles.department)
    r = c.get("/api/v1/quotas/coverage/?year=2025")
    assert r.status_code == 200
    body = r.json()
    assert body["totals"]["members"] == 9 and body["totals"]["all_met"] == 3
    assert {row["unit_name"]: row["members"] for row in body["rows"]} == {"甲镇党校": 5, "乙镇党校": 4}
    town_a = roles.tree.town_a.pk
    r = c.get(f"/api/v1/quotas/coverage/?year=2025&level=town&parent={town_a}")
    assert {row["unit_name"] for row in r.json()["rows"]} == {"甲镇一村党支部", "甲镇二村党支部"}
    r = c.get(f"/api/v1/quotas/coverage/?year=2025&level=branch&parent={data['branch_a2'].pk}")
    body = r.json()
    assert body["members_count"] == 2 and {m["name"] for m in body["members"]} == {"a3", "a4"}
    r = c.get("/api/v1/quotas/coverage/?year=2025&category=village_committee")
    assert r.json()["totals"]["members"] == 1
    # bad input
    assert c.get("/api/v1/quotas/coverage/?level=town").status_code == 400
    assert c.get("/api/v1/quotas/coverage/?level=galaxy").status_code == 400
    assert c.get("/api/v1/quotas/coverage/?category=x").status_code == 400
    # another town's staff
    s = login(roles.town_b_staff)
    assert s.get(f"/api/v1/quotas/coverage/?level=town&parent={town_a}").status_code == 404
    assert s.get("/api/v1/quotas/coverage/?year=2025").json()["totals"]["members"] == 4
    assert login(roles.member_a_user).get("/api/v1/quotas/coverage/").status_code == 403


def test_warnings_api(data, roles, login):
    warnings_compute(year=2025, today=D(2025, 11, 15))
    r = login(roles.town_a_staff).get("/api/v1/quotas/warnings/?year=2025&kind=town_low_coverage")
    assert r.status_code == 200
    assert [w["title"][:4] for w in r.json()["results"]] == ["甲镇党校"]
    assert login(roles.town_a_staff).get("/api/v1/quotas/warnings/?kind=zzz").status_code == 400


def test_rules_api_edit_by_department_only(roles, login):
    quota_year_open(year=2025)
    rule = QuotaRule.objects.get(year=2025, kind="study_hours")
    url = f"/api/v1/quotas/rules/{rule.pk}/"
    assert login(roles.town_a_staff).get("/api/v1/quotas/rules/?year=2025").json()["count"] == 5
    assert login(roles.town_a_staff).patch(url, {"required": "40"}, content_type="application/json").status_code == 403
    assert login(roles.member_a_user).get(url).status_code == 404
    c = login(roles.department)
    r = c.patch(url, {"required": "-3"}, content_type="application/json")
    assert r.status_code == 400
    r = c.patch(url, {"required": "40", "kind": "rotation_class"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["required"] == "40.00" and r.json()["kind"] == "study_hours"
    rule.refresh_from_db()
    assert rule.required == 40
    assert AuditEntry.objects.filter(action="quota_rule_update").exists()


def test_openapi_lists_quota_endpoints(roles, login):
    r = login(roles.superuser).get("/api/schema/")
    assert r.status_code == 200
    text = r.content.decode()
    for path in ["/api/v1/quotas/coverage/", "/api/v1/quotas/progress/me/", "/api/v1/quotas/warnings/"]:
        assert path in text


def test_open_year_page_department_only(roles, login):
    assert login(roles.town_a_staff).post("/progress/rules/open/", {"year": "2025"}).status_code == 403
    c = login(roles.department)
    r = c.post("/progress/rules/open/", {"year": "2025"})
    assert r.status_code == 302 and QuotaRule.objects.filter(year=2025).count() == 5
    assert c.post("/progress/rules/open/", {"year": "nope"}).status_code == 302
    assert QuotaRule.objects.count() == 5
    html = c.get("/progress/rules/?year=2025").content.decode()
    assert "第二十条" in html and "开启" in html


def test_admin_rule_listing_for_department(roles, login):
    from lms.accounts.roles import roles_sync_groups

    roles_sync_groups()
    quota_year_open(year=2025)
    c = login(roles.department)
    r = c.get("/admin/snippets/quotas/quotarule/")
    assert r.status_code == 200 and "年度学习学时" in r.content.decode()
    rule = QuotaRule.objects.get(year=2025, kind="study_hours")
    # read-only in the admin (one write path): rules are changed on /progress/rules/
    assert c.get(f"/admin/snippets/quotas/quotarule/edit/{rule.pk}/").status_code in (302, 403, 404)
    assert c.post(f"/admin/snippets/quotas/quotarule/edit/{rule.pk}/", {"required": "1"}).status_code in (302, 403, 404)
    assert QuotaRule.objects.get(pk=rule.pk).required == rule.required
    assert login(roles.member_a_user).get("/admin/snippets/quotas/quotarule/").status_code in (302, 403)
