"""Login rate limiting: the one rule for every way a password reaches `authenticate()` —
the portal login page, the Wagtail and Django admin logins and HTTP basic auth on the API.

Failures are counted in the Django cache (Redis in production, so all gunicorn workers share
the counts) per username + client IP, and per client IP across usernames (password spraying).
Over the limit, `RateLimitedModelBackend` refuses before any password is checked, and the
portal login page says 登录尝试过多，请稍后再试. A successful login clears the username counter."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

TOO_MANY_ATTEMPTS = "登录尝试过多，请稍后再试"


def _limits() -> tuple[int, int, int]:
    return (
        getattr(settings, "LOGIN_FAILURE_LIMIT", 10),
        getattr(settings, "LOGIN_FAILURE_IP_LIMIT", 100),
        getattr(settings, "LOGIN_FAILURE_WINDOW", 600),
    )


def client_ip(request) -> str:
    """REMOTE_ADDR, or the header named by settings.PROXY_IP_HEADER (e.g. HTTP_X_REAL_IP) when
    the app is only reachable through our reverse proxy, which overwrites that header."""
    if request is None:
        return "-"
    header = getattr(settings, "PROXY_IP_HEADER", "")
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "-")


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"login-fail:{kind}:{digest}"


def _keys(username: str, request) -> tuple[str, str]:
    ip = client_ip(request)
    return _key("user", (username or "").strip().lower(), ip), _key("ip", ip)


def login_blocked(username: str, request) -> bool:
    user_key, ip_key = _keys(username, request)
    limit, ip_limit, _ = _limits()
    counts = cache.get_many([user_key, ip_key])
    return counts.get(user_key, 0) >= limit or counts.get(ip_key, 0) >= ip_limit


def _bump(key: str, window: int) -> None:
    if cache.add(key, 1, window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, window)


def login_failure_record(username: str, request) -> None:
    _, _, window = _limits()
    for key in _keys(username, request):
        _bump(key, window)


def login_success_record(username: str, request) -> None:
    cache.delete(_keys(username, request)[0])


class RateLimitedModelBackend(ModelBackend):
    """ModelBackend that refuses (without checking the password) while the caller is over the
    failure limit. PermissionDenied makes `authenticate()` stop trying other backends."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.get_user_model_field())
        if username is not None and login_blocked(username, request):
            raise PermissionDenied(TOO_MANY_ATTEMPTS)
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def get_user_model_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


def _on_login_failed(sender, credentials, request=None, **kwargs):
    login_failure_record(credentials.get("username", ""), request)


def _on_logged_in(sender, request, user, **kwargs):
    login_success_record(user.get_username(), request)


def connect_signals() -> None:
    user_login_failed.connect(_on_login_failed, dispatch_uid="lms-login-ratelimit-failed")
    user_logged_in.connect(_on_logged_in, dispatch_uid="lms-login-ratelimit-ok")
