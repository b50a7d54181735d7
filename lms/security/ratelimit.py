"""Login throttling for every way a password reaches `authenticate()` — the portal login page,
the Wagtail and Django admin logins and HTTP basic auth on the API — on django-axes, plus the
page-side twin of the API's sign-in throttle.

Failures are recorded by axes in the database (`axes.AccessAttempt`), so every web process and
machine shares one count, in the embedded default (SQLite) as in production (PostgreSQL). The
policy, in `LoginAttempts.is_locked`:

- one account from one client address: `LOGIN_FAILURE_LIMIT` failures (10) → refused until
  `LOGIN_FAILURE_WINDOW` (10 min) has passed since the last one;
- one client address across accounts (password spraying): `LOGIN_FAILURE_IP_LIMIT` (100);
- one account across addresses: after `LOGIN_ACCOUNT_FREE_FAILURES` (10) each further failure
  doubles a short wait (1 s, 2 s, 4 s … at most `LOGIN_ACCOUNT_MAX_DELAY`, 60 s) during which
  the account's password is not checked. Refused attempts are not counted, so strangers'
  failures delay the real user by a minute at most and never lock them out.

The client address is `REMOTE_ADDR`, or the forwarded address (django-ipware: X-Real-IP, then
the right-most X-Forwarded-For entry) only when `REMOTE_ADDR` is one of `TRUSTED_PROXIES` — a
client talking to the app directly cannot choose the address it is counted under."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import lru_cache, wraps
from types import SimpleNamespace

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Max, Sum
from django.forms.utils import ErrorDict
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from ipware.ip import get_client_ip
from rest_framework.throttling import ScopedRateThrottle

TOO_MANY_ATTEMPTS = "登录尝试过多，请稍后再试"
TOO_MANY_REQUESTS = "操作过于频繁，请稍后再试。"
USERNAME_MAX = 150  # the User model's username length; longer input is never an account


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- the client address ---------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(_setting("TRUSTED_PROXIES", ()))))


def client_ip(request) -> str:
    """Where the request came from, as far as this app can know it (see the module docstring)."""
    remote = (getattr(request, "META", None) or {}).get("REMOTE_ADDR", "") or ""
    if remote and _is_trusted_proxy(remote):
        forwarded, _routable = get_client_ip(
            request,
            proxy_order="right-most",  # nginx appends the address it saw; earlier entries are the client's word
            request_header_order=_setting("CLIENT_IP_HEADERS", ("HTTP_X_REAL_IP", "HTTP_X_FORWARDED_FOR")),
        )
        if forwarded:
            return forwarded
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "0.0.0.0"  # noqa: S104  not a bind address: the bucket for requests without one


def username_key(request, credentials) -> str | None:
    """The account an attempt is counted under: trimmed, case-folded, bounded."""
    username = (credentials or {}).get("username")
    if username is None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get("username") if hasattr(data, "get") else None
    if username is None:
        return None
    return str(username).strip().lower()[:USERNAME_MAX]


# --- the policy -----------------------------------------------------------------------------


def window() -> timedelta:
    return timedelta(seconds=_setting("LOGIN_FAILURE_WINDOW", 600))


def account_delay(failures: int) -> int:
    """Seconds an account waits after its last failure, given its failures in the window."""
    free = _setting("LOGIN_ACCOUNT_FREE_FAILURES", 10)
    if failures <= free:
        return 0
    return min(2 ** (failures - free - 1), _setting("LOGIN_ACCOUNT_MAX_DELAY", 60))


class LoginAttempts(AxesDatabaseHandler):
    """axes' database handler with three limits instead of one (see the module docstring)."""

    def is_locked(self, request, credentials=None) -> bool:
        since = timezone.now() - window()
        recent = AccessAttempt.objects.filter(attempt_time__gte=since)
        username = username_key(request, credentials)
        ip = request.axes_ip_address
        by_pair = recent.filter(username=username, ip_address=ip).aggregate(n=Sum("failures_since_start"))["n"]
        if (by_pair or 0) >= _setting("LOGIN_FAILURE_LIMIT", 10):
            return True
        by_ip = recent.filter(ip_address=ip).aggregate(n=Sum("failures_since_start"))["n"]
        if (by_ip or 0) >= _setting("LOGIN_FAILURE_IP_LIMIT", 100):
            return True
        if username is None:
            return False
        account = recent.filter(username=username).aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        delay = account_delay(account["n"] or 0)
        return bool(delay) and timezone.now() < account["last"] + timedelta(seconds=delay)

    def get_failures(self, request, credentials=None) -> int:
        """Failures of this account from this address: what axes compares with its limit
        (AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT) to refuse the attempt that reaches it."""
        since = timezone.now() - window()
        return (
            AccessAttempt.objects.filter(
                attempt_time__gte=since, username=username_key(request, credentials), ip_address=request.axes_ip_address
            ).aggregate(n=Sum("failures_since_start"))["n"]
            or 0
        )


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses (before any password is checked) while the caller is throttled; the next
    backend (ModelBackend) checks the password. Without a request (a management command,
    a shell) there is no client to count, so nothing is refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_blocked(username: str, request) -> bool:
    """For the portal login form: refuse with a clear message before checking the password."""
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """axes' answer once a login attempt is refused: 429 with the Chinese message."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": TOO_MANY_ATTEMPTS}, status=429, json_dumps_params={"ensure_ascii": False})
    else:  # the site's login page (also for the admin login: one place to say it)
        form = AuthenticationForm(request, data=request.POST or None)
        form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([TOO_MANY_ATTEMPTS])})
        form.cleaned_data = {}
        context = {"form": form, "next": request.POST.get("next", "") if request.method == "POST" else ""}
        response = render(request, "portal/login.html", context, status=429)
    response["Retry-After"] = str(_setting("LOGIN_ACCOUNT_MAX_DELAY", 60))
    return response


# --- pages throttled like their API twins ---------------------------------------------------


def throttle_page(scope: str):
    """Throttle a page's POSTs with the API's scoped rate (REST_FRAMEWORK DEFAULT_THROTTLE_RATES)
    and the same cache key, so the page and the API share one budget per user."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                throttle = ScopedRateThrottle()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                    wait = int(throttle.wait() or 1)
                    response = HttpResponse(
                        f'<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>{TOO_MANY_REQUESTS}</title>'
                        f"<p>{TOO_MANY_REQUESTS}（约{wait}秒后可再试）</p></html>",
                        status=429,
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
