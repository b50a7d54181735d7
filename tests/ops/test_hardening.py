"""Production hardening: `check --deploy` is clean, security headers are sent, CSRF guards
every state-changing page, oversized bodies are refused, and no secret is committed."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.factories import UserFactory

from .urlwalk import fill, is_concrete, params, patterns

BASE_DIR = Path(settings.BASE_DIR)


def _production_env(tmp_path, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="lms.example.cn",
        LMS_VAR_DIR=str(tmp_path),
        **extra,
    )
    return env


def test_check_deploy_has_no_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PROBE = """
import json, django
django.setup()
from django.test import Client
c = Client()
secure = c.get("/healthz", HTTP_HOST="lms.example.cn", secure=True)
plain = c.get("/login/", HTTP_HOST="lms.example.cn")
evil = c.get("/healthz", HTTP_HOST="evil.example.com", secure=True)
print(json.dumps({
    "headers": dict(secure.headers),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
    "evil_status": evil.status_code,
}))
"""


def test_production_responses_carry_security_headers(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        env=_production_env(tmp_path, S3_CUSTOM_DOMAIN="cdn.example.cn"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    headers = {k.lower(): v for k, v in probe["headers"].items()}
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["strict-transport-security"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    csp = headers["content-security-policy"]  # django-csp, lms/settings/production.py
    policy = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["script-src"] == "'self' 'unsafe-inline'"
    # HLS from the CDN path may play (hls.js: blob: media), and nothing else foreign.
    assert "blob:" in policy["media-src"] and "https://cdn.example.cn" in policy["media-src"]
    assert "https://cdn.example.cn" in policy["connect-src"]
    assert policy["frame-ancestors"] == "'self'"
    assert "http:" not in csp
    assert headers["permissions-policy"].startswith("camera=(self)")
    # Plain HTTP is redirected to HTTPS; unknown Host headers are refused.
    assert probe["plain_status"] == 301 and probe["plain_location"].startswith("https://lms.example.cn/")
    assert probe["evil_status"] == 400


# --- CSRF ----------------------------------------------------------------------------------------


# Views that may accept a POST without a CSRF token, each with the reason.
CSRF_EXEMPT_ALLOWED: dict[str, str] = {
    "api/v1/{rest}": "lms.api.not_found: the JSON 404 for unknown API paths, any method, changes nothing",
}


def test_no_page_view_is_csrf_exempt():
    """Django views under our URLconf keep CSRF protection; DRF views are exempt at the Django
    level but enforce CSRF in SessionAuthentication (tested below)."""
    offenders = []
    for route, pattern in patterns():
        callback = pattern.callback
        if not getattr(callback, "csrf_exempt", False):
            continue
        view_class = getattr(callback, "cls", None)  # DRF APIView/ViewSet
        if view_class is not None and hasattr(view_class, "authentication_classes"):
            from rest_framework.authentication import SessionAuthentication

            auth = [a for a in view_class.authentication_classes if issubclass(a, SessionAuthentication)]
            custom = [a for a in auth if a.enforce_csrf is not SessionAuthentication.enforce_csrf]
            if not custom:
                continue
        if route.startswith("admin/") or route.startswith("django-admin/"):
            continue  # Wagtail/Django admin code, not ours
        if route not in CSRF_EXEMPT_ALLOWED:
            offenders.append(f"{route} → {callback.__module__}.{getattr(callback, '__name__', callback)}")
    assert not offenders, "csrf_exempt views: " + ", ".join(offenders)


@pytest.mark.django_db
def test_login_post_without_token_is_refused():
    UserFactory(username="alice")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "alice", "password": "Test@12345"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_state_changing_pages_refuse_posts_without_token(roles):
    """Every resolvable non-API page refuses a token-less POST from a logged-in superuser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(roles.superuser)
    checked = []
    for route, _pattern in patterns():
        if route.startswith(("api/", "admin/", "django-admin/", "static/", "files/", "documents/")):
            continue
        if not is_concrete(route):
            continue
        url = fill(route)
        response = client.post(url, {"x": "1"})
        checked.append(url)
        assert response.status_code in (403, 404, 405), f"POST {url} without CSRF token → {response.status_code}"
    assert "/login/" in checked and "/logout/" in checked


@pytest.mark.django_db
def test_api_session_posts_need_the_token(roles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(roles.superuser)
    posted = 0
    for route, _pattern in patterns():
        if not route.startswith("api/v1/") or params(route) or not is_concrete(route):
            continue
        response = client.post(fill(route), {}, content_type="application/json")
        assert response.status_code == 403, f"POST /{route} without CSRF token → {response.status_code}"
        posted += 1
    assert posted >= 1


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_oversized_form_body_is_refused():
    response = Client().post("/login/", {"username": "a" * 5000, "password": "x"})
    assert response.status_code == 400


# --- secrets ---------------------------------------------------------------------------------------

SECRET_PATTERNS = [
    re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    re.compile(r"""\bSECRET_KEY\s*=\s*['"][^'"]{8,}['"]"""),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"""(?i)\b(?:aws_secret_access_key|password)\s*[:=]\s*['"][A-Za-z0-9/+]{30,}['"]"""),
]


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=BASE_DIR, capture_output=True, check=True, timeout=60
        ).stdout
        return [BASE_DIR / name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. an unpacked tarball)
        skip = {".venv", "var", ".git", "node_modules"}
        return [p for p in BASE_DIR.rglob("*") if p.is_file() and not skip & set(p.relative_to(BASE_DIR).parts)]


def test_no_secrets_in_the_repository():
    this_file = Path(__file__).resolve()
    hits = []
    files = _tracked_files()
    assert files
    for path in files:
        if path.resolve() == this_file or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for pattern in SECRET_PATTERNS:
            for match in pattern.finditer(text):
                hits.append(f"{path.relative_to(BASE_DIR)}: {match.group(0)[:60]}")
    assert not hits, "possible secrets committed:\n" + "\n".join(hits)


def test_local_secret_key_file_is_not_tracked():
    tracked = {p.relative_to(BASE_DIR).as_posix() for p in _tracked_files()}
    assert not any(name.endswith("secret_key") or name.startswith("var/") for name in tracked)
