"""Production: every secret and service address comes from the environment.

`SECRET_KEY=... ALLOWED_HOSTS=... python manage.py check --deploy` passes with no warnings
(tests/ops/test_deploy_check.py runs it). TLS ends at the reverse proxy (deploy/nginx.conf),
which sets X-Forwarded-Proto; Django trusts only that header."""

import os

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, STORAGES, env_bool, env_int

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated host names).")
DEBUG = False

# --- transport: HTTPS only, behind a proxy that terminates TLS --------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# /healthz is probed over plain HTTP by load balancers and systemd/docker health checks.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- cookies ----------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)  # a working day on a shared PC
if os.environ.get("REDIS_CACHE_URL"):
    # Sessions read from Redis, written through to the database: no session query per request.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = False  # read by pages that POST with fetch (heartbeats, sign-in)
CSRF_COOKIE_SAMESITE = "Lax"

# --- response headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views opt into SAMEORIGIN themselves
MIDDLEWARE = [*MIDDLEWARE]
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE[_after_security:_after_security] = [
    "csp.middleware.CSPMiddleware",
    "lms.security.headers.PermissionsPolicyMiddleware",
]
# Content-Security-Policy by django-csp: nonce-free, same-origin only. Pages and the Wagtail
# admin use inline <script>/<style>, so 'unsafe-inline' is allowed for those two directives;
# everything else (fetches, media, frames, forms) stays on our own origin plus the CDN host
# that serves HLS (hls.js plays through MediaSource: blob: media, maybe a blob: worker).
# frame-ancestors 'self' keeps Wagtail's preview iframe; X-Frame-Options covers old browsers.
CSP_CDN_ORIGINS = [o for o in os.environ.get("CSP_CDN_ORIGINS", "").split(",") if o]
if os.environ.get("S3_CUSTOM_DOMAIN"):
    CSP_CDN_ORIGINS.append("https://" + os.environ["S3_CUSTOM_DOMAIN"])
if os.environ.get("S3_ENDPOINT_URL"):
    CSP_CDN_ORIGINS.append(os.environ["S3_ENDPOINT_URL"].rstrip("/"))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *CSP_CDN_ORIGINS],
        "media-src": [SELF, "blob:", *CSP_CDN_ORIGINS],
        "connect-src": [SELF, *CSP_CDN_ORIGINS],
        "font-src": [SELF, "data:"],
        "worker-src": [SELF, "blob:"],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# --- login throttling (lms/security/ratelimit.py): counts live in the database, shared by all --------
# The client address is nginx's X-Real-IP only when the request comes from nginx itself: the
# proxy on this host by default; list the proxies' addresses/networks when it runs elsewhere
# (docker-compose: the compose network). Anyone else's forwarded headers are ignored.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()]

# --- limits on what clients may send ----------------------------------------------------------
# Form/JSON bodies: 10 MB in memory; bigger uploads (videos) stream to temporary files.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 5000)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 20)
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# The whole request body (incl. videos) is capped at the proxy: client_max_body_size in nginx.
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env_int("WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)


# --- static files: hashed names, served by whitenoise or the proxy ---------------------------
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "lms.ops.storage.ManifestStaticFilesStorage"}}

# --- logging: one line per event to stdout for the process supervisor/journald ---------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.security": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}},
}
