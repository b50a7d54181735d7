"""Protections every door shares: login throttling (`ratelimit`, on django-axes) and the
response headers Django and django-csp do not set (`headers`)."""
