"""Login rate limit: 10 failures per username + IP in 10 minutes, then 登录尝试过多 (429) —
on the portal page, and (through the authentication backend) on every other password path."""

import base64

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from lms.portal.ratelimit import TOO_MANY_ATTEMPTS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BACKEND = ["lms.portal.ratelimit.RateLimitedModelBackend"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _post_login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_ten_failures_block_the_username_even_with_the_right_password():
    UserFactory(username="alice")
    client = Client()
    for _ in range(10):
        response = _post_login(client, "alice", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    response = _post_login(client, "alice", "Test@12345")
    assert response.status_code == 429
    assert TOO_MANY_ATTEMPTS in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_block_is_per_ip_and_per_username():
    UserFactory(username="alice")
    UserFactory(username="bob")
    for _ in range(10):
        _post_login(Client(), "alice", "wrong", ip="10.0.0.1")
    # Same username from another address, and another username from the same address, still work.
    assert _post_login(Client(), "alice", "Test@12345", ip="10.0.0.2").status_code == 302
    assert _post_login(Client(), "bob", "Test@12345", ip="10.0.0.1").status_code == 302


def test_username_is_case_insensitive_for_counting():
    UserFactory(username="alice")
    for i in range(10):
        _post_login(Client(), "ALICE" if i % 2 else "alice", "wrong")
    assert _post_login(Client(), "alice", "Test@12345").status_code == 429


def test_success_clears_the_counter():
    UserFactory(username="alice")
    for _ in range(9):
        _post_login(Client(), "alice", "wrong")
    assert _post_login(Client(), "alice", "Test@12345").status_code == 302
    for _ in range(9):
        _post_login(Client(), "alice", "wrong")
    assert _post_login(Client(), "alice", "Test@12345").status_code == 302


@override_settings(LOGIN_FAILURE_WINDOW=600, LOGIN_FAILURE_LIMIT=3)
def test_counter_expires_after_the_window():
    UserFactory(username="alice")
    for _ in range(3):
        _post_login(Client(), "alice", "wrong")
    assert _post_login(Client(), "alice", "Test@12345").status_code == 429
    cache.clear()  # what the 10-minute expiry does
    assert _post_login(Client(), "alice", "Test@12345").status_code == 302


@override_settings(AUTHENTICATION_BACKENDS=BACKEND)
def test_backend_blocks_api_basic_auth_and_admin_login():
    UserFactory(username="alice", is_staff=True, is_superuser=True)
    bad = "Basic " + base64.b64encode(b"alice:wrong").decode()
    good = "Basic " + base64.b64encode(b"alice:Test@12345").decode()
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=good, REMOTE_ADDR="10.0.0.9").status_code == 200
    for _ in range(10):
        assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=bad, REMOTE_ADDR="10.0.0.9").status_code in (401, 403)
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=good, REMOTE_ADDR="10.0.0.9").status_code in (401, 403)
    # The Wagtail admin login shares the counter: the right password is refused too.
    admin = Client()
    admin.post("/admin/login/", {"username": "alice", "password": "Test@12345"}, REMOTE_ADDR="10.0.0.9")
    assert "_auth_user_id" not in admin.session
    # Another address is unaffected.
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=good, REMOTE_ADDR="10.0.0.8").status_code == 200


@override_settings(PROXY_IP_HEADER="HTTP_X_REAL_IP")
def test_client_address_comes_from_the_proxy_header_when_configured():
    UserFactory(username="alice")
    for _ in range(10):
        Client().post(
            "/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="1.2.3.4"
        )
    blocked = Client().post(
        "/login/", {"username": "alice", "password": "Test@12345"}, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="1.2.3.4"
    )
    assert blocked.status_code == 429
    other = Client().post(
        "/login/", {"username": "alice", "password": "Test@12345"}, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="5.6.7.8"
    )
    assert other.status_code == 302
