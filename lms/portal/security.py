"""Security headers Django 5.2 does not set itself: Content-Security-Policy and
Permissions-Policy (production settings insert this middleware after SecurityMiddleware).

The policy is nonce-free on purpose: our templates and the Wagtail admin use inline scripts
and styles, so 'unsafe-inline' is allowed for script-src and style-src only. Everything else
is same-origin, plus the CDN origins that serve HLS playlists/segments and posters
(settings.CSP_CDN_ORIGINS). hls.js plays through MediaSource (blob: media) and may start a
blob: worker. frame-ancestors is 'self' so Wagtail's live preview iframe keeps working;
X-Frame-Options: DENY still covers browsers without CSP."""

from django.conf import settings


def content_security_policy() -> str:
    cdn = " ".join(getattr(settings, "CSP_CDN_ORIGINS", []))
    directives = {
        "default-src": "'self'",
        "script-src": "'self' 'unsafe-inline'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob: {cdn}",
        "media-src": f"'self' blob: {cdn}",
        "connect-src": f"'self' {cdn}",
        "font-src": "'self' data:",
        "worker-src": "'self' blob:",
        "frame-src": "'self'",
        "frame-ancestors": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"


class CSPMiddleware:
    """Adds the headers unless a view already set its own (e.g. a stricter download view)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
