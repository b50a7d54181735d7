"""What the app shell is: the files the service worker keeps for offline use, the version that
busts its caches, and the paths it never caches.

The version is a hash of the static manifest when the storage keeps one (hashed file names:
a deploy that changes any static file changes it), else of the shell files' contents, so a new
deploy always ships a byte-different /sw.js and the browser installs it and drops old caches."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import reverse

from .icons import FAVICON_NAME, SIZES, icon_name

# Static files every member page needs (the shell); the SW fetches them at install time. The
# large install icons are not among them: only the browser's install prompt reads those.
SHELL_STATIC = (
    "css/site.css",
    "pwa/pwa.js",
    "courses/heartbeat-queue.js",
    "courses/courses.css",
    FAVICON_NAME,
    icon_name(min(SIZES), maskable=False),  # apple-touch-icon
)
# Never cached, never answered from a cache: writes, the API, admin, sign-in/out, media, live.
NEVER_CACHE_PREFIXES = (
    "/admin/",
    "/django-admin/",
    "/api/",
    "/login/",
    "/logout/",
    "/files/",
    "/documents/",
    "/live/",
    "/access/",
    "/sw.js",
    "/healthz",
)


def shell_static_urls() -> list[str]:
    return [static(name) for name in SHELL_STATIC]


@lru_cache(maxsize=1)
def shell_version() -> str:
    digest = hashlib.sha256()
    manifest = getattr(staticfiles_storage, "hashed_files", None)
    if manifest:
        digest.update(json.dumps(manifest, sort_keys=True).encode())
    else:
        for name in SHELL_STATIC:
            path = finders.find(name)
            if path:
                with open(path, "rb") as fh:
                    digest.update(fh.read())
    digest.update(reverse("pwa:offline").encode())
    return digest.hexdigest()[:12]
