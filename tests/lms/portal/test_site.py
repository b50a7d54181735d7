import pytest
from django.core.management import call_command

from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from lms.portal.management.commands.seed_demo import STEPS
from lms.schools.models import PartySchool, TeachingPoint

pytestmark = pytest.mark.django_db


def test_healthz_reports_components(client):
    response = client.get("/healthz")
    data = response.json()
    assert set(data["checks"]) == {"database", "broker", "search"}
    assert response.status_code == (200 if all(c["ok"] for c in data["checks"].values()) else 503)
    assert data["checks"]["database"]["ok"] is True


def test_healthz_503_when_search_down(client, settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["search"]["fallback"] == "database"


def test_login_page_in_chinese(client):
    body = client.get("/login/").content.decode()
    assert "登录" in body and 'lang="zh-hans"' in body


def test_home_requires_login(client):
    assert client.get("/").status_code == 302


def test_home_per_role(roles, login):
    assert "我的学习" in login(roles.member_a_user).get("/").content.decode()
    assert "党校工作" in login(roles.town_a_staff).get("/").content.decode()
    assert "组织部" in login(roles.department).get("/").content.decode()


# The steps after schools, organizations, members and logins (seed_demo's STEPS).
BEYOND_FOUNDATION = STEPS[STEPS.index("lms.accounts.demo") + 1 :]


def test_seed_demo_builds_a_county(db):
    call_command(
        "seed_demo",
        members=300,
        seed=7,
        skip=BEYOND_FOUNDATION,
    )
    assert PartySchool.objects.filter(tier="city").count() == 1
    assert PartySchool.objects.filter(tier="town").count() == 11
    per_town = TeachingPoint.objects.values("school").distinct().count()
    assert per_town == 11
    assert set(TeachingPoint.objects.values_list("category", flat=True)) == {
        c for c, _ in TeachingPoint.Category.choices
    }
    assert Member.objects.count() == 300
    assert PartyOrganization.objects.filter(kind="branch").count() >= 110
    assert PartyOrganization.objects.filter(kind="branch", town__isnull=True).count() == 0
    assert Member.objects.filter(is_branch_secretary=True).count() == Member.objects.values("branch").distinct().count()


def test_seed_demo_deterministic(db):
    skip = BEYOND_FOUNDATION
    call_command("seed_demo", members=100, seed=3, skip=skip)
    first = list(Member.objects.order_by("member_no").values_list("name", "branch__name", "join_date"))
    from django.db import connection

    with connection.cursor():
        Member.objects.all().delete()
        PartyOrganization.objects.all().delete()
        TeachingPoint.objects.all().delete()
        PartySchool.objects.filter(tier="town").delete()
        PartySchool.objects.all().delete()
    from lms.accounts.models import User

    User.objects.all().delete()
    call_command("seed_demo", members=100, seed=3, skip=skip)
    second = list(Member.objects.order_by("member_no").values_list("name", "branch__name", "join_date"))
    assert first == second
