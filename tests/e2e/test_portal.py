import pytest

from tests.e2e.ui import logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_each_role_logs_in_and_sees_its_home(roles, page, live_server, browser_login):
    for username, heading in [("member_a", "我的学习"), ("staff_a", "党校工作"), ("dept", "组织部")]:
        browser_login(page, username)
        assert heading in page.inner_text("main")
        logout(page)
        page.wait_for_url(f"{live_server.url}/login/")


def test_wrong_password_shows_chinese_error(roles, page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "member_a")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text("main")
