"""The 适老化 switch: POST only with CSRF, remembered per account (server) and per device
(cookie), offered on the login page; the simplified member home and the 签到 help page."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from lms.accessibility.models import DisplayPreference
from lms.accessibility.services import COOKIE
from lms.training.models import TrainingClass
from tests.factories.training import ClassFactory, SessionFactory, enrol, mark

pytestmark = pytest.mark.django_db

URL = "/access/elder-mode/"


def _is_elder(response) -> bool:
    return b'<html lang="zh-hans" class="elder">' in response.content


def test_get_is_refused(client):
    assert client.get(URL).status_code == 405


def test_post_without_csrf_token_is_refused(roles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(roles.member_a_user)
    response = client.post(URL, {"enabled": "1"})
    assert response.status_code == 403
    assert not DisplayPreference.objects.exists()

    client.get("/")  # the page sets the CSRF cookie; the form sends the token
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {"enabled": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert DisplayPreference.objects.get(user=roles.member_a_user).elder_mode is True


def test_anonymous_choice_is_a_cookie_and_the_login_page_offers_it(db):
    client = Client()
    page = client.get("/login/")
    assert not _is_elder(page)
    assert "切换到大字模式" in page.content.decode()

    response = client.post(URL, {"enabled": "1", "next": "/login/?next=/learn/"})
    assert response.status_code == 302 and response["Location"] == "/login/?next=/learn/"
    assert response.cookies[COOKIE].value == "1"
    assert not DisplayPreference.objects.exists()  # nobody to store it for
    page = client.get("/login/")
    assert _is_elder(page) and "恢复标准字号" in page.content.decode()

    response = client.post(URL, {"enabled": "0"})
    assert response.cookies[COOKIE].value == ""  # deleted
    assert not _is_elder(client.get("/login/"))


def test_next_must_stay_on_this_site(client):
    response = client.post(URL, {"enabled": "1", "next": "https://evil.example/phish"})
    assert response["Location"] == "/"
    response = client.post(URL, {"enabled": "1", "next": "//evil.example/"})
    assert response["Location"] == "/"


def test_member_choice_is_stored_once_and_follows_the_account_to_a_new_device(roles):
    phone = Client()
    phone.force_login(roles.member_a_user)
    assert not _is_elder(phone.get("/"))
    phone.post(URL, {"enabled": "1"})
    phone.post(URL, {"enabled": "1"})  # a double tap changes nothing
    assert DisplayPreference.objects.filter(user=roles.member_a_user).count() == 1
    home = phone.get("/")
    assert _is_elder(home)

    terminal = Client()  # another device: no cookie, a fresh login
    assert terminal.login(username="member_a", password="Test@12345")
    assert _is_elder(terminal.get("/"))

    terminal.post(URL, {"enabled": "0"})
    assert DisplayPreference.objects.get(user=roles.member_a_user).elder_mode is False
    again = Client()
    assert again.login(username="member_a", password="Test@12345")
    assert not _is_elder(again.get("/"))
    # another account on the same device is not affected
    other = Client()
    assert other.login(username="member_b", password="Test@12345")
    assert not _is_elder(other.get("/"))


def test_choice_made_on_the_login_page_is_kept_for_the_account(roles):
    client = Client()
    client.post(URL, {"enabled": "1"})
    credentials = {"username": "member_a", "password": "Test@12345"}
    assert client.post("/login/", credentials).status_code == 302  # the real login form
    assert DisplayPreference.objects.get(user=roles.member_a_user).elder_mode is True
    assert _is_elder(client.get("/"))
    # a stored "off" wins over this device's cookie
    DisplayPreference.objects.filter(user=roles.member_a_user).update(elder_mode=False)
    client.post("/logout/")
    client.post(URL, {"enabled": "1"})
    assert client.post("/login/", credentials).status_code == 302
    assert not _is_elder(client.get("/"))


def test_simplified_home_has_the_three_big_actions(roles):
    client = Client()
    client.force_login(roles.member_a_user)
    normal = client.get("/").content.decode()
    assert "big-actions" not in normal and 'data-role="member"' in normal
    client.post(URL, {"enabled": "1"})
    html = client.get("/").content.decode()
    assert 'class="big-actions"' in html
    for label, url in (("学习", "/learn/me/"), ("签到", "/access/signin/"), ("我的进度", "/progress/me/")):
        assert f'href="{url}">{label}<small>' in html
    assert 'data-role="member"' not in html  # the panels give way to the three actions


def test_staff_home_keeps_its_sections_in_elder_mode(roles):
    client = Client()
    client.force_login(roles.town_a_staff)
    client.post(URL, {"enabled": "1"})
    html = client.get("/").content.decode()
    assert "big-actions" not in html and 'data-role="school_staff"' in html


def test_signin_help_lists_todays_sessions_with_their_status(roles):
    today = timezone.localdate()
    training_class = ClassFactory(school=roles.tree.town_a, status=TrainingClass.Status.PUBLISHED)
    now = timezone.now().replace(microsecond=0)
    morning = SessionFactory(
        training_class=training_class, title="集体学习党章", starts_at=now, ends_at=now + dt.timedelta(hours=1)
    )
    SessionFactory(
        training_class=training_class,
        title="明天的课",
        starts_at=timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(9))),
        ends_at=timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(10))),
    )
    other_class = ClassFactory(school=roles.tree.town_b, status=TrainingClass.Status.PUBLISHED)
    SessionFactory(training_class=other_class, title="别人的课")
    enrol(training_class, roles.member_a)
    enrol(other_class, roles.member_b)
    mark(morning, roles.member_a)

    client = Client()
    client.force_login(roles.member_a_user)
    html = client.get("/access/signin/").content.decode()
    assert "集体学习党章" in html and "已签到" in html
    assert "明天的课" not in html and "别人的课" not in html
    assert 'href="/training/code/"' in html and "扫一扫" in html


def test_signin_help_is_for_members_only(roles, client):
    assert client.get("/access/signin/").status_code == 302  # to the login page
    client.force_login(roles.town_a_staff)
    response = client.get("/access/signin/")
    assert response.status_code == 403 and "仅对党员开放" in response.content.decode()
