"""Login throttling (issue #13.5, lms/security/ratelimit.py on django-axes): counted in the
database per account + address, per address and per account, for the portal, the admin and
basic auth alike; forwarded addresses believed only from trusted proxies; strangers' failures
delay the real user briefly and never lock them out. And the sign-in code page is throttled
like the API."""

import base64
import itertools
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db.models import F, Sum
from django.test import Client, override_settings

from lms.security.ratelimit import TOO_MANY_ATTEMPTS, account_delay, client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RIGHT = "Test@12345"  # the factories' password


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    yield
    cache.clear()


def _post_login(username, password, ip="10.0.0.1", client=None, **headers):
    client = client or Client()
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def _logged_in(response) -> bool:
    return response.status_code == 302


def _age_attempts(seconds: int) -> None:
    """What the clock does: every recorded failure happened `seconds` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def test_ten_failures_refuse_the_account_from_that_address_even_with_the_right_password():
    UserFactory(username="alice")
    for _ in range(9):
        response = _post_login("alice", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    tenth = _post_login("alice", "wrong-password")
    assert tenth.status_code == 429 and TOO_MANY_ATTEMPTS in tenth.content.decode()
    client = Client()
    response = _post_login("alice", RIGHT, client=client)
    assert response.status_code == 429
    assert TOO_MANY_ATTEMPTS in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_counts_live_in_the_database_not_in_a_process():
    """Every web process and machine sees the same count: clearing this process's cache
    (all a second process would lack) changes nothing."""
    UserFactory(username="alice")
    for _ in range(10):
        _post_login("alice", "wrong")
    assert AccessAttempt.objects.filter(username="alice").aggregate(n=Sum("failures_since_start"))["n"] == 10
    cache.clear()
    assert _post_login("alice", RIGHT).status_code == 429


def test_refusal_is_per_address_and_per_account():
    UserFactory(username="alice")
    UserFactory(username="bob")
    for _ in range(10):
        _post_login("alice", "wrong", ip="10.0.0.1")
    assert _logged_in(_post_login("alice", RIGHT, ip="10.0.0.2"))
    assert _logged_in(_post_login("bob", RIGHT, ip="10.0.0.1"))


def test_username_is_case_insensitive_for_counting():
    UserFactory(username="alice")
    for i in range(10):
        _post_login(" ALICE" if i % 2 else "alice", "wrong")
    assert _post_login("alice", RIGHT).status_code == 429


def test_success_clears_the_counter():
    UserFactory(username="alice")
    for _ in range(9):
        _post_login("alice", "wrong")
    assert _logged_in(_post_login("alice", RIGHT))
    for _ in range(9):
        _post_login("alice", "wrong")
    assert _logged_in(_post_login("alice", RIGHT))


def test_refusal_ends_after_the_window():
    UserFactory(username="alice")
    for _ in range(10):
        _post_login("alice", "wrong")
    assert _post_login("alice", RIGHT).status_code == 429
    _age_attempts(601)
    assert _logged_in(_post_login("alice", RIGHT))


def test_thirty_wrong_passwords_with_rotating_x_real_ip_from_an_untrusted_client_are_throttled():
    """The attack from the issue: a client talking to the app directly forges X-Real-IP on
    every request. The header is ignored, so all 30 count against its real address."""
    UserFactory(username="alice")
    statuses = [
        _post_login(
            "alice", "wrong", ip="203.0.113.7", HTTP_X_REAL_IP=f"198.18.{i}.1", HTTP_X_FORWARDED_FOR=f"10.9.{i}.1"
        ).status_code
        for i in range(30)
    ]
    assert statuses[:9] == [200] * 9
    assert set(statuses[9:]) == {429}  # 21 of 30 refused without checking the password
    assert not AccessAttempt.objects.exclude(ip_address="203.0.113.7").exists()
    # The real user, from their own address, logs in at once.
    assert _logged_in(_post_login("alice", RIGHT, ip="198.51.100.20"))


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_distributed_guessing_through_the_proxy_is_slowed_per_account_and_the_user_only_waits():
    """Through the trusted proxy every guess has its own (real or not) address, so no
    address reaches its limit; the account's progressive delay throttles them instead, and the
    real user waits at most LOGIN_ACCOUNT_MAX_DELAY — never a lockout."""
    UserFactory(username="alice")
    statuses = [
        _post_login("alice", "wrong", ip="127.0.0.1", HTTP_X_REAL_IP=f"198.18.{i}.1").status_code for i in range(30)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses.count(429) >= 15  # each counted failure doubles the wait, refused ones don't count
    counted = AccessAttempt.objects.filter(username="alice").aggregate(n=Sum("failures_since_start"))["n"]
    assert counted < 15
    real = {"ip": "127.0.0.1", "HTTP_X_REAL_IP": "198.51.100.20"}
    assert _post_login("alice", RIGHT, **real).status_code == 429  # inside the short wait
    _age_attempts(account_delay(counted))
    assert _logged_in(_post_login("alice", RIGHT, **real))


def test_the_account_wait_is_short_and_bounded():
    assert [account_delay(n) for n in (0, 10, 11, 12, 13, 16)] == [0, 0, 1, 2, 4, 32]
    assert account_delay(10_000) == 60


@override_settings(LOGIN_FAILURE_IP_LIMIT=20)
def test_one_address_spraying_many_accounts_is_refused():
    UserFactory(username="alice")
    for i in range(20):
        _post_login(f"user{i}", "wrong", ip="10.0.0.5")
    assert _post_login("alice", RIGHT, ip="10.0.0.5").status_code == 429
    assert _logged_in(_post_login("alice", RIGHT, ip="10.0.0.6"))


def test_client_address_from_forwarded_headers_only_via_a_trusted_proxy(rf):
    forged = {"HTTP_X_REAL_IP": "1.2.3.4", "HTTP_X_FORWARDED_FOR": "5.6.7.8, 9.9.9.9"}
    assert client_ip(rf.get("/", REMOTE_ADDR="203.0.113.7", **forged)) == "203.0.113.7"
    with override_settings(TRUSTED_PROXIES=["127.0.0.0/8", "::1"]):
        assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", **forged)) == "1.2.3.4"
        # nginx appends the address it saw to X-Forwarded-For: the right-most entry is believed.
        assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 9.9.9.9")) == "9.9.9.9"
        assert client_ip(rf.get("/", REMOTE_ADDR="203.0.113.7", **forged)) == "203.0.113.7"
        assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not-an-ip")) == "127.0.0.1"


def test_basic_auth_and_the_admin_login_share_the_count():
    UserFactory(username="alice", is_staff=True, is_superuser=True)
    bad = "Basic " + base64.b64encode(b"alice:wrong").decode()
    good = "Basic " + base64.b64encode(f"alice:{RIGHT}".encode()).decode()
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=good, REMOTE_ADDR="10.0.0.9").status_code == 200
    for _ in range(5):
        assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=bad, REMOTE_ADDR="10.0.0.9").status_code in (401, 403)
    admin = Client()
    for _ in range(5):
        admin.post("/admin/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    # 5 + 5 failures: the right password is refused on every door from that address.
    refused = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=good, REMOTE_ADDR="10.0.0.9")
    assert refused.status_code in (401, 403, 429)
    admin.post("/admin/login/", {"username": "alice", "password": RIGHT}, REMOTE_ADDR="10.0.0.9")
    assert "_auth_user_id" not in admin.session
    assert _post_login("alice", RIGHT, ip="10.0.0.9").status_code == 429
    # Another address is unaffected.
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=good, REMOTE_ADDR="10.0.0.8").status_code == 200


def test_overlong_basic_auth_username_is_refused_not_a_server_error():
    auth = "Basic " + base64.b64encode(("x" * 5000 + ":pw").encode()).decode()
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=auth).status_code in (401, 403)


# --- the sign-in code page ------------------------------------------------------------------------


def test_sign_in_code_page_is_throttled_like_the_api(roles):
    """100 wrong six-digit codes: the page stops answering at the API's rate (30/min) with 429."""
    client = Client()
    client.force_login(roles.member_a_user)
    statuses = [client.post("/training/code/", {"code": f"{n:06d}"}).status_code for n in range(100)]
    assert statuses[:30] == [200] * 30
    assert set(statuses[30:]) == {429}
    response = client.post("/training/code/", {"code": "123456"})
    assert "操作过于频繁" in response.content.decode() and int(response["Retry-After"]) > 0


def test_sign_in_code_page_and_api_share_one_budget(roles):
    client = Client()
    client.force_login(roles.member_a_user)
    codes = (f"{n:06d}" for n in itertools.count())
    for _ in range(20):
        assert client.post("/training/code/", {"code": next(codes)}).status_code == 200
    api = [
        client.post("/api/v1/training/signin/", {"code": next(codes)}, content_type="application/json").status_code
        for _ in range(15)
    ]
    assert 429 not in api[:10] and set(api[10:]) == {429}
