"""Production settings with the bench-only URLconf: everything else is identical, so the bare
view meets the same middleware, session engine, cache and database as our endpoints."""

from lms.settings.production import *  # noqa: F403

ROOT_URLCONF = "bare.urls"
