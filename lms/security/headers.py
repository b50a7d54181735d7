"""Permissions-Policy: the one response header neither Django 5.2 nor django-csp sets
(Content-Security-Policy comes from django-csp, configured in lms/settings/production.py).
Only the camera may be used, by our own pages (scanning a sign-in QR code)."""

PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"


class PermissionsPolicyMiddleware:
    """Adds the header unless a view already set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
